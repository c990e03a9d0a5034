"""Where a plan's prescription comes from, when the plan itself does not state it, and the user's.

Order (docs/prescription.md): the plan's Dose Reference Sequence (read by ``rtplan.read_plan``)
-> Pinnacle's rx POINT ROIs in the plan's structure set -> target ROI names carrying a dose
-> the user (plan tree, ``--rx``, the case file). Beam doses are never a prescription: their
sum is only a hint in the load report. When nothing states it, the prescription is unknown
(None) and ``Plan.prescription_note`` says why.

``resolve_prescription`` needs the structure set the plan references, so it runs where plans
are linked (``link.link_patient``); ``read_plan`` stays a pure reader of the plan file.
"""
from __future__ import annotations

from .plan import SOURCE_RX_ROI, SOURCE_TARGET_NAME, SOURCE_USER, FractionGroup, Plan
from .rtplan import NO_DOSE_REFERENCE, fill_group, set_prescription, total_fractions
from .rx_names import dose_in_target_name, is_rx_roi_name, parse_rx_roi
from .structure_set import StructureSet


def resolve_prescription(plan: Plan, structure_set: StructureSet | None) -> None:
    """Fill an unknown prescription from the structure set's rx ROIs, else its target names;
    else leave it unknown with ``prescription_note`` saying what was looked at."""
    if plan.prescription_gy is not None or plan.prescription_source is not None:
        return
    if structure_set is None:
        set_prescription(plan, None, None, f"{plan.prescription_note or NO_DOSE_REFERENCE}; its structure set "
                                           "is not in the load")
        return
    why: list[str] = []
    if _from_rx_rois(plan, structure_set, why) or _from_target_names(plan, structure_set, why):
        return
    set_prescription(plan, None, None, "; ".join([plan.prescription_note or NO_DOSE_REFERENCE] + why))


def beam_dose_hint(plan: Plan) -> str:
    """The load report's line about the beam doses of a plan whose prescription is unknown."""
    if plan.beam_dose_sum_gy is None:
        return ""
    stated = sum(g.beam_doses_stated for g in plan.fraction_groups)
    beams = sum(len(g.beam_numbers) for g in plan.fraction_groups)
    some = f" ({stated} of {beams} beams state one)" if stated != beams else ""
    return (f"beam doses x fractions sum to {plan.beam_dose_sum_gy:.2f} Gy{some}: the dose at each beam's "
            "dose specification point, not a prescription (not used)")


# --- Pinnacle rx ROIs ---------------------------------------------------------------------
def _from_rx_rois(plan: Plan, ss: StructureSet, why: list[str]) -> bool:
    rx_rois, unreadable = [], []
    for roi in ss.rois:
        if is_rx_roi_name(roi.name):
            parsed, reason = parse_rx_roi(roi.name)
            (rx_rois.append(parsed) if parsed is not None else unreadable.append(reason))
    if unreadable:  # one unreadable rx ROI makes the pairing of the others with groups unsure
        why.append("; ".join(unreadable))
        return False
    if not rx_rois:
        why.append("no Pinnacle rx ROI in the structure set")
        return False
    rx_rois.sort(key=lambda r: r.number)
    if len({r.number for r in rx_rois}) != len(rx_rois):
        why.append("several rx ROIs share one number; which fraction group each describes is ambiguous")
        return False
    if not plan.fraction_groups:
        plan.fraction_groups = [FractionGroup(number=r.number, fractions=r.fractions) for r in rx_rois]
        plan.notes.append("fraction groups and fractions from the rx ROIs (the plan states no fraction group)")
    if len(plan.fraction_groups) != len(rx_rois):
        why.append(f"{len(rx_rois)} rx ROIs for {len(plan.fraction_groups)} fraction group(s): which prescription "
                   "belongs to which group is ambiguous")
        return False
    pairs = list(zip(sorted(plan.fraction_groups, key=lambda g: (g.number is None, g.number or 0)), rx_rois))
    for group, rx in pairs:
        if group.fractions is not None and group.fractions != rx.fractions:
            why.append(f"rx ROI {rx.describe()} but fraction group {group.number} plans {group.fractions} "
                       "fractions: they do not belong together")
            return False
    for group, rx in pairs:
        if group.fractions is None:
            group.fractions = rx.fractions
            plan.notes.append(f"fraction group {group.number}: fractions from rx ROI {rx.number} "
                              "(the plan does not state them)")
        fill_group(group, rx.total_gy)
    plan.fractions = total_fractions(plan.fraction_groups)
    total = float(sum(r.total_gy for r in rx_rois))
    set_prescription(plan, total, SOURCE_RX_ROI, "from the Pinnacle rx ROI" + ("s " if len(rx_rois) > 1 else " ")
                     + "; ".join(r.describe() for r in rx_rois))
    return True


# --- target names -------------------------------------------------------------------------
def _from_target_names(plan: Plan, ss: StructureSet, why: list[str]) -> bool:
    found: dict[float, list[str]] = {}
    unclear = []
    for roi in ss.rois:
        if not roi.is_target or is_rx_roi_name(roi.name):
            continue
        said = dose_in_target_name(roi.name)
        if said.ambiguous:
            unclear.append(f"'{roi.name}': {said.ambiguous}")
        elif said.dose_gy is not None:
            found.setdefault(said.dose_gy, []).append(roi.name)
    if unclear:
        why.append("target names are ambiguous (" + "; ".join(unclear) + ")")
        return False
    if not found:
        why.append("no target name carries a dose")
        return False
    if len(found) > 1:
        listed = ", ".join(f"{names[0]!r} {dose:g} Gy" for dose, names in sorted(found.items()))
        why.append(f"target names carry several doses ({listed}): which is the prescription is ambiguous")
        return False
    if len(plan.fraction_groups) > 1:
        why.append(f"target names carry {next(iter(found)):g} Gy but the plan has {len(plan.fraction_groups)} "
                   "fraction groups: which groups it covers is unknown")
        return False
    dose, names = next(iter(found.items()))
    if plan.fraction_groups:
        fill_group(plan.fraction_groups[0], dose)
    set_prescription(plan, dose, SOURCE_TARGET_NAME,
                     f"from the target name{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names)}")
    return True


def reject_above_dose_max(plan: Plan, dose_max_gy: float) -> str:
    """A prescription read from a target name above the plan dose's maximum cannot be the
    prescription of that dose: it is dropped (unknown). Returns the note, '' when kept."""
    if plan.prescription_source != SOURCE_TARGET_NAME or plan.prescription_gy is None:
        return ""
    if plan.prescription_gy <= dose_max_gy:
        return ""
    note = (f"the target name's {plan.prescription_gy:g} Gy is above the plan dose's maximum "
            f"{dose_max_gy:.2f} Gy: not taken as the prescription")
    for group in plan.fraction_groups:
        fill_group(group, None)
    set_prescription(plan, None, None, plan.prescription_note + "; " + note)
    return note


# --- the user -----------------------------------------------------------------------------
def set_user_prescription(plan: Plan, prescription_gy: float | None, fractions: int | None) -> None:
    """The user's prescription (total Gy) and total fractions for ``plan`` (source 'user').

    ``None`` for one of them keeps what the files say for it. A plan of one fraction group (or
    none) gets that group updated; a plan of several keeps its groups (their prescriptions
    unknown unless the files state them), with a note when the fractions differ from their sum.
    ``clear_user_prescription`` restores the files' values.
    """
    if prescription_gy is not None and not prescription_gy > 0:
        raise ValueError(f"prescription must be positive, not {prescription_gy:g} Gy")
    if fractions is not None and fractions <= 0:
        raise ValueError(f"fractions must be a positive whole number, not {fractions}")
    if plan.file_prescription is None:
        plan.file_prescription = _snapshot(plan)
    else:
        _restore(plan, plan.file_prescription)
    rx = prescription_gy if prescription_gy is not None else plan.prescription_gy
    n = fractions if fractions is not None else plan.fractions
    groups = plan.fraction_groups
    if len(groups) <= 1:
        number = groups[0].number if groups else 1
        group = FractionGroup(number=number, fractions=n,
                              beam_numbers=groups[0].beam_numbers if groups else (),
                              beam_dose_gy=groups[0].beam_dose_gy if groups else None,
                              beam_doses_stated=groups[0].beam_doses_stated if groups else 0)
        fill_group(group, rx)
        plan.fraction_groups = [group]
    elif n is not None and n != total_fractions(groups):
        plan.notes.append(f"the user's {n} fractions differ from the sum of the plan's fraction groups "
                          f"({total_fractions(groups)})")
    plan.fractions = n
    set_prescription(plan, rx, SOURCE_USER, "set by the user")
    if len(groups) > 1 and plan.prescription_gy is not None and n:
        plan.dose_per_fraction_gy = None  # several groups: one dose per fraction is not implied


def apply_user_prescriptions(plans, overrides: dict[str, tuple[str, float, int]], note: str) -> list[str]:
    """Set the user's prescription on every plan whose label (case-insensitive) an override
    names: ``overrides = {label casefolded: (label, Gy, fractions)}``. Returns the labels of
    overrides that named no plan."""
    used = set()
    for plan in plans:
        entry = overrides.get(plan.label.casefold()) if plan.label else None
        if entry is not None:
            set_user_prescription(plan, entry[1], entry[2])
            plan.prescription_note = note
            used.add(plan.label.casefold())
    return [label for key, (label, _, _) in overrides.items() if key not in used]


def clear_user_prescription(plan: Plan) -> None:
    """Back to what the files say (no-op when the user set nothing)."""
    if plan.file_prescription is not None:
        _restore(plan, plan.file_prescription)
        plan.file_prescription = None


_FIELDS = ("prescription_gy", "prescription_source", "prescription_note", "fractions", "dose_per_fraction_gy")


def _snapshot(plan: Plan) -> dict:
    state = {name: getattr(plan, name) for name in _FIELDS}
    state["fraction_groups"] = [FractionGroup(**vars(g)) for g in plan.fraction_groups]
    state["notes"] = list(plan.notes)
    return state


def _restore(plan: Plan, state: dict) -> None:
    for name in _FIELDS:
        setattr(plan, name, state[name])
    plan.fraction_groups = [FractionGroup(**vars(g)) for g in state["fraction_groups"]]
    plan.notes = list(state["notes"])
