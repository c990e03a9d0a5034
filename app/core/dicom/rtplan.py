"""Read an RT Plan's review facts: label, prescription, fraction groups, beams, date, references.

``read_plan`` reads the plan file alone (pure: no other object is consulted). It takes the
prescription only from the plan's Dose Reference Sequence; when the plan has none, the
prescription stays unknown here and ``prescription.resolve_prescription`` (called where plans
are linked to their structure set) looks at Pinnacle's rx ROIs and target names. Beam doses are
never a prescription: their sum is kept in ``Plan.beam_dose_sum_gy`` as a hint for the load
report. docs/prescription.md describes the whole order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import DicomReadError
from .plan import SOURCE_DOSE_REFERENCE, FractionGroup, Plan
from .rtplan_beams import beam_dose_sum_gy, number, read_beams, read_fraction_groups, whole
from .source import Source, read_dataset, text

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
# Structure types of a dose reference that describe a volume; preferred over points.
VOLUME_TYPES = ("SITE", "VOLUME")
NO_DOSE_REFERENCE = "no prescription dose in the plan (no TARGET dose reference stating one)"


def read_plan(source: Source, path: str | None = None) -> Plan:
    """Read an RTPLAN (path or Dataset).

    Prescription (Gy), from the Dose Reference Sequence only (source 'dose_reference'): per
    fraction group, the TargetPrescriptionDose of the group's ReferencedDoseReferenceSequence
    item, else of the TARGET dose reference it names (its DeliveryMaximumDose when it states no
    prescription); the plan's is the sum over its groups. Without group references, the plan's
    TARGET dose reference (SITE/VOLUME preferred over points) is the plan's prescription.
    Otherwise unknown (None). Fractions: the sum of the groups' NumberOfFractionsPlanned.
    """
    ds, name = read_dataset(source, path, fast=True)
    sop_class = text(ds, "SOPClassUID")
    if sop_class and sop_class != RT_PLAN_STORAGE:
        raise DicomReadError(name, f"not an RT Plan (SOP Class UID {sop_class})")
    notes: list[str] = []
    groups = read_fraction_groups(ds, notes)
    references = _target_references(ds)
    _group_prescriptions(ds, groups, references, notes)
    plan = Plan(
        sop_instance_uid=text(ds, "SOPInstanceUID"), path=name, label=text(ds, "RTPlanLabel"),
        name=text(ds, "RTPlanName"), intent=text(ds, "PlanIntent"), date=iso_date(text(ds, "RTPlanDate")),
        referenced_structure_set_uid=_structure_set_uid(ds), frame_of_reference_uid=text(ds, "FrameOfReferenceUID"),
        patient_id=text(ds, "PatientID"), notes=notes, study_instance_uid=text(ds, "StudyInstanceUID"),
        fraction_groups=groups, beams=read_beams(ds, groups), beam_dose_sum_gy=beam_dose_sum_gy(groups))
    if not plan.date:
        notes.append("no plan date (RTPlanDate absent or not a date)")
    plan.fractions = total_fractions(groups)
    if all(g.prescription_gy is not None for g in groups) and groups:
        rx = float(sum(g.prescription_gy for g in groups))
        what = "the fraction groups' dose references" if len(groups) > 1 else "the dose reference"
        set_prescription(plan, rx, SOURCE_DOSE_REFERENCE, f"from {what} (TargetPrescriptionDose)")
    else:
        chosen = _plan_reference(references, notes)
        if chosen is not None and not any(g.prescription_gy is not None for g in groups):
            set_prescription(plan, chosen[0], SOURCE_DOSE_REFERENCE, f"from the dose reference {chosen[1]}")
            if len(groups) == 1:
                fill_group(groups[0], chosen[0])
        elif chosen is not None:
            notes.append("the dose references give a prescription for some fraction groups only; "
                         "the plan's total is unknown")
    if plan.prescription_gy is not None and plan.prescription_gy <= 0:
        notes.append(f"prescription {plan.prescription_gy:g} Gy is not positive; ignored")
        set_prescription(plan, None, None, "")
    if plan.prescription_gy is None and not plan.prescription_note:
        plan.prescription_note = NO_DOSE_REFERENCE
    return plan


def iso_date(value: str) -> str:
    """DICOM DA ``YYYYMMDD`` (or already ``YYYY-MM-DD``) -> ``YYYY-MM-DD``; '' when not a date."""
    digits = value.replace("-", "").replace(".", "").strip()
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return ""


def total_fractions(groups: list[FractionGroup]) -> int | None:
    """Sum of the groups' fractions; None when there is no group or one does not state its count."""
    if not groups or any(g.fractions is None for g in groups):
        return None
    return int(sum(g.fractions for g in groups))


def fill_group(group: FractionGroup, prescription_gy: float | None) -> None:
    group.prescription_gy = prescription_gy
    group.dose_per_fraction_gy = prescription_gy / group.fractions if prescription_gy and group.fractions else None


def set_prescription(plan: Plan, prescription_gy: float | None, source: str | None, note: str) -> None:
    """Set the plan's prescription, its source and note, and the dose per fraction (when uniform)."""
    plan.prescription_gy, plan.prescription_source, plan.prescription_note = prescription_gy, source, note
    plan.dose_per_fraction_gy = uniform_dose_per_fraction(plan)


def uniform_dose_per_fraction(plan: Plan) -> float | None:
    """Rx / fractions when every fraction of the plan has the same dose (one group, or groups
    with equal known doses per fraction); None otherwise."""
    if plan.prescription_gy is None or not plan.fractions:
        return None
    if len(plan.fraction_groups) > 1:
        per = {round(g.dose_per_fraction_gy, 6) if g.dose_per_fraction_gy else None for g in plan.fraction_groups}
        if len(per) != 1 or None in per:
            return None
    return plan.prescription_gy / plan.fractions


def _structure_set_uid(ds: Dataset) -> str:
    refs = ds.get("ReferencedStructureSetSequence", None) or []
    return text(refs[0], "ReferencedSOPInstanceUID") if refs else ""


def _target_references(ds: Dataset) -> dict[int | None, tuple[tuple, float, str]]:
    """TARGET dose references: number -> (preference key, dose Gy, description). The dose is
    TargetPrescriptionDose, else DeliveryMaximumDose (said so in the description)."""
    out = {}
    for order, item in enumerate(ds.get("DoseReferenceSequence", None) or []):
        if text(item, "DoseReferenceType").upper() != "TARGET":
            continue  # organ-at-risk references hold limits, not prescriptions
        dose = number(item.get("TargetPrescriptionDose", None))
        what = text(item, "DoseReferenceDescription")
        described = f"'{what}'" if what else f"{whole(item.get('DoseReferenceNumber', None)) or order + 1}"
        if dose is None:
            dose = number(item.get("DeliveryMaximumDose", None))
            if dose is None:
                continue
            described += " (DeliveryMaximumDose; it states no TargetPrescriptionDose)"
        is_volume = text(item, "DoseReferenceStructureType").upper() in VOLUME_TYPES
        key = whole(item.get("DoseReferenceNumber", None))
        out[key if key is not None else -1 - order] = ((not is_volume, order), dose, described)
    return out


def _plan_reference(references: dict, notes: list[str]) -> tuple[float, str] | None:
    if not references:
        return None
    ranked = sorted(references.values(), key=lambda r: r[0])
    chosen = ranked[0]
    others = sorted({round(r[1], 4) for r in ranked[1:] if abs(r[1] - chosen[1]) > 1e-6})
    if others:
        notes.append(f"prescription {chosen[1]:g} Gy taken from dose reference {chosen[2]}; "
                     f"other target doses in the plan: {', '.join(f'{v:g}' for v in others)} Gy")
    return chosen[1], chosen[2]


def _group_prescriptions(ds: Dataset, groups: list[FractionGroup], references: dict, notes: list[str]) -> None:
    """Each group's prescription from its ReferencedDoseReferenceSequence (when it has one)."""
    items = list(ds.get("FractionGroupSequence", None) or [])
    for group, item in zip(groups, items):
        doses = []
        for ref in item.get("ReferencedDoseReferenceSequence", None) or []:
            own = number(ref.get("TargetPrescriptionDose", None))
            target = references.get(whole(ref.get("ReferencedDoseReferenceNumber", None)))
            if own is not None:
                doses.append(((False, 0), own, "the group's own TargetPrescriptionDose"))
            elif target is not None:
                doses.append(target)
        if not doses:
            continue
        doses.sort(key=lambda r: r[0])
        others = sorted({round(d[1], 4) for d in doses[1:] if abs(d[1] - doses[0][1]) > 1e-6})
        if others:
            notes.append(f"fraction group {group.number}: prescription {doses[0][1]:g} Gy from dose reference "
                         f"{doses[0][2]}; other target doses it references: {', '.join(f'{v:g}' for v in others)} Gy")
        fill_group(group, doses[0][1])
