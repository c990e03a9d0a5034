"""Write a dose grid computed here (a composite, a difference) as a DICOM RT Dose file.

PS3.3 C.8.8.3 (RT Dose Module). New SOP Instance and Series UIDs; patient and study of the
reference; Frame of Reference UID of the reference CT; axial orientation 1\\0\\0\\0\\1\\0 with the
grid's increasing axes; GridFrameOffsetVector relative to the first frame (FrameIncrementPointer
names it); DoseSummationType MULTI_PLAN with every summed plan in ReferencedRTPlanSequence;
DoseUnits GY; DoseType PHYSICAL (a physical sum), EFFECTIVE (an EQD2 sum: dose corrected for
biological effect) or ERROR (a difference, the only type that may be negative: signed pixels,
PS3.3 C.8.8.3.4.5). 32-bit pixels with DoseGridScaling = max |dose| / (2^31 - 1) (signed) or
/ (2^32 - 1) (unsigned): a quantization below 1e-8 of the maximum. Written atomically.
"""
from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, field

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from rtreview.core.atomic import write_atomic

from .derived import new_instance
from .rtdose import RT_DOSE_STORAGE

RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
DOSE_TYPES = ("PHYSICAL", "EFFECTIVE", "ERROR")


@dataclass(frozen=True)
class DoseExport:
    """What the exported file says about itself and whom it belongs to."""

    patient_id: str
    frame_of_reference_uid: str
    dose_type: str  # PHYSICAL, EFFECTIVE or ERROR
    series_description: str
    patient_name: str = ""
    patient_birth_date: str = ""
    study_instance_uid: str = ""
    plan_uids: tuple[str, ...] = ()
    comment: str = ""  # DoseComment (LO, 64 chars): e.g. the registration used
    notes: tuple[str, ...] = field(default_factory=tuple)


def dose_dataset(dose_gy: np.ndarray, x_mm, y_mm, z_mm, info: DoseExport, now: dt.datetime | None = None) -> Dataset:
    """The RT Dose data set of ``dose_gy`` (nz, ny, nx) on the increasing axes ``x_mm``, ``y_mm``, ``z_mm``."""
    if info.dose_type not in DOSE_TYPES:
        raise ValueError(f"dose type {info.dose_type!r} (expected one of {', '.join(DOSE_TYPES)})")
    d = np.asarray(dose_gy, dtype=np.float64)
    x, y, z = (np.asarray(a, dtype=np.float64) for a in (x_mm, y_mm, z_mm))
    if d.shape != (z.size, y.size, x.size):
        raise ValueError(f"dose shape {d.shape} does not match the axes ({z.size}, {y.size}, {x.size})")
    if not np.all(np.isfinite(d)):
        raise ValueError("the dose holds values that are not finite")
    for name, a in (("x", x), ("y", y), ("z", z)):
        if a.size > 1 and np.any(np.diff(a) <= 0):
            raise ValueError(f"the {name} axis is not strictly increasing")
    for name, a in (("x", x), ("y", y)):
        if a.size > 1 and np.ptp(np.diff(a)) > 1e-6 * abs(float(np.diff(a)[0])):
            raise ValueError(f"the {name} axis is not evenly spaced (RT Dose rows and columns must be)")
    signed = info.dose_type == "ERROR"
    if not signed and float(d.min()) < 0:
        raise ValueError(f"a {info.dose_type} dose cannot be negative (minimum {float(d.min()):g} Gy)")
    peak = float(np.abs(d).max()) if d.size else 0.0
    top = 2 ** 31 - 1 if signed else 2 ** 32 - 1
    scaling = peak / top if peak > 0 else 1.0
    pixels = np.rint(d / scaling).astype(np.int32 if signed else np.uint32)

    ds = new_instance(RT_DOSE_STORAGE, "RTDOSE", info, frame_of_reference_uid=info.frame_of_reference_uid,
                      series_number=902, series_description=info.series_description, now=now or dt.datetime.now())
    ds.ImagePositionPatient = [float(x[0]), float(y[0]), float(z[0])]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing = [float(y[1] - y[0]) if y.size > 1 else 1.0, float(x[1] - x[0]) if x.size > 1 else 1.0]
    if z.size > 1 and np.ptp(np.diff(z)) <= 1e-6:
        ds.SliceThickness = float(z[1] - z[0])
    ds.NumberOfFrames = int(z.size)
    ds.FrameIncrementPointer = 0x3004000C  # GridFrameOffsetVector
    ds.GridFrameOffsetVector = [float(v - z[0]) for v in z]
    ds.Rows, ds.Columns = int(y.size), int(x.size)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 1 if signed else 0
    ds.DoseUnits = "GY"
    ds.DoseType = info.dose_type
    ds.DoseSummationType = "MULTI_PLAN"
    ds.DoseGridScaling = f"{scaling:.10E}"
    if info.comment:
        ds.DoseComment = info.comment[:64]
    if info.plan_uids:
        refs = []
        for uid in info.plan_uids:
            ref = Dataset()
            ref.ReferencedSOPClassUID = RT_PLAN_STORAGE
            ref.ReferencedSOPInstanceUID = uid
            refs.append(ref)
        ds.ReferencedRTPlanSequence = Sequence(refs)
    if info.notes:
        ds.ImageComments = " | ".join(info.notes)[:10240]
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<"), copy=False).tobytes()
    return ds


def write_dose(path: str | os.PathLike[str], dose_gy: np.ndarray, x_mm, y_mm, z_mm, info: DoseExport) -> str:
    """Write the RT Dose atomically; returns its SOP Instance UID."""
    ds = dose_dataset(dose_gy, x_mm, y_mm, z_mm, info)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    write_atomic(path, buffer.getvalue())
    return str(ds.SOPInstanceUID)
