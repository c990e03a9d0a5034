"""Read one CT series (a list of single-slice CT Image files) into a CtVolume in HU."""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .ct_volume import CtVolume
from .errors import DicomReadError
from .orientation import axial_signs
from .ct_store import SliceStore
from .limits import check_spacing, check_voxels
from .source import (Source, check_decodable, display_path, finite_float, finite_floats, pixel_array, read_dataset,
                     require, text)

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
# Slice positions closer than this (mm) are duplicates; spacings differing by more are uneven.
Z_TOLERANCE_MM = 0.01
# A gap larger than this many median spacings means missing slices.
GAP_FACTOR = 1.5
HEADER_KEYWORDS = ("SeriesInstanceUID", "FrameOfReferenceUID", "StudyInstanceUID", "PatientID", "SeriesDescription")


def read_ct_series(sources: Sequence[Source | Callable[[], Dataset]], paths: Sequence[str] | None = None,
                   step: Callable[[str], None] | None = None, pixels: bool = True) -> CtVolume:
    """Read CT slices (paths, Datasets with pixel data, or callables returning one) of one series into a CtVolume.

    HU = stored value x RescaleSlope + RescaleIntercept, as int16 when that is exact and fits,
    else float32. Slices are sorted by ImagePositionPatient z; axes increase (arrays flipped
    as for DoseGrid). Unusable or inconsistent slices are skipped and duplicated positions
    dropped; these, uneven spacing and missing slices are listed in ``warnings``. ``step`` is
    called with each slice's path after it is read (progress, cancellation).
    DicomReadError when no slice is usable. ``pixels=False``: headers only (the sources may be
    data sets read without pixel data): the same geometry, order and warnings, ``hu`` None
    (``rtreview dvh`` needs no CT image; unreadable pixel data goes unnoticed then).
    """
    names = list(paths) if paths is not None else [display_path(s) for s in sources]
    warnings: list[str] = []
    slices = []  # (z, name, slot in the store, geometry key, header texts)
    store = SliceStore(len(names))
    for source, name in zip(sources, names):
        usable = False
        try:
            z, name, hu, key, header = _read_slice(source, name, pixels)
            usable = True
        except DicomReadError as exc:
            warnings.append(f"slice skipped: {exc}")
        except Exception as exc:  # malformed values pydicom could not convert
            warnings.append(f"slice skipped: {name}: malformed data ({type(exc).__name__}: {exc})")
        if usable and not pixels:
            slices.append((z, name, len(slices), key, header))
        elif usable:
            if store.buffer is None:  # the whole series would need this much: refuse before allocating
                check_voxels((len(names), *hu.shape), name, "CT series")
            slices.append((z, name, store.add(hu[::key[7], ::key[6]]), key, header))  # flipped: axes increase
            del hu
        if step is not None:
            step(name)
    if not slices:
        first = warnings[0].removeprefix("slice skipped: ") if warnings else "no slices given"
        raise DicomReadError(names[0] if names else "<CT>",
                             f"no usable slice in the CT series of {len(names)} file(s); first problem: {first}")

    reference = Counter(s[3] for s in slices).most_common(1)[0][0]
    for s in [s for s in slices if s[3] != reference]:
        warnings.append(f"slice skipped: {s[1]}: its size, spacing or orientation differs from the series")
    slices = sorted((s for s in slices if s[3] == reference), key=lambda s: s[0])
    kept = [slices[0]]
    for s in slices[1:]:
        if abs(s[0] - kept[-1][0]) <= Z_TOLERANCE_MM:
            warnings.append(f"slice skipped: {s[1]}: duplicates the position z = {s[0]:g} mm")
        else:
            kept.append(s)
    z_mm = np.array([s[0] for s in kept])
    warnings.extend(spacing_warnings(z_mm))

    rows, cols, row_spacing, col_spacing, x0, y0, x_sign, y_sign = reference
    check_voxels((len(kept), rows, cols), kept[0][1], "CT series")
    hu = store.volume([s[2] for s in kept]) if pixels else None  # z order, axes increasing (flipped as stored)
    x_mm = (x0 + x_sign * col_spacing * np.arange(cols, dtype=float))[::x_sign]
    y_mm = (y0 + y_sign * row_spacing * np.arange(rows, dtype=float))[::y_sign]
    if not all(np.all(np.isfinite(a)) and np.all(np.diff(a) > 0) for a in (x_mm, y_mm, z_mm)):
        raise DicomReadError(kept[0][1], "CT series coordinates are not finite or not increasing "
                                         "(absurd spacing or position)")
    first = kept[0][4]
    return CtVolume(
        series_instance_uid=first["SeriesInstanceUID"],
        hu=hu,
        x_mm=np.ascontiguousarray(x_mm),
        y_mm=np.ascontiguousarray(y_mm),
        z_mm=z_mm,
        frame_of_reference_uid=first["FrameOfReferenceUID"],
        study_instance_uid=first["StudyInstanceUID"],
        patient_id=first["PatientID"],
        description=first["SeriesDescription"],
        paths=[s[1] for s in kept],
        warnings=warnings,
    )


def spacing_warnings(z_mm: np.ndarray) -> list[str]:
    """Warnings for uneven slice spacing and gaps (missing slices) in sorted positions (mm)."""
    if z_mm.size < 3:
        return []
    steps = np.diff(z_mm)
    typical = float(np.median(steps))
    out = []
    gaps = np.nonzero(steps > GAP_FACTOR * typical)[0]
    for i in gaps:
        missing = int(round(steps[i] / typical)) - 1
        out.append(f"missing slice(s): gap of {steps[i]:g} mm between z = {z_mm[i]:g} and "
                   f"{z_mm[i + 1]:g} mm (about {missing} slice(s) at {typical:g} mm spacing)")
    regular = np.delete(steps, gaps)
    if regular.size and float(regular.max() - regular.min()) > Z_TOLERANCE_MM:
        out.append(f"uneven slice spacing: {regular.min():g} to {regular.max():g} mm")
    return out


def _read_slice(source, name: str, pixels: bool = True):
    if callable(source):  # a lazy reader (e.g. of a zip member), so slices are read one by one
        source = source()
    ds, name = read_dataset(source, name, fast=True)
    rows = int(require(ds, "Rows", name, "CT image"))
    cols = int(require(ds, "Columns", name, "CT image"))
    check_voxels((rows, cols), name, "CT image")
    spacing = finite_floats(ds, "PixelSpacing", name, "CT image", 2)
    position = finite_floats(ds, "ImagePositionPatient", name, "CT image", 3)
    orientation = finite_floats(ds, "ImageOrientationPatient", name, "CT image", 6)
    check_spacing(spacing, name, "CT image")
    x_sign, y_sign = axial_signs(orientation, name, "CT image")
    if not pixels:
        key = (rows, cols, spacing[0], spacing[1], round(position[0], 3), round(position[1], 3), x_sign, y_sign)
        return position[2], name, None, key, {k: text(ds, k) for k in HEADER_KEYWORDS}
    if "PixelData" not in ds:
        raise DicomReadError(name, "CT image has no pixel data (PixelData (7FE0,0010) missing)")
    slope = finite_float(ds, "RescaleSlope", 1.0, name, "CT image") or 1.0
    intercept = finite_float(ds, "RescaleIntercept", 0.0, name, "CT image")
    check_decodable(ds, name, "CT image")
    try:
        stored = np.asarray(pixel_array(ds))  # the function form: no copy cached on the data set
    except Exception as exc:  # decoders raise many types for truncated or unsupported data
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        # pydicom: "Unable to decode as exceptions were raised by all available plugins:" + one line each
        first = " ".join(lines[:2]) if lines and lines[0].endswith(":") else (lines[0] if lines else type(exc).__name__)
        raise DicomReadError(name, f"cannot decode the CT pixel data ({first})") from exc
    if stored.shape != (rows, cols):
        raise DicomReadError(name, f"CT pixel data shape {stored.shape} is not {rows} x {cols}")
    if slope == 1.0 and intercept.is_integer():
        hu = stored.astype(np.int32) + int(intercept)
        if hu.min(initial=0) >= -32768 and hu.max(initial=0) <= 32767:
            hu = hu.astype(np.int16)
        else:
            hu = hu.astype(np.float32)
    else:
        hu = stored.astype(np.float32)
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below, with a clear message
            hu *= np.float32(slope)
            hu += np.float32(intercept)
        if not np.all(np.isfinite(hu)):
            raise DicomReadError(name, "CT values overflow after RescaleSlope / RescaleIntercept")
    key = (rows, cols, spacing[0], spacing[1], round(position[0], 3), round(position[1], 3), x_sign, y_sign)
    header = {k: text(ds, k) for k in HEADER_KEYWORDS}  # the data set (and its pixel bytes) is not kept
    return position[2], name, hu, key, header
