"""Dose constraints: protocol files, structure matching, evaluation per plan and across courses.

Public API::

    load_protocol(path) -> Protocol            # validated; ProtocolError names the bad field
    shipped_protocols() / find_protocol(name) / suggest_protocol(protocols, fractions=, prescription_gy=, names=)
    match_structures(protocol, roi_names, manual=None) -> StructureMatch
    evaluate(protocol, dvhs_by_structure, fractions=, prescription_gy=, ...) -> Evaluation
    eqd2_gy / bed_gy / physical_from_eqd2_gy    # LQ conversions (floats or arrays)

    check_plan(link, protocol, manual=None, dvhs=None) -> Evaluation  # DoseLink + DVH engine (dvhs: reuse)
    check_composite(links, protocols, manual=None) -> Evaluation   # voxel-wise EQD2 sum of courses
    suggest_for_link(protocols, link) -> Protocol | None           # the protocol chooser's default
    suggestion_for_link(protocols, link) -> Suggestion             # ... with the reason (site + fractionation)
    derived_dvh(operation, rois, dose) -> Dvh                      # union / intersection / subtraction
    physical_sum(courses) / eqd2_sum(courses, alpha_beta_gy) -> DoseGrid

Results are dataclasses (``ConstraintResult`` rows with a ``Status`` and ``limit_marker()``;
``Evaluation.dvhs`` holds the DVH each structure was evaluated on), ready for a GUI table and
for ``rtreview check``. The file format is documented in docs/protocols.md.
"""
from .composite import Course, eqd2_sum, physical_sum
from .derived import derived_dvh
from .evaluation import evaluate, evaluate_constraint, evaluate_constraint_composite
from .fractionation import bed_gy, convert_total_gy, eqd2_gy, physical_from_eqd2_gy
from .library import find_protocol, shipped_protocols, suggest_protocol
from .matching import StructureMatch, match_structures, normalize_name
from .metrics import Metric, parse_metric
from .model import Constraint, DerivedSpec, Protocol, StructureSpec
from .plan_check import check_composite, check_plan, suggest_for_link, suggestion_for_link
from .protocol_io import ProtocolError, load_protocol, protocol_from_dict
from .results import ConstraintResult, Evaluation, LimitMarker, Status
from .suggestion import Suggestion

__all__ = [
    "Constraint", "ConstraintResult", "Course", "DerivedSpec", "Evaluation", "LimitMarker", "Metric", "Protocol",
    "ProtocolError", "Status", "StructureMatch", "StructureSpec", "bed_gy", "check_composite", "check_plan",
    "convert_total_gy", "derived_dvh", "eqd2_gy", "eqd2_sum", "evaluate",
    "evaluate_constraint", "evaluate_constraint_composite", "find_protocol", "load_protocol",
    "match_structures", "normalize_name", "parse_metric", "physical_from_eqd2_gy", "protocol_from_dict",
    "physical_sum", "shipped_protocols", "suggest_for_link", "suggest_protocol", "Suggestion", "suggestion_for_link",
]
