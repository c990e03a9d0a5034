"""Read an RT Dose file into a DoseGrid (Gy, axis-aligned, strictly increasing axes)."""
from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from .dose_grid import DoseGrid
from .dvh_sequence import read_dvh_sequence
from .errors import DicomReadError
from .orientation import axial_signs
from .source import Source, floats, read_dataset, require, text

RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
# GridFrameOffsetVector's first element within this of 0 / of IPP z (mm) decides relative / absolute.
OFFSET_TOLERANCE_MM = 1e-3


def read_dose(source: Source, path: str | None = None) -> DoseGrid:
    """Read an RT Dose (path or Dataset) into a DoseGrid; DicomReadError when it cannot be used.

    Dose in Gy (DoseGridScaling applied; DoseUnits RELATIVE kept as the scaled relative value,
    recorded in ``units``). Arrays are flipped so x_mm, y_mm, z_mm increase. Only axial
    orientations (row/column cosines ±x/±y) are accepted.
    """
    ds, name = read_dataset(source, path)
    sop_class = text(ds, "SOPClassUID")
    if sop_class and sop_class != RT_DOSE_STORAGE:
        raise DicomReadError(name, f"not an RT Dose (SOP Class UID {sop_class})")
    rows = int(require(ds, "Rows", name, "RT Dose"))
    cols = int(require(ds, "Columns", name, "RT Dose"))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    spacing = floats(require(ds, "PixelSpacing", name, "RT Dose"))
    position = floats(require(ds, "ImagePositionPatient", name, "RT Dose"))
    orientation = floats(require(ds, "ImageOrientationPatient", name, "RT Dose"))
    if len(spacing) != 2 or len(position) != 3 or len(orientation) != 6:
        raise DicomReadError(name, "PixelSpacing / ImagePositionPatient / ImageOrientationPatient "
                                   "have the wrong number of values")
    if min(spacing) <= 0:
        raise DicomReadError(name, f"PixelSpacing {spacing} is not positive")
    x_sign, y_sign = axial_signs(orientation, name, "dose grid")
    notes: list[str] = []
    # PixelSpacing = (spacing between rows = along y, spacing between columns = along x).
    x_mm = position[0] + x_sign * spacing[1] * np.arange(cols, dtype=float)
    y_mm = position[1] + y_sign * spacing[0] * np.arange(rows, dtype=float)
    z_mm = _frame_z(ds, frames, position[2], x_sign * y_sign, name, notes)

    scaling = ds.get("DoseGridScaling", None)
    if scaling is None:
        notes.append("DoseGridScaling absent; 1.0 assumed")
        scaling = 1.0
    dose = _pixels(ds, name, frames, rows, cols) * np.float32(float(scaling))

    if x_sign < 0:
        x_mm, dose = x_mm[::-1], dose[:, :, ::-1]
    if y_sign < 0:
        y_mm, dose = y_mm[::-1], dose[:, ::-1, :]
    order = np.argsort(z_mm, kind="stable")
    if np.any(order != np.arange(z_mm.size)):
        z_mm, dose = z_mm[order], dose[order]
    if z_mm.size > 1 and np.any(np.diff(z_mm) <= 0):
        raise DicomReadError(name, "GridFrameOffsetVector repeats a frame position")

    stored, stored_units, dvh_notes = read_dvh_sequence(ds)
    plan_refs = ds.get("ReferencedRTPlanSequence", None) or []
    grid = DoseGrid(
        sop_instance_uid=text(ds, "SOPInstanceUID"),
        path=name,
        dose_gy=np.ascontiguousarray(dose, dtype=np.float32),
        x_mm=np.ascontiguousarray(x_mm),
        y_mm=np.ascontiguousarray(y_mm),
        z_mm=np.ascontiguousarray(z_mm),
        units=text(ds, "DoseUnits", "GY").upper() or "GY",
        summation_type=text(ds, "DoseSummationType", "PLAN").upper() or "PLAN",
        dose_type=text(ds, "DoseType", "PHYSICAL").upper() or "PHYSICAL",
        frame_of_reference_uid=text(ds, "FrameOfReferenceUID"),
        referenced_plan_uid=text(plan_refs[0], "ReferencedSOPInstanceUID") if plan_refs else "",
        patient_id=text(ds, "PatientID"),
        stored_dvhs=stored,
        notes=notes + dvh_notes,
        stored_dvh_volume_units=stored_units,
        study_instance_uid=text(ds, "StudyInstanceUID"),
    )
    return grid


def _frame_z(ds: Dataset, frames: int, z0: float, normal_z: int, name: str, notes: list[str]) -> np.ndarray:
    """Frame z positions (mm) from GridFrameOffsetVector, relative or absolute."""
    if frames == 1 and ds.get("GridFrameOffsetVector", None) is None:
        return np.array([z0])
    offsets = np.asarray(floats(require(ds, "GridFrameOffsetVector", name, "multi-frame RT Dose")))
    if offsets.size < frames:
        raise DicomReadError(name, f"GridFrameOffsetVector has {offsets.size} values for {frames} frames")
    if offsets.size > frames:
        notes.append(f"GridFrameOffsetVector has {offsets.size} values for {frames} frames; first {frames} used")
        offsets = offsets[:frames]
    first = offsets[0]
    if abs(first) <= OFFSET_TOLERANCE_MM:
        return z0 + normal_z * offsets  # relative to the first frame, along the plane normal
    if abs(first - z0) <= OFFSET_TOLERANCE_MM:
        return offsets.copy()  # absolute z positions
    notes.append(f"GridFrameOffsetVector starts at {first:g} mm, neither 0 nor the first frame's z "
                 f"({z0:g} mm); treated as offsets from its first value")
    return z0 + normal_z * (offsets - first)


def _pixels(ds: Dataset, name: str, frames: int, rows: int, cols: int) -> np.ndarray:
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise DicomReadError(name, "RT Dose has no pixel data (PixelData (7FE0,0010) missing)")
    try:
        array = ds.pixel_array
    except Exception as exc:  # decoders raise many types for truncated or unsupported data
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DicomReadError(name, f"cannot decode the dose pixel data (truncated or unsupported: {first})") from exc
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.shape != (frames, rows, cols):
        raise DicomReadError(name, f"dose pixel data shape {array.shape} does not match "
                                   f"{frames} frames x {rows} rows x {cols} columns")
    return array.astype(np.float32)
