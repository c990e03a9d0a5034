"""Text shown for case objects and cursor readouts, and merging of loaded cases (no Qt)."""
from __future__ import annotations

import os

from rtreview.core.dicom.case import Case, DoseLink, Patient
from rtreview.core.dicom.dose_units import describe_max
from rtreview.core.dicom.plan import SOURCE_LABELS


def gy(value: float | None) -> str:
    """'50 Gy', '1.8 Gy', '–' for None."""
    return "–" if value is None else f"{value:.4g} Gy"


def plan_caption(link: DoseLink) -> str:
    """'LIVER — 50 Gy / 25 fx' (what is known of it); '… (no dose)' for a review without a dose."""
    plan = link.plan
    no_dose = " (no dose)" if link.dose is None else ""
    if plan is None:
        return f"{link.label} (no plan{', no dose' if no_dose else ''})"
    parts = [gy(plan.prescription_gy) if plan.prescription_gy else "Rx unknown"]
    if plan.fractions:
        parts.append(f"{plan.fractions} fx")
    return f"{link.label} — {' / '.join(parts)}{no_dose}"


def no_dose_text(link: DoseLink) -> str:
    """What the DVH panel and the status bar say when ``link`` has no dose."""
    if link.plan is not None:
        return "No dose yet: this plan's RT Dose is not in the load (contours and plan only, no DVHs)"
    if link.structure_set is not None:
        return "No dose yet: no RT Plan or RT Dose uses this structure set (contour review, no DVHs)"
    return "CT only: no structure set, plan or dose"


def beams_caption(plan) -> str | None:
    """'2 beams: Arc 1, Arc 2' when the plan model lists its beams (None otherwise)."""
    beams = getattr(plan, "beams", None) if plan is not None else None
    if not beams:
        return None
    names = [str(getattr(b, "name", "") or getattr(b, "label", "") or getattr(b, "number", "")) for b in beams]
    shown = ", ".join(n for n in names[:6] if n) + (" …" if len(names) > 6 else "")
    return f"{len(beams)} beam{'s' if len(beams) != 1 else ''}" + (f": {shown}" if shown else "")


def patient_caption(patient: Patient) -> str:
    name = patient.name.replace("^", " ").strip()
    return f"{name} ({patient.patient_id})" if name else (patient.patient_id or "Unknown patient")


def dose_caption(link: DoseLink) -> str:
    """'Dose RD.dcm — max 52.96 Gy (plan)'; a relative dose in % (never labelled Gy)."""
    d = link.dose
    if d is None:
        return "No dose in the load"
    return f"Dose {os.path.basename(d.path)} — {describe_max(d)} ({d.summation_type.lower()})"


def structure_set_caption(link: DoseLink) -> str:
    ss = link.structure_set
    if ss is None:
        return "No structure set linked"
    return f"Structures {ss.label or os.path.basename(ss.path)} — {len(ss.rois)} ROIs"


def prescription_gy(link: DoseLink | None) -> float | None:
    """The prescription (Gy) the link's dose is reviewed against (its plan's, or its fraction
    group's), or None when unknown."""
    if link is None or not link.prescription_gy:
        return None
    return float(link.prescription_gy)


def prescription_caption(plan) -> str:
    """'Rx 55 Gy / 22 fx (rx ROI)', or what is missing and how to set it (the tooltip says more)."""
    fx = f"{plan.fractions} fx" if plan.fractions else "fractions unknown"
    if plan.prescription_gy is None:
        return f"Rx unknown / {fx} — double-click to set"
    source = SOURCE_LABELS.get(plan.prescription_source, "")
    return f"Rx {gy(plan.prescription_gy)} / {fx}" + (f" ({source})" if source else "")


def prescription_tooltip(plan) -> str:
    """The prescription's provenance, the fraction groups and how to change it."""
    lines = [f"Prescription: {plan.prescription_note or 'unknown'}"]
    if len(plan.fraction_groups) > 1:
        for g in plan.fraction_groups:
            rx = gy(g.prescription_gy) if g.prescription_gy else "Rx unknown"
            lines.append(f"  fraction group {g.number}: {g.fractions or '?'} fx, {rx}")
    if plan.beam_dose_sum_gy is not None and plan.prescription_gy is None:
        lines.append(f"Beam doses x fractions: {plan.beam_dose_sum_gy:.2f} Gy (the dose at the beams' "
                     "specification points, not a prescription)")
    lines.append("Double-click (or right-click) to set the prescription and fractions; saved in the case file.")
    return "\n".join(lines)


def readout(x_mm: float, y_mm: float, z_mm: float, hu: float | None, dose_gy: float | None,
            rx_gy: float | None, relative: bool = False) -> str:
    """'x 12.0  y -40.5  z 101.2 mm │ 42 HU │ 48.31 Gy (96.6 % Rx)'; ``relative``: the dose grid is
    DoseUnits RELATIVE, shown in % (1.0 = 100 %), never in Gy."""
    text = f"x {x_mm:.1f}  y {y_mm:.1f}  z {z_mm:.1f} mm"
    text += "  │  " + ("– HU" if hu is None else f"{hu:.0f} HU")
    if dose_gy is None:
        text += "  │  no dose"
    elif relative:
        text += f"  │  {100.0 * dose_gy:.1f} % (relative dose)"
    else:
        text += f"  │  {dose_gy:.2f} Gy"
        if rx_gy:
            text += f" ({100 * dose_gy / rx_gy:.1f} % Rx)"
    return text


def patient_ids(case: Case) -> set[str]:
    return {p.patient_id for p in case.patients}


def patients_differ(current: Case | None, new: Case) -> bool:
    """True when both cases hold patients and they are not the same set of patient IDs."""
    if current is None or not current.patients or not new.patients:
        return False
    return patient_ids(current) != patient_ids(new)


def merge_cases(current: Case, new: Case) -> Case:
    """A case holding both: patients with the same ID merge (objects already present, by SOP
    Instance UID, are not duplicated); load reports concatenate."""
    merged = Case(patients=[], report=type(current.report)(issues=list(current.report.issues) + list(new.report.issues)))
    by_id: dict[str, Patient] = {}
    for patient in list(current.patients) + list(new.patients):
        if patient.patient_id not in by_id:
            by_id[patient.patient_id] = Patient(patient.patient_id, patient.name, patient.birth_date)
            merged.patients.append(by_id[patient.patient_id])
        target = by_id[patient.patient_id]
        for attr in ("plans", "doses", "structure_sets", "cts"):
            have = {getattr(o, "sop_instance_uid", None) or getattr(o, "series_instance_uid", id(o))
                    for o in getattr(target, attr)}
            for obj in getattr(patient, attr):
                key = getattr(obj, "sop_instance_uid", None) or getattr(obj, "series_instance_uid", id(obj))
                if key not in have:
                    getattr(target, attr).append(obj)
                    have.add(key)
        have_links = {link.dose.sop_instance_uid for link in target.links}
        for link in patient.links:
            if link.dose.sop_instance_uid not in have_links:
                target.links.append(link)
                have_links.add(link.dose.sop_instance_uid)
    from rtreview.core.dicom.link import undosed_links
    for patient in merged.patients:
        patient.undosed_links = undosed_links(patient)
    return merged
