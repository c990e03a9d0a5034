"""Check the sum of several courses against the absolute limits of their protocols.

Per structure, every course's dose is looked up at the DVH engine's sample points of that
structure (``accumulate``), converted to EQD2 with the course's fractions and the structure's
α/β (``alpha_beta``: user → protocol → table → 10/3), and summed point by point; the physical
sum is kept beside it. Structures receiving dose from at least two courses are evaluated
(``all_structures``: every matched one). When two protocols limit the same structure and metric
at the same level, one row is shown: the stricter limit (after conversion to EQD2), naming the
protocol(s) it comes from.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rtreview.core.dvh import DvhError, DvhOptions
from rtreview.core.dvh.sample_points import roi_points

from .accumulate import Course, accumulate, composite_dvhs, course_samples
from .alpha_beta import protocol_alpha_betas
from .derived import derived_points
from .evaluation import evaluate_constraint_composite
from .matching import StructureMatch, match_structures, normalize_name, roi_labels
from .model import Protocol, StructureSpec
from .results import Evaluation

# A structure "receives dose" from a course when some of its sample points lie in that course's
# dose grid with a dose above this (Gy).
RECEIVES_DOSE_GY = 0.0


def _absolute(s: StructureSpec):
    """Constraints that mean something on a composite (not relative to one course's prescription)."""
    return [c for c in s.constraints if c.unit != "%Rx" and c.metric.kind != "V%Rx"]


@dataclass
class _Candidate:
    """A structure of one or more protocols, with the constraints each protocol puts on it."""

    protocol: Protocol  # the first protocol naming it: its mapping (and α/β when it states one) are used
    spec: StructureSpec
    match: StructureMatch
    items: list = field(default_factory=list)  # (protocol, spec, constraint)


def _candidates(protocols, roi_names, manual) -> dict[str, _Candidate]:
    out: dict[str, _Candidate] = {}
    for proto in dict.fromkeys(protocols):
        match = match_structures(proto, roi_names, manual)
        for s in proto.structures:
            for c in _absolute(s):
                cand = out.setdefault(normalize_name(s.name), _Candidate(proto, s, match))
                cand.items.append((proto, s, c))
    return out


def structure_sampler(spec: StructureSpec, match: StructureMatch, structure_set, options):
    """``(sample, like)``: ``sample(geometry)`` gives the engine's samples of a protocol structure
    in a geometry (a DoseGrid: exactly those of its DVH there); ``like`` carries its name, colour
    and type. DvhError when the structure cannot be built."""
    rois = [structure_set.roi(r) for r in match.rois_for(spec.name)]
    if len(rois) == 1:
        return (lambda g: roi_points(rois[0], g, options)), rois[0]
    if len(rois) > 1:
        return (lambda g: derived_points("union", rois, g, name=spec.name, options=options)), rois[0]
    if spec.derived is None:
        raise DvhError("structure not found (no ROI matches its names)")
    missing = [o for o in spec.derived.operands if match.roi_for(o) is None]
    if missing:
        raise DvhError(f"derived from {', '.join(missing)}, not found in the structure set")
    operands = [structure_set.roi(r) for o in spec.derived.operands for r in match.rois_for(o)]
    op = spec.derived.operation
    return (lambda g: derived_points(op, operands, g, name=spec.name, options=options)), operands[0]


def _frames_differ(courses: list[Course]) -> bool:
    frames = {c.dose.frame_of_reference_uid for c in courses
              if c.transform is None and getattr(c.dose, "frame_of_reference_uid", "")}
    return len(frames) > 1


def _strictness(res) -> tuple:
    """Sort key: smaller is stricter (a lower upper limit, a higher lower limit; for volume metrics
    first the dose level: an upper volume limit counting from a lower dose is stricter)."""
    sign = 1.0 if res.comparator == "<=" else -1.0
    limit = float("inf") if res.limit is None else sign * res.limit
    if res.threshold_eqd2_gy is not None:
        return (sign * res.threshold_eqd2_gy, limit)
    return (limit,)


def _merge(results: list) -> list:
    """One row per (metric, comparator, level) of a structure: the strictest limit, naming every
    protocol giving that same limit (and the others, whose limits it covers)."""
    groups: dict[tuple, list] = {}
    for res, proto_name in results:
        groups.setdefault((res.metric, res.comparator, res.level), []).append((res, proto_name))
    out = []
    for rows in groups.values():
        best = min(rows, key=lambda r: _strictness(r[0]))
        res = best[0]
        same = [name for r, name in rows if _strictness(r) == _strictness(res)]
        looser = [name for r, name in rows if _strictness(r) != _strictness(res)]
        notes = [res.note, "limit from " + " and ".join(dict.fromkeys(same))]
        if looser:
            notes.append("stricter than the limit of " + " and ".join(dict.fromkeys(looser)))
        res.note = "; ".join(x for x in notes if x)
        out.append(res)
    return out


def check_composite(links: list, protocols: list[Protocol], *, manual: dict[str, str] | None = None,
                    options: DvhOptions | None = None, all_structures: bool = False,
                    min_dose_gy: float = RECEIVES_DOSE_GY, alpha_beta: dict[str, float] | None = None,
                    transforms: list | None = None) -> Evaluation:
    """Evaluate the absolute-dose limits of ``protocols`` (one per link) on the composite of ``links``.

    ``alpha_beta``: the user's α/β per ROI name. ``transforms``: per link a 4×4 matrix from the
    structure set's frame to that dose's frame (None: same frame); courses on different frames
    without a transform are refused ("a composite needs a registration")."""
    options = options or DvhOptions()
    labels = [link.label for link in links]
    ev = Evaluation(protocol=" + ".join(dict.fromkeys(p.name for p in protocols)), plan_label=" + ".join(labels))
    ss = next((link.structure_set for link in links if link.structure_set is not None), None)
    if ss is None or len(links) < 2:
        ev.notes.append("a composite needs at least two courses and a structure set")
        return ev
    transforms = list(transforms or [None] * len(links))
    courses = []
    for link, proto, m in zip(links, protocols, transforms):
        n = link.fractions or proto.fractions  # the fractions the dose is delivered in (all groups)
        if not link.fractions:
            ev.notes.append(f"{link.label}: the plan's number of fractions is unknown; its EQD2 uses the "
                            f"protocol's {n} (set the plan's fractions to remove this assumption)")
        courses.append(Course(link.label, link.dose, n, m))
    relative = [c.label for c in courses if (getattr(c.dose, "units", "GY") or "GY").upper() != "GY"]
    if relative:
        ev.notes.append(f"{', '.join(relative)}: the dose is not in Gy (DoseUnits RELATIVE): no composite")
        return ev
    if _frames_differ(courses):
        ev.notes.append(f"the courses lie on different frames of reference ({', '.join(labels)}); "
                        "a composite needs a registration")
        return ev
    roi_names = [r.name for r in ss.rois]
    for cand in _candidates(protocols, roi_names, manual).values():
        s, proto, match = cand.spec, cand.protocol, cand.match
        ab = protocol_alpha_betas(proto, match, alpha_beta)[s.name]
        try:
            sample, like = structure_sampler(s, match, ss, options)
            sets = [course_samples(c, sample) for c in courses]
        except DvhError as exc:
            ev.notes.append(f"{s.name}: {exc}")
            continue
        acc = accumulate(sets, courses, ab.value_gy)
        receiving = [c.label for c, dose, inside in zip(courses, acc.per_course_eqd2_gy, acc.per_course_inside)
                     if np.any(inside & (dose > min_dose_gy))]
        if len(receiving) < 2 and not all_structures:
            which = f"from {receiving[0]} only" if receiving else "from no course"
            ev.notes.append(f"{s.name}: receives dose {which}; not evaluated on the composite")
            continue
        # named as a course's own DVH of it would be: the ROI, or the protocol's name for a made structure
        shown = like.name if len(match.rois_for(s.name)) == 1 else s.name
        eqd2_dvh, physical_dvh, alone = composite_dvhs(acc, shown, like, options, labels, ab.value_gy)
        ev.dvhs[s.name] = eqd2_dvh
        ev.course_dvhs[s.name] = dict(zip(labels, alone))
        roi_label = roi_labels(proto, match).get(s.name)
        rows = [(evaluate_constraint_composite(item_proto, s, c, eqd2_dvh, physical_dvh, roi_name=roi_label,
                                               alpha_beta=ab), item_proto.name)
                for item_proto, _spec, c in cand.items]
        ev.results += _merge(rows)
    return ev
