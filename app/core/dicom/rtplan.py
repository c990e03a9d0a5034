"""Read an RT Plan's review facts: label, prescription, fractionation, date, references."""
from __future__ import annotations

import math

from pydicom.dataset import Dataset

from .errors import DicomReadError
from .plan import Plan
from .source import Source, read_dataset, text

RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
# Structure types of a dose reference that describe a volume; preferred over points.
VOLUME_TYPES = ("SITE", "VOLUME")
# More fractions than this is noted as implausible (kept: the numbers are still computable).
MAX_PLAUSIBLE_FRACTIONS = 100


def read_plan(source: Source, path: str | None = None) -> Plan:
    """Read an RTPLAN (path or Dataset).

    Prescription (Gy): TargetPrescriptionDose of the DoseReferenceSequence, preferring
    DoseReferenceType TARGET and SITE/VOLUME structure types over points; else the
    fraction group's ReferencedDoseReferenceSequence TargetPrescriptionDose summed; else the
    sum of BeamDose x fractions; else None with a note. Fractions: NumberOfFractionsPlanned
    of the first fraction group. Dose per fraction = prescription / fractions.
    """
    ds, name = read_dataset(source, path)
    sop_class = text(ds, "SOPClassUID")
    if sop_class and sop_class != RT_PLAN_STORAGE:
        raise DicomReadError(name, f"not an RT Plan (SOP Class UID {sop_class})")
    notes: list[str] = []
    groups = list(ds.get("FractionGroupSequence", None) or [])
    if len(groups) > 1:
        notes.append(f"{len(groups)} fraction groups; the first is used for fractions")
    group = groups[0] if groups else None
    fractions = _int(group.get("NumberOfFractionsPlanned", None)) if group is not None else None
    if fractions is not None and fractions <= 0:
        notes.append(f"NumberOfFractionsPlanned {fractions} is not positive; ignored")
        fractions = None
    if fractions is not None and fractions > MAX_PLAUSIBLE_FRACTIONS:
        notes.append(f"NumberOfFractionsPlanned {fractions} is implausible; check the plan")
    if fractions is None:
        notes.append("number of fractions not stated (NumberOfFractionsPlanned absent)")

    rx = _prescription_from_dose_references(ds, notes)
    if rx is None and group is not None:
        rx = _prescription_from_fraction_group(group, fractions, notes)
    if rx is None:
        notes.append("no prescription dose in the plan (no TargetPrescriptionDose or beam doses)")

    per_fraction = rx / fractions if rx is not None and fractions else None
    refs = ds.get("ReferencedStructureSetSequence", None) or []
    return Plan(
        sop_instance_uid=text(ds, "SOPInstanceUID"),
        path=name,
        label=text(ds, "RTPlanLabel"),
        name=text(ds, "RTPlanName"),
        intent=text(ds, "PlanIntent"),
        prescription_gy=rx,
        fractions=fractions,
        dose_per_fraction_gy=per_fraction,
        date=iso_date(text(ds, "RTPlanDate")),
        referenced_structure_set_uid=text(refs[0], "ReferencedSOPInstanceUID") if refs else "",
        frame_of_reference_uid=text(ds, "FrameOfReferenceUID"),
        patient_id=text(ds, "PatientID"),
        notes=notes,
        study_instance_uid=text(ds, "StudyInstanceUID"),
    )


def iso_date(value: str) -> str:
    """DICOM DA ``YYYYMMDD`` (or already ``YYYY-MM-DD``) -> ``YYYY-MM-DD``; '' when not a date."""
    digits = value.replace("-", "").replace(".", "").strip()
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return ""


def _prescription_from_dose_references(ds: Dataset, notes: list[str]) -> float | None:
    candidates = []
    for order, item in enumerate(ds.get("DoseReferenceSequence", None) or []):
        dose = _float(item.get("TargetPrescriptionDose", None))
        if dose is None:
            continue
        is_target = text(item, "DoseReferenceType").upper() == "TARGET"
        is_volume = text(item, "DoseReferenceStructureType").upper() in VOLUME_TYPES
        candidates.append(((not is_target, not is_volume, order), dose, text(item, "DoseReferenceDescription")))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0])
    chosen = candidates[0]
    others = sorted({round(c[1], 4) for c in candidates[1:] if abs(c[1] - chosen[1]) > 1e-6})
    if others:
        what = f" ({chosen[2]})" if chosen[2] else ""
        notes.append(f"prescription {chosen[1]:g} Gy taken from dose reference{what}; "
                     f"other target doses in the plan: {', '.join(f'{v:g}' for v in others)} Gy")
    return chosen[1]


def _prescription_from_fraction_group(group: Dataset, fractions: int | None, notes: list[str]) -> float | None:
    referenced = [_float(i.get("TargetPrescriptionDose", None))
                  for i in group.get("ReferencedDoseReferenceSequence", None) or []]
    referenced = [v for v in referenced if v is not None]
    if referenced:
        notes.append("prescription from the fraction group's ReferencedDoseReferenceSequence")
        return float(sum(referenced))
    beam_doses = [_float(b.get("BeamDose", None)) for b in group.get("ReferencedBeamSequence", None) or []]
    beam_doses = [v for v in beam_doses if v is not None]
    if beam_doses and fractions:
        notes.append("prescription estimated as the sum of beam doses x fractions")
        return float(sum(beam_doses)) * fractions
    return None


def _float(value) -> float | None:
    """A finite float, or None (absent, not numeric, NaN or infinite)."""
    try:
        number = None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _int(value) -> int | None:
    f = _float(value)
    return None if f is None else int(round(f))
