"""Link a patient's RT objects: RT Dose -> RT Plan -> RT Structure Set -> CT series.

References are followed by SOP Instance UID (ReferencedRTPlanSequence,
ReferencedStructureSetSequence) and series UID (the structure set's RTReferencedSeries), with
the frame of reference UID as the fallback for CT. Dose grids are never merged by UID (two
files may share one), except per-beam doses of one plan on one grid, which are summed. When a patient has exactly one structure set, doses that reach none
are paired with it (the Nelms benchmark has no RT Plan), with a note saying so; likewise a dose
that names no RT Plan is paired with the patient's only plan on its frame of reference. With
several structure sets, a dose whose plan names none of them is paired with the only one on the
dose's frame of reference (never when two or more share it).

Prescriptions the plans do not state are resolved here (``prescription.resolve_prescription``),
where each plan meets the structure set it references (Pinnacle rx ROIs, target names).
"""
from __future__ import annotations

from .beam_sum import sum_beam_doses
from .case import DoseLink, Patient
from .ct_volume import CtVolume
from .dose_grid import DoseGrid
from .load_report import LoadReport
from .plan import Plan
from .prescription import beam_dose_hint, reject_above_dose_max, resolve_prescription
from .structure_set import StructureSet

EQD2_GROUPS_NOTE = ("this dose sums {n} fraction groups ({counts} fx): EQD2 is computed with the total {total} "
                    "fractions, i.e. as if every fraction gave each voxel the same dose; where the groups' doses "
                    "per fraction differ this underestimates EQD2 (per-group EQD2 needs per-group doses)")


def link_patient(patient: Patient, report: LoadReport) -> None:
    """Fill ``patient.links``: one DoseLink per dose grid, in the order of ``patient.doses``
    (after per-beam doses of one plan on one grid are summed into one, see beam_sum)."""
    patient.doses = sum_beam_doses(patient.doses, report)
    plans = _by_uid(patient.plans)
    structure_sets = _by_uid(patient.structure_sets)
    patient.links = []
    for dose in patient.doses:
        link = DoseLink(dose=dose)
        link.plan = _plan_for(dose, plans, link, patient.plans)
        link.structure_set = _structure_set_for(dose, link.plan, structure_sets, patient, link)
        link.ct = _ct_for(dose, link.structure_set, patient.cts, link)
        _check_frames(link, report)
        patient.links.append(link)
    for plan in patient.plans:
        resolve_prescription(plan, _plan_structure_set(plan, structure_sets, patient))
    for link in patient.links:
        _check_prescription(link, report)
    for plan in patient.plans:
        if plan.prescription_gy is None:
            hint = beam_dose_hint(plan)
            report.add(plan.path, f"plan {plan.label or '(no label)'}: prescription unknown ({plan.prescription_note})"
                       + (f"; {hint}" if hint else "") + "; everything relative to it needs one: set it in the "
                       "plan tree or with --rx LABEL=GY/FRACTIONS", "warning")
    for ss in patient.structure_sets:
        ct = ct_for_structure_set(ss, patient.cts)
        if ct is not None:
            ss.attach_slices(ct.z_mm)  # the slab of each contour plane is its CT slice's
    patient.undosed_links = undosed_links(patient)


def _plan_structure_set(plan: Plan, structure_sets: dict[str, list[StructureSet]],
                        patient: Patient) -> StructureSet | None:
    """The structure set a plan references; else the patient's only one when it shares the
    plan's frame of reference (then the plan says which structure set it uses in a note)."""
    found = structure_sets.get(plan.referenced_structure_set_uid, []) if plan.referenced_structure_set_uid else []
    if found:
        return found[0]
    if len(patient.structure_sets) == 1:
        only = patient.structure_sets[0]
        if plan.frame_of_reference_uid and only.frame_of_reference_uid == plan.frame_of_reference_uid:
            return only
    return None


def _check_prescription(link: DoseLink, report: LoadReport) -> None:
    """Prescription against the dose it is reviewed with; the EQD2 approximation of a dose
    summing several fraction groups."""
    plan, dose = link.plan, link.dose
    if plan is None or dose.units != "GY":
        return
    whole_plan = link.fraction_group is None and dose.summation_type == "PLAN"
    if whole_plan:
        dropped = reject_above_dose_max(plan, dose.max_gy)
        if dropped:
            link.notes.append(dropped)
    if link.fraction_group is None and len(plan.fraction_groups) > 1 and plan.fractions:
        link.notes.append(EQD2_GROUPS_NOTE.format(
            n=len(plan.fraction_groups), counts=" + ".join(str(g.fractions) for g in plan.fraction_groups),
            total=plan.fractions))


def undosed_links(patient: Patient) -> list[DoseLink]:
    """What the patient holds that no dose link shows, as links without a dose: each plan without
    a dose (with its structure set and CT), each structure set neither a dose nor such a plan
    uses (with its CT), each CT series nothing uses. Contour review before planning, a plan whose
    dose is not exported yet."""
    used_plans = {id(link.plan) for link in patient.links if link.plan is not None}
    used_sets = {id(link.structure_set) for link in patient.links if link.structure_set is not None}
    used_cts = {id(link.ct) for link in patient.links if link.ct is not None}
    sets = _by_uid(patient.structure_sets)
    out: list[DoseLink] = []
    for plan in patient.plans:
        if id(plan) in used_plans:
            continue
        link = DoseLink(dose=None, plan=plan)
        found = sets.get(plan.referenced_structure_set_uid, []) if plan.referenced_structure_set_uid else []
        if found:
            link.structure_set = found[0]
        elif len(patient.structure_sets) == 1:
            link.structure_set = patient.structure_sets[0]
            link.notes.append(f"paired with the only structure set in the load ({link.structure_set.path})")
        link.notes.append("no RT Dose of this plan in the load: contours and plan only, no DVHs")
        out.append(link)
    used_sets |= {id(link.structure_set) for link in out if link.structure_set is not None}
    for ss in patient.structure_sets:
        if id(ss) not in used_sets:
            out.append(DoseLink(dose=None, structure_set=ss,
                                notes=["no RT Dose or RT Plan uses this structure set: contour review, no DVHs"]))
    for link in out:
        if link.structure_set is not None:
            link.ct = ct_for_structure_set(link.structure_set, patient.cts)
        if link.ct is None and link.plan is not None and link.plan.frame_of_reference_uid:
            same = [ct for ct in patient.cts if ct.frame_of_reference_uid == link.plan.frame_of_reference_uid]
            link.ct = same[0] if len(same) == 1 else None
    used_cts |= {id(link.ct) for link in out if link.ct is not None}
    for ct in patient.cts:
        if id(ct) not in used_cts:
            out.append(DoseLink(dose=None, ct=ct, notes=["CT only: no structure set, plan or dose uses it"]))
    return out


def ct_for_structure_set(structure_set: StructureSet, cts: list[CtVolume]) -> CtVolume | None:
    """The CT series the structure set was drawn on: its referenced series, else the only CT
    series of its frame of reference (None when neither is loaded or the frame is ambiguous)."""
    if structure_set.referenced_series_uid:
        for ct in cts:
            if ct.series_instance_uid == structure_set.referenced_series_uid:
                return ct
    frame = structure_set.frame_of_reference_uid
    same_frame = [ct for ct in cts if frame and ct.frame_of_reference_uid == frame]
    return same_frame[0] if len(same_frame) == 1 else None


def _by_uid(objects) -> dict[str, list]:
    out: dict[str, list] = {}
    for obj in objects:
        out.setdefault(obj.sop_instance_uid, []).append(obj)
    return out


def _plan_for(dose: DoseGrid, plans: dict[str, list[Plan]], link: DoseLink, all_plans: list[Plan]) -> Plan | None:
    if not dose.referenced_plan_uid:
        same_frame = [p for p in all_plans if dose.frame_of_reference_uid
                      and p.frame_of_reference_uid == dose.frame_of_reference_uid]
        if len(all_plans) == 1 and same_frame:
            link.notes.append(f"the dose names no RT Plan (no ReferencedRTPlanSequence); paired with the only plan "
                              f"in the load ({all_plans[0].label or all_plans[0].path}), on the same frame of "
                              "reference")
            return all_plans[0]
        link.notes.append("the dose names no RT Plan (no ReferencedRTPlanSequence)")
        return None
    found = plans.get(dose.referenced_plan_uid, [])
    if not found:
        link.notes.append(f"the referenced RT Plan {dose.referenced_plan_uid} is not in the load")
        return None
    if len(found) > 1:
        link.notes.append(f"{len(found)} plan files share the referenced UID; {found[0].path} used")
    return found[0]


def _structure_set_for(dose: DoseGrid, plan: Plan | None, structure_sets: dict[str, list[StructureSet]],
                       patient: Patient, link: DoseLink) -> StructureSet | None:
    if plan is not None and plan.referenced_structure_set_uid:
        found = structure_sets.get(plan.referenced_structure_set_uid, [])
        if found:
            if len(found) > 1:
                link.notes.append(f"{len(found)} structure set files share the plan's referenced UID; "
                                  f"{found[0].path} used")
            return found[0]
        link.notes.append(f"the plan's structure set {plan.referenced_structure_set_uid} is not in the load")
    if len(patient.structure_sets) == 1:
        only = patient.structure_sets[0]
        why = "the dose has no RT Plan in the load" if plan is None else "the plan's structure set is not in the load"
        link.notes.append(f"paired with the only structure set in the load ({only.path}): {why}")
        return only
    same_frame = [s for s in patient.structure_sets
                  if dose.frame_of_reference_uid and s.frame_of_reference_uid == dose.frame_of_reference_uid]
    if len(same_frame) == 1:  # the dose's coordinates are that structure set's (PS3.3 C.7.4.1 frame of reference)
        why = "the dose has no RT Plan in the load" if plan is None else "the plan's structure set is not in the load"
        link.notes.append(f"paired with the only one of {len(patient.structure_sets)} structure sets on the dose's "
                          f"frame of reference ({same_frame[0].path}): {why}")
        return same_frame[0]
    if len(patient.structure_sets) > 1:
        link.notes.append(f"{len(patient.structure_sets)} structure sets in the load and no reference "
                          f"to one of them ({len(same_frame)} share the dose's frame of reference); none linked")
    return None


def _ct_for(dose: DoseGrid, structure_set: StructureSet | None, cts: list[CtVolume],
            link: DoseLink) -> CtVolume | None:
    if structure_set is not None and structure_set.referenced_series_uid:
        for ct in cts:
            if ct.series_instance_uid == structure_set.referenced_series_uid:
                return ct
    frame = structure_set.frame_of_reference_uid if structure_set is not None else dose.frame_of_reference_uid
    same_frame = [ct for ct in cts if frame and ct.frame_of_reference_uid == frame]
    if same_frame:
        if structure_set is not None and structure_set.referenced_series_uid:
            link.notes.append("the structure set's CT series is not in the load; "
                              f"CT {same_frame[0].series_instance_uid} matched by frame of reference")
        elif len(same_frame) > 1:
            link.notes.append(f"{len(same_frame)} CT series share the frame of reference; the first is used")
        return same_frame[0]
    if cts:
        link.notes.append("no CT series in the load matches the structure set or dose")
    elif structure_set is not None and structure_set.referenced_series_uid:
        link.notes.append(f"the structure set's CT series {structure_set.referenced_series_uid} is not in the "
                          "load; DVHs do not need it, images are shown without CT")
    return None


def _check_frames(link: DoseLink, report: LoadReport) -> None:
    """Structure set and dose (and CT) must share a frame of reference to be overlaid."""
    dose_frame = link.dose.frame_of_reference_uid
    ss = link.structure_set
    if ss is not None and dose_frame and ss.frame_of_reference_uid and ss.frame_of_reference_uid != dose_frame:
        message = (f"frame of reference mismatch: dose {dose_frame} vs structure set "
                   f"{ss.frame_of_reference_uid} ({ss.path}); contours may not line up with the dose")
        link.notes.append(message)
        report.add(link.dose.path, message, "warning")
    ct = link.ct
    if ct is not None and dose_frame and ct.frame_of_reference_uid and ct.frame_of_reference_uid != dose_frame:
        message = f"frame of reference mismatch: dose {dose_frame} vs CT {ct.frame_of_reference_uid}"
        link.notes.append(message)
        report.add(link.dose.path, message, "warning")
