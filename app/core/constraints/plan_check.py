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

from .composite import Course, common_axes_mm, eqd2_sum, physical_sum
from .derived import derived_dvh
from .evaluation import evaluate, evaluate_constraint_composite
from .suggestion import Suggestion, suggest
from .matching import StructureMatch, match_structures, normalize_name
from .model import Protocol, StructureSpec
from .needs_rx import mark_unknowns
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
            roi_name = match.roi_for(s.name)
            if roi_name is not None:
                out.dvhs[s.name] = roi_dvh(roi_name)
            elif s.derived is not None:
                missing = [o for o in s.derived.operands if match.roi_for(o) is None]
                if missing:
                    out.reasons[s.name] = f"derived from {', '.join(missing)}, not found in the structure set"
                    continue
                rois = [structure_set.roi(match.roi_for(o)) for o in s.derived.operands]
                out.dvhs[s.name] = derived_dvh(s.derived.operation, rois, dose, name=s.name, options=options,
                                               prescription_gy=prescription_gy)
            else:
                out.reasons[s.name] = "structure not found (no ROI matches its names)"
        except DvhError as exc:
            out.reasons[s.name] = str(exc)
    return out


def _roi_names(protocol: Protocol, match: StructureMatch) -> dict[str, str]:
    names = dict(match.roi_by_structure)
    for s in protocol.structures:
        if s.derived is not None and s.name not in names:
            symbol = {"union": " + ", "intersection": " & ", "subtraction": " - "}[s.derived.operation]
            names[s.name] = symbol.join(match.roi_for(o) or o for o in s.derived.operands)
    return names


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
               options: DvhOptions | None = None, dvhs: dict[int, object] | None = None) -> Evaluation:
    """Evaluate ``protocol`` on one dose link (rtreview.core.dicom.case.DoseLink).

    ``dvhs``: the link's DVHs if the caller has them already (``compute_dvhs(link.structure_set,
    link.dose, options)``, keyed by ROI number, computed with the same ``options``): the plan's
    own ROIs are then not recomputed (derived structures still are). Results are identical.
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
    if ss is None:
        ev = evaluate(protocol, {}, fractions=fractions, prescription_gy=rx, plan_label=link.label,
                      missing_reasons={s.name: "no structure set linked to this dose" for s in protocol.structures})
        ev.notes = notes + ["no structure set is linked to this dose"]
        mark_unknowns(ev, protocol, rx_known=rx is not None, fractions_known=fractions is not None)
        return ev
    match = match_structures(protocol, [r.name for r in ss.rois], manual)
    sd = structure_dvhs(protocol, ss, link.dose, match, options=options, prescription_gy=rx, dvhs=dvhs)
    ev = evaluate(protocol, sd.dvhs, fractions=fractions, prescription_gy=rx, plan_label=link.label,
                  roi_names=_roi_names(protocol, match), missing_reasons=sd.reasons)
    mark_unknowns(ev, protocol, rx_known=rx is not None, fractions_known=fractions is not None)
    ev.unmatched = list(match.unmatched)
    ev.notes = notes + match.notes
    ev.dvhs = dict(sd.dvhs)
    return ev


def _absolute(s: StructureSpec):
    """Constraints that mean something on a composite (not relative to one course's prescription)."""
    return [c for c in s.constraints if c.unit != "%Rx" and c.metric.kind != "V%Rx"]


@dataclass
class _Candidate:
    """A structure of one or more protocols, with the constraints each protocol puts on it."""

    protocol: Protocol  # the first protocol naming it: its alpha/beta and mapping are used
    spec: StructureSpec
    match: StructureMatch
    items: list = field(default_factory=list)  # (protocol, spec, constraint)


def _candidates(links, protocols, roi_names, manual) -> dict[str, _Candidate]:
    out: dict[str, _Candidate] = {}
    for proto in dict.fromkeys(protocols):
        match = match_structures(proto, roi_names, manual)
        for s in proto.structures:
            for c in _absolute(s):
                cand = out.setdefault(normalize_name(s.name), _Candidate(proto, s, match))
                cand.items.append((proto, s, c))
    return out


def check_composite(links: list, protocols: list[Protocol], *, manual: dict[str, str] | None = None,
                    options: DvhOptions | None = None, all_structures: bool = False,
                    min_dose_gy: float = RECEIVES_DOSE_GY) -> Evaluation:
    """Evaluate the absolute-dose limits of ``protocols`` (one per link) on the composite of ``links``.

    Structures receiving dose from at least two courses (inside both dose grids, maximum above
    ``min_dose_gy``) are evaluated; with ``all_structures`` every matched one. The others are
    listed in the notes. Each structure's EQD2 composite uses its own alpha/beta.
    """
    labels = [link.label for link in links]
    ev = Evaluation(protocol=" + ".join(dict.fromkeys(p.name for p in protocols)), plan_label=" + ".join(labels))
    ss = next((link.structure_set for link in links if link.structure_set is not None), None)
    if ss is None or len(links) < 2:
        ev.notes.append("a composite needs at least two courses and a structure set")
        return ev
    courses = []
    for link, proto in zip(links, protocols):
        n = link.fractions or proto.fractions
        courses.append(Course(link.label, link.dose, n))
    axes = common_axes_mm([c.dose for c in courses])
    physical = None
    eqd2_grids: dict[float, object] = {}
    for cand in _candidates(links, protocols, [r.name for r in ss.rois], manual).values():
        s, proto, match = cand.spec, cand.protocol, cand.match
        per_course = [structure_dvhs(proto, ss, link.dose, match, options=options, names=[s.name])
                      for link in links]
        if s.name not in per_course[0].dvhs and s.name in per_course[0].reasons:
            reason = per_course[0].reasons[s.name]
            ev.notes.append(f"{s.name}: {reason}")
            continue
        receiving = [link.label for link, sd in zip(links, per_course)
                     if s.name in sd.dvhs and sd.dvhs[s.name].covered_volume_cc > 0
                     and sd.dvhs[s.name].max_gy > min_dose_gy]
        if len(receiving) < 2 and not all_structures:
            which = f"from {receiving[0]} only" if receiving else "from no course"
            ev.notes.append(f"{s.name}: receives dose {which}; not evaluated on the composite")
            continue
        physical = physical or physical_sum(courses, axes)
        if s.alpha_beta_gy not in eqd2_grids:
            eqd2_grids[s.alpha_beta_gy] = eqd2_sum(courses, s.alpha_beta_gy, axes)
        sd_eqd2 = structure_dvhs(proto, ss, eqd2_grids[s.alpha_beta_gy], match, options=options, names=[s.name])
        sd_phys = structure_dvhs(proto, ss, physical, match, options=options, names=[s.name])
        if s.name in sd_eqd2.dvhs:
            ev.dvhs[s.name] = sd_eqd2.dvhs[s.name]
        seen = set()
        for item_proto, item_spec, c in cand.items:
            spec = StructureSpec(name=s.name, aliases=s.aliases, alpha_beta_gy=s.alpha_beta_gy)
            res = evaluate_constraint_composite(item_proto, spec, c, sd_eqd2.dvhs.get(s.name),
                                                sd_phys.dvhs.get(s.name),
                                                roi_name=_roi_names(proto, match).get(s.name),
                                                missing_reason=sd_eqd2.reasons.get(s.name, "structure not found"))
            ident = (res.metric, res.comparator, *(None if x is None else round(x, 3) for x in
                                                   (res.limit, res.limit_eqd2_gy, res.threshold_eqd2_gy)))
            if ident in seen:
                continue
            seen.add(ident)
            res.note = "; ".join(x for x in (res.note, f"limit from {item_proto.name}") if x)
            ev.results.append(res)
    return ev
