"""Check plans against protocols: DICOM links + DVH engine + derived structures -> Evaluations.

``check_plan`` evaluates one plan (its dose grid and linked structure set); ``check_composite``
sums several courses on one frame of reference voxel by voxel in EQD2 (and physically) and
evaluates the absolute-dose limits of the plans' protocols on the structures that receive
dose from more than one course.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from rtreview.core.dvh import DvhError, DvhOptions, compute_dvh

from .alpha_beta import protocol_alpha_betas
from .derived import derived_dvh
from .evaluation import evaluate
from .library import suggest_protocol
from .composite_check import check_composite  # noqa: F401 - re-exported (rtreview check, report)
from .matching import StructureMatch, match_structures, roi_labels
from .model import Protocol, StructureSpec
from .results import Evaluation

# A structure "receives dose" from a course when it overlaps that course's dose grid and its
# maximum dose from that course exceeds this (Gy).
RECEIVES_DOSE_GY = 0.0


@dataclass
class StructureDvhs:
    """DVHs of a protocol's structures on one dose grid, and why the missing ones are missing."""

    dvhs: dict[str, object] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def structure_dvhs(protocol: Protocol, structure_set, dose, match: StructureMatch, *,
                   options: DvhOptions | None = None, prescription_gy: float | None = None,
                   names: list[str] | None = None, dvhs: dict[int, object] | None = None) -> StructureDvhs:
    """DVHs of the protocol structures (all, or those in ``names``) on ``dose``.

    ``dvhs``: DVHs already computed on ``dose`` with the same ``options`` (``compute_dvhs``'s
    ``{roi_number: Dvh}``); used for the structure set's own ROIs instead of recomputing them
    (a ROI missing from it is computed). Derived structures are always computed.
    """
    out = StructureDvhs()
    by_roi: dict[str, object] = {}

    def roi_dvh(roi_name: str):
        if roi_name not in by_roi:
            roi = structure_set.roi(roi_name)
            given = dvhs.get(roi.number) if dvhs is not None else None
            if given is None:
                by_roi[roi_name] = compute_dvh(roi, dose, options, prescription_gy)
            elif given.prescription_gy != prescription_gy:
                by_roi[roi_name] = dataclasses.replace(given, prescription_gy=prescription_gy)
            else:
                by_roi[roi_name] = given
        return by_roi[roi_name]

    for s in protocol.structures:
        if names is not None and s.name not in names:
            continue
        try:
            roi_names = match.rois_for(s.name)
            if len(roi_names) > 1:  # an all-matches structure: the union of its ROIs
                out.dvhs[s.name] = derived_dvh("union", [structure_set.roi(r) for r in roi_names], dose,
                                               name=s.name, options=options, prescription_gy=prescription_gy)
            elif roi_names:
                out.dvhs[s.name] = roi_dvh(roi_names[0])
            elif s.derived is not None:
                missing = [o for o in s.derived.operands if match.roi_for(o) is None]
                if missing:
                    out.reasons[s.name] = f"derived from {', '.join(missing)}, not found in the structure set"
                    continue
                # operands in order, an all-matches operand contributing all its ROIs (liver minus
                # every GTV: the first operand minus the union of the others)
                rois = [structure_set.roi(r) for o in s.derived.operands for r in match.rois_for(o)]
                out.dvhs[s.name] = derived_dvh(s.derived.operation, rois, dose, name=s.name, options=options,
                                               prescription_gy=prescription_gy)
            else:
                out.reasons[s.name] = "structure not found (no ROI matches its names)"
        except DvhError as exc:
            out.reasons[s.name] = str(exc)
    return out


def plan_dose_per_fraction_gy(link, fractions: int | None, rx_gy: float | None) -> float | None:
    """The plan's dose per fraction (Gy): Rx / fractions; without a prescription the dose grid's
    maximum / fractions (an upper bound); None without fractions or with a relative dose."""
    if not fractions or getattr(link.dose, "units", "GY") != "GY":
        return None
    if rx_gy:
        return rx_gy / fractions
    return float(link.dose.max_gy) / fractions


def suggest_for_link(protocols: list[Protocol], link) -> Protocol | None:
    """The protocol that best fits a dose link's plan: fractionation, then the plan's label/name
    and the target ROI names of its structure set. None when nothing fits."""
    plan = link.plan
    names = [link.label] + ([plan.name] if plan is not None and plan.name else [])
    if link.structure_set is not None:
        names += [r.name for r in link.structure_set.rois if r.is_target]
    return suggest_protocol(protocols, fractions=plan.fractions if plan is not None else None,
                            prescription_gy=plan.prescription_gy if plan is not None else None, names=names)


def check_plan(link, protocol: Protocol, *, manual: dict[str, str] | None = None,
               options: DvhOptions | None = None, dvhs: dict[int, object] | None = None,
               alpha_beta: dict[str, float] | None = None) -> Evaluation:
    """Evaluate ``protocol`` on one dose link (rtreview.core.dicom.case.DoseLink).

    ``dvhs``: the link's DVHs if the caller has them already (``compute_dvhs(link.structure_set,
    link.dose, options)``, keyed by ROI number, computed with the same ``options``): the plan's
    own ROIs are then not recomputed (derived structures still are). Results are identical.
    ``alpha_beta``: the user's α/β per ROI name (``rtreview.core.constraints.alpha_beta``).
    """
    plan = link.plan
    fractions = plan.fractions if plan is not None and plan.fractions else None
    rx = plan.prescription_gy if plan is not None and plan.prescription_gy else None
    notes = []
    if fractions is None:
        notes.append(f"the plan states no number of fractions; using the protocol's {protocol.fractions}")
    if rx is None:
        notes.append(f"the plan states no prescription; using the protocol's {protocol.prescription_gy:g} Gy")
    ss = link.structure_set
    per_fraction = plan_dose_per_fraction_gy(link, fractions or protocol.fractions, rx)
    relative = relative_dose_reason(link.dose)
    if relative:
        notes.append(relative)
    if ss is None:
        ev = evaluate(protocol, {}, fractions=fractions, prescription_gy=rx, plan_label=link.label,
                      missing_reasons={s.name: "no structure set linked to this dose" for s in protocol.structures},
                      alpha_betas=protocol_alpha_betas(protocol, None, alpha_beta))
        ev.notes = notes + ["no structure set is linked to this dose"]
        return ev
    match = match_structures(protocol, [r.name for r in ss.rois], manual)
    if relative:
        sd = StructureDvhs(reasons={s.name: relative for s in protocol.structures})
    else:
        sd = structure_dvhs(protocol, ss, link.dose, match, options=options,
                            prescription_gy=rx or protocol.prescription_gy, dvhs=dvhs)
    ev = evaluate(protocol, sd.dvhs, fractions=fractions, prescription_gy=rx, plan_label=link.label,
                  roi_names=roi_labels(protocol, match), missing_reasons=sd.reasons,
                  alpha_betas=protocol_alpha_betas(protocol, match, alpha_beta), dose_per_fraction_gy=per_fraction)
    ev.unmatched = list(match.unmatched)
    ev.notes = notes + match.notes
    ev.dvhs = dict(sd.dvhs)
    return ev


def relative_dose_reason(dose) -> str:
    """Why constraints cannot be evaluated on ``dose`` ('' when its units are Gy): a relative dose's
    reference is not in the file, so neither Gy limits nor % of a prescription in Gy apply."""
    from rtreview.core.dicom.dose_units import is_gy, units

    if is_gy(dose):
        return ""
    return (f"the dose is in DoseUnits {units(dose)}, not Gy: constraints are not evaluated on it "
            "(give the Gy of a relative 1.0 with --relative-dose-gy)")
