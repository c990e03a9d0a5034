"""Dose constraints: protocol files, structure matching, evaluation per plan and across courses.

Public API::

    load_protocol(path) -> Protocol            # validated; ProtocolError names the bad field
    shipped_protocols() / find_protocol(name) / suggest_protocol(protocols, fractions=, prescription_gy=, names=)
    match_structures(protocol, roi_names, manual=None) -> StructureMatch
    evaluate(protocol, dvhs_by_structure, fractions=, prescription_gy=, ...) -> Evaluation
    eqd2_gy / bed_gy / physical_from_eqd2_gy    # LQ conversions (floats or arrays)

With DICOM and the DVH engine (see ``plan_check``): ``check_plan(link, protocol)`` and
``check_composite(links, protocols)``. Results are dataclasses (``ConstraintResult`` rows with a
``Status``), ready for a GUI table and for ``rtreview check``.
"""
from .evaluation import evaluate, evaluate_constraint, evaluate_constraint_composite
from .fractionation import bed_gy, convert_total_gy, eqd2_gy, physical_from_eqd2_gy
from .library import find_protocol, shipped_protocols, suggest_protocol
from .matching import StructureMatch, match_structures, normalize_name
from .metrics import Metric, parse_metric
from .model import Constraint, DerivedSpec, Protocol, StructureSpec
from .protocol_io import ProtocolError, load_protocol, protocol_from_dict
from .results import ConstraintResult, Evaluation, Status

__all__ = [
    "Constraint", "ConstraintResult", "DerivedSpec", "Evaluation", "Metric", "Protocol", "ProtocolError",
    "Status", "StructureMatch", "StructureSpec", "bed_gy", "convert_total_gy", "eqd2_gy", "evaluate",
    "evaluate_constraint", "evaluate_constraint_composite", "find_protocol", "load_protocol",
    "match_structures", "normalize_name", "parse_metric", "physical_from_eqd2_gy", "protocol_from_dict",
    "shipped_protocols", "suggest_protocol",
]
