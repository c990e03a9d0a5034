"""Read an RT Dose file into a DoseGrid (Gy, axis-aligned, strictly increasing axes)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .dose_grid import DoseGrid
from .dvh_sequence import read_dvh_sequence
from .errors import DicomReadError
from .orientation import axial_signs
from .limits import MAX_DOSE_GY, check_spacing, check_voxels
from .source import (Source, check_decodable, finite_float, finite_floats, floats, pixel_array, read_dataset,
                     require, text)

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
# GridFrameOffsetVector's first element within this of 0 / of IPP z (mm) decides relative / absolute.
OFFSET_TOLERANCE_MM = 1e-3


def read_dose(source: Source, path: str | None = None) -> DoseGrid:
    """Read an RT Dose (path or Dataset) into a DoseGrid; DicomReadError when it cannot be used.

    Dose in Gy (DoseGridScaling applied; DoseUnits RELATIVE kept as the scaled relative value,
    recorded in ``units``). Arrays are flipped so x_mm, y_mm, z_mm increase. Only axial
    orientations (row/column cosines ±x/±y) are accepted.
    """
    ds, name = read_dataset(source, path, fast=True)
    sop_class = text(ds, "SOPClassUID")
    if sop_class and sop_class != RT_DOSE_STORAGE:
        raise DicomReadError(name, f"not an RT Dose (SOP Class UID {sop_class})")
    rows = int(require(ds, "Rows", name, "RT Dose"))
    cols = int(require(ds, "Columns", name, "RT Dose"))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    check_voxels((frames, rows, cols), name, "RT Dose")
    spacing = finite_floats(ds, "PixelSpacing", name, "RT Dose", 2)
    position = finite_floats(ds, "ImagePositionPatient", name, "RT Dose", 3)
    orientation = finite_floats(ds, "ImageOrientationPatient", name, "RT Dose", 6)
    check_spacing(spacing, name, "RT Dose")
    x_sign, y_sign = axial_signs(orientation, name, "dose grid")
    notes: list[str] = []
    # PixelSpacing = (spacing between rows = along y, spacing between columns = along x).
    x_mm = position[0] + x_sign * spacing[1] * np.arange(cols, dtype=float)
    y_mm = position[1] + y_sign * spacing[0] * np.arange(rows, dtype=float)
    z_mm = _frame_z(ds, frames, position[2], x_sign * y_sign, name, notes)
    if not all(np.all(np.isfinite(a)) and np.all(np.diff(a) != 0) for a in (x_mm, y_mm, z_mm[:1])):
        raise DicomReadError(name, "dose grid coordinates are not finite or not distinct (absurd spacing "
                                   "or position)")

    scaling = ds.get("DoseGridScaling", None)
    if scaling is None or scaling == "":
        notes.append("DoseGridScaling absent; 1.0 assumed")
    scaling = finite_float(ds, "DoseGridScaling", 1.0, name, "RT Dose")
    if scaling < 0:
        raise DicomReadError(name, f"DoseGridScaling {scaling:g} is negative")
    order = np.argsort(z_mm, kind="stable")
    z_mm = z_mm[order]
    if z_mm.size > 1 and np.any(np.diff(z_mm) <= 0):
        raise DicomReadError(name, "GridFrameOffsetVector repeats a frame position")
    # One float32 array, written in increasing-axis order (no intermediate float copies).
    raw = _pixels(ds, name, frames, rows, cols)
    if np.array_equal(order, np.arange(order.size)[::-1]):
        raw = raw[::-1]  # frames stored with decreasing z: a view, not a copy
    elif not np.array_equal(order, np.arange(order.size)):
        raw = raw[order]
    raw = raw[:, ::y_sign, ::x_sign]
    dose = np.empty(raw.shape, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite results are refused just below
        np.multiply(raw, np.float32(scaling), out=dose, casting="unsafe")
    del raw
    if not np.all(np.isfinite(dose)):
        raise DicomReadError(name, f"dose values are not finite ({int(np.count_nonzero(~np.isfinite(dose)))} "
                                   "NaN or infinite voxels)")
    if dose.size and float(dose.max()) > MAX_DOSE_GY:
        raise DicomReadError(name, f"dose values up to {float(dose.max()):.4g} Gy are implausible (above "
                                   f"{MAX_DOSE_GY:g} Gy; wrong DoseGridScaling {scaling:g}?); not loaded")
    if dose.size and float(dose.min()) < 0:
        notes.append(f"negative dose values (minimum {float(dose.min()):g}); kept as stored")
    x_mm, y_mm = x_mm[::x_sign], y_mm[::y_sign]

    if text(ds, "DoseUnits").upper() == "RELATIVE":
        notes.append("DoseUnits RELATIVE: values are relative to a reference the file does not state, not Gy; "
                     "DVH doses are in these relative units")
    stored, stored_units, dvh_notes = read_dvh_sequence(ds)
    plan_refs = ds.get("ReferencedRTPlanSequence", None) or []
    grid = DoseGrid(
        sop_instance_uid=text(ds, "SOPInstanceUID"),
        path=name,
        dose_gy=dose,
        x_mm=np.ascontiguousarray(x_mm),
        y_mm=np.ascontiguousarray(y_mm),
        z_mm=np.ascontiguousarray(z_mm),
        units=text(ds, "DoseUnits", "GY").upper() or "GY",
        summation_type=text(ds, "DoseSummationType", "PLAN").upper() or "PLAN",
        dose_type=text(ds, "DoseType", "PHYSICAL").upper() or "PHYSICAL",
        frame_of_reference_uid=text(ds, "FrameOfReferenceUID"),
        referenced_plan_uid=text(plan_refs[0], "ReferencedSOPInstanceUID") if plan_refs else "",
        referenced_fraction_group=_fraction_group(plan_refs[0]) if plan_refs else None,
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
    try:
        offsets = np.asarray(floats(require(ds, "GridFrameOffsetVector", name, "multi-frame RT Dose")))
    except (TypeError, ValueError) as exc:
        raise DicomReadError(name, "GridFrameOffsetVector is not numeric") from exc
    if not np.all(np.isfinite(offsets)):
        raise DicomReadError(name, "GridFrameOffsetVector has values that are not finite (NaN or infinite)")
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
    check_decodable(ds, name, "RT Dose")
    native = _native_view(ds, frames, rows, cols)
    if native is not None:
        return native
    try:
        array = pixel_array(ds)  # the function form: no copy cached on the data set
    except Exception as exc:  # decoders raise many types for truncated or unsupported data
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DicomReadError(name, f"cannot decode the dose pixel data (truncated or unsupported: {first})") from exc
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.shape != (frames, rows, cols):
        raise DicomReadError(name, f"dose pixel data shape {array.shape} does not match "
                                   f"{frames} frames x {rows} rows x {cols} columns")
    return array


def _native_view(ds: Dataset, frames: int, rows: int, cols: int) -> np.ndarray | None:
    """A zero-copy view of uncompressed 16/32-bit integer PixelData, or None when pydicom's
    general decoder is needed (compressed, packed or masked bits, other layouts). Saves one
    full-size copy of the dose while loading."""
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID", None) if meta is not None else None
    try:
        bits, stored = int(ds.get("BitsAllocated", 0) or 0), int(ds.get("BitsStored", 0) or 0)
        signed, samples = int(ds.get("PixelRepresentation", 0) or 0), int(ds.get("SamplesPerPixel", 1) or 1)
        data = ds.PixelData if "PixelData" in ds else None
    except (TypeError, ValueError):
        return None
    if (syntax is None or syntax.is_compressed or bits not in (16, 32) or stored != bits or signed not in (0, 1)
            or samples != 1 or not isinstance(data, (bytes, bytearray))
            or len(data) != frames * rows * cols * bits // 8):
        return None
    dtype = np.dtype(f"{'<' if syntax.is_little_endian else '>'}{'i' if signed else 'u'}{bits // 8}")
    return np.frombuffer(data, dtype=dtype).reshape(frames, rows, cols)


def _fraction_group(plan_ref) -> int | None:
    """ReferencedFractionGroupNumber of the dose's plan reference (the group a FRACTION dose covers)."""
    groups = plan_ref.get("ReferencedFractionGroupSequence", None) or []
    value = text(groups[0], "ReferencedFractionGroupNumber") if groups else ""
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None
