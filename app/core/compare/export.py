"""Export a composite (physical or EQD2) or a dose difference of selected plans as an RT Dose file.

The grid and sums are rtreview.core.compare.dose_sum's (reference frame, registrations applied);
the difference is A - B on A's dose grid (rtreview.core.compare.resample). The file is written by
rtreview.core.dicom.dose_writer (new UIDs, MULTI_PLAN, atomic). The SeriesDescription says what
the dose is; DoseComment names the registration(s) used; ImageComments holds the notes.
"""
from __future__ import annotations

import os

import numpy as np

from rtreview.core.dicom.dose_writer import DoseExport, write_dose

from .dose_sum import CourseDose, summed_dose
from .resample import difference_gy, grid_axes
from .selection import Selection, frame_of


class ExportError(ValueError):
    """The export cannot be made; the message says why."""


def courses_of(selection: Selection) -> list[CourseDose]:
    out = []
    for link, mapping in zip(selection.links, selection.mappings):
        plan = link.plan
        out.append(CourseDose(link.label, link.dose, plan.fractions if plan is not None else None, mapping,
                              plan.sop_instance_uid if plan is not None else ""))
    return out


def describe(kind: str, labels: list[str], alpha_beta_gy: float | None) -> str:
    plans = " + ".join(labels)
    if kind == "eqd2":
        return f"EQD2 composite a/b {alpha_beta_gy:g} Gy: {plans}"
    if kind == "difference":
        return f"Dose difference {labels[0]} - {labels[1]}"
    return f"Physical dose sum: {plans}"


def export_composite(selection: Selection, path: str | os.PathLike[str], *, kind: str = "physical",
                     alpha_beta_gy: float | None = None) -> dict:
    """Write the RT Dose; returns the JSON-ready summary printed by ``rtreview composite``."""
    labels = selection.labels
    ref = selection.reference
    notes: list[str] = []
    try:
        if kind == "difference":
            m = selection.mappings[1]
            values = difference_gy(ref.dose, selection.links[1].dose, None if m.is_identity else m.matrix)
            outside = np.isnan(values)
            if outside.all():
                raise ExportError(f"{labels[1]}'s dose grid does not reach {labels[0]}'s at all: no difference")
            if outside.any():
                notes.append(f"{labels[1]}'s dose grid does not reach {100 * outside.mean():.1f} % of {labels[0]}'s "
                             "grid; the difference is 0 there (not computed)")
            values = np.where(outside, 0.0, values)
            axes = grid_axes(ref.dose)
            dose_type = "ERROR"
            notes.insert(0, f"A - B: {labels[0]} - {labels[1]} (Gy) on {labels[0]}'s dose grid")
        else:
            summed = summed_dose(courses_of(selection), kind, alpha_beta_gy)
            values, axes, notes = summed.dose_gy, summed.axes, summed.notes
            dose_type = "EFFECTIVE" if kind == "eqd2" else "PHYSICAL"
    except ValueError as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(str(exc)) from exc
    used = [m for m in selection.mappings if not m.is_identity]
    comment = "; ".join(f"{m.kind} {', '.join(os.path.basename(f) or 'manual' for f in m.files)}" for m in used)
    patient = selection.patient
    info = DoseExport(patient_id=patient.patient_id, patient_name=patient.name,
                      patient_birth_date=patient.birth_date.replace("-", ""),
                      study_instance_uid=ref.dose.study_instance_uid,
                      frame_of_reference_uid=frame_of(ref), dose_type=dose_type,
                      series_description=describe(kind, labels, alpha_beta_gy),
                      plan_uids=tuple(link.plan.sop_instance_uid for link in selection.links if link.plan is not None),
                      comment=("registration: " + comment) if comment else "same frame of reference",
                      notes=tuple(notes))
    try:
        uid = write_dose(path, values, *axes, info)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    spacing = [float(np.median(np.diff(a))) if a.size > 1 else None for a in axes]
    return {"output": os.fspath(path), "sop_instance_uid": uid, "dose_type": dose_type, "kind": kind,
            "alpha_beta_gy": alpha_beta_gy, "series_description": info.series_description, "plans": labels,
            "reference": labels[0],
            "registrations": {link.label: {"type": m.kind, "files": m.files,
                                           "matrix": np.round(m.matrix, 6).tolist(), "description": m.describe()}
                              for link, m in zip(selection.links, selection.mappings)},
            "grid": {"shape": [int(axes[2].size), int(axes[1].size), int(axes[0].size)],
                     "spacing_mm": [round(s, 4) if s is not None else None for s in spacing],
                     "origin_mm": [round(float(a[0]), 4) for a in axes]},
            "max_gy": round(float(values.max()), 4), "min_gy": round(float(values.min()), 4), "notes": notes}
