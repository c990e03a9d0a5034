"""Check plans against protocols: DICOM links + DVH engine + derived structures -> Evaluations.

``check_plan`` evaluates one plan (its dose grid and linked structure set); ``check_composite``
(``composite_check``, re-exported here) sums several courses at the DVH engine's sample points
in EQD2 (and physically) and evaluates the absolute-dose limits of the plans' protocols on the
structures that receive dose from more than one course.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from rtreview.core.dvh import DvhError, DvhOptions, compute_dvh

from .alpha_beta import protocol_alpha_betas
from .composite_check import RECEIVES_DOSE_GY, check_composite  # noqa: F401 - re-exported (check, report, batch)
from .derived import derived_dvh
from .evaluation import evaluate
from .matching import StructureMatch, match_structures, roi_labels
from .model import Protocol
from .needs_rx import mark_unknowns
from .results import Evaluation
from .suggestion import Suggestion, suggest


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
    from rtreview.core.dicom.dose_units import is_gy

    if not fractions or link.dose is None or not is_gy(link.dose):
        return None
    if rx_gy:
        return rx_gy / fractions
    return float(link.dose.max_gy) / fractions


def relative_dose_reason(dose) -> str:
    """Why constraints cannot be evaluated on ``dose`` ('' when its units are Gy): a relative dose's
    reference is not in the file, so neither Gy limits nor % of a prescription in Gy apply."""
    from rtreview.core.dicom.dose_units import is_gy, units

    if dose is None or is_gy(dose):
        return ""
    return (f"the dose is in DoseUnits {units(dose)}, not Gy: constraints are not evaluated on it "
            "(give the Gy of a relative 1.0 with --relative-dose-gy)")


def suggestion_for_link(protocols: list[Protocol], link) -> Suggestion:
    """The protocol fitting a dose link's plan by site (its label/name, target and organ ROI
    names) and fractionation (the fractions and prescription the dose is delivered with), with
    the reason; ``Suggestion.protocol`` None when none fits (the reason says why)."""
    plan = link.plan
    names = [link.label] + ([plan.name] if plan is not None and plan.name else [])
    rois = [r.name for r in link.structure_set.rois] if link.structure_set is not None else []
    if link.structure_set is not None:
        names += [r.name for r in link.structure_set.rois if r.is_target]
    return suggest(protocols, fractions=link.fractions, prescription_gy=link.prescription_gy,
                   target_names=names, roi_names=rois)


def suggest_for_link(protocols: list[Protocol], link) -> Protocol | None:
    """``suggestion_for_link(...).protocol``: the fitting protocol, or None."""
    return suggestion_for_link(protocols, link).protocol


def check_plan(link, protocol: Protocol, *, manual: dict[str, str] | None = None,
               options: DvhOptions | None = None, dvhs: dict[int, object] | None = None,
               alpha_beta: dict[str, float] | None = None) -> Evaluation:
    """Evaluate ``protocol`` on one dose link (rtreview.core.dicom.case.DoseLink).

    ``dvhs``: the link's DVHs if the caller has them already (``compute_dvhs(link.structure_set,
    link.dose, options)``, keyed by ROI number, computed with the same ``options``): the plan's
    own ROIs are then not recomputed (derived structures still are). Results are identical.
    ``alpha_beta``: the user's α/β per ROI name (``rtreview.core.constraints.alpha_beta``).
    """
    fractions = link.fractions or None
    rx = link.prescription_gy or None
    notes = []
    if fractions is None:
        notes.append("the plan's number of fractions is unknown: limits that depend on it need fractions")
    if rx is None:
        notes.append("the plan's prescription is unknown: limits relative to it need Rx")
    if link.plan is not None and len(link.plan.fraction_groups) > 1 and link.fraction_group is None and fractions:
        notes.append(f"EQD2 with the plan's total {fractions} fractions ({len(link.plan.fraction_groups)} fraction "
                     "groups summed in one dose): exact only where every fraction gives a voxel the same dose, "
                     "an underestimate where the groups' doses per fraction differ")
    ss = link.structure_set
    per_fraction = plan_dose_per_fraction_gy(link, fractions, rx)
    relative = relative_dose_reason(link.dose)
    if relative:
        notes.append(relative)
    if ss is None:
        ev = evaluate(protocol, {}, fractions=fractions, prescription_gy=rx, plan_label=link.label,
                      missing_reasons={s.name: "no structure set linked to this dose" for s in protocol.structures},
                      alpha_betas=protocol_alpha_betas(protocol, None, alpha_beta))
        ev.notes = notes + ["no structure set is linked to this dose"]
        mark_unknowns(ev, protocol, rx_known=rx is not None, fractions_known=fractions is not None)
        return ev
    match = match_structures(protocol, [r.name for r in ss.rois], manual)
    if relative:
        sd = StructureDvhs(reasons={s.name: relative for s in protocol.structures})
    else:
        sd = structure_dvhs(protocol, ss, link.dose, match, options=options, prescription_gy=rx, dvhs=dvhs)
    ev = evaluate(protocol, sd.dvhs, fractions=fractions, prescription_gy=rx, plan_label=link.label,
                  roi_names=roi_labels(protocol, match), missing_reasons=sd.reasons,
                  alpha_betas=protocol_alpha_betas(protocol, match, alpha_beta), dose_per_fraction_gy=per_fraction,
                  per_fraction_from="" if rx else "its maximum dose / fractions: the prescription is unknown")
    mark_unknowns(ev, protocol, rx_known=rx is not None, fractions_known=fractions is not None)
    ev.unmatched = list(match.unmatched)
    ev.notes = notes + match.notes
    ev.dvhs = dict(sd.dvhs)
    return ev
