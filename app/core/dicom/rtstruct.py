"""Read an RT Structure Set into ROIs of planar contours (mm, DICOM patient coordinates)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .ds_values import parse_ds
from .errors import DicomReadError
from .source import Source, read_dataset, text
from .structure_set import Roi, StructureSet

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
# Contour plane z is rounded to this many decimals (1e-3 mm) to group contours by plane.
Z_DECIMALS = 3
# Points of a CLOSED_PLANAR contour further than this (mm) from their mean z are "off plane".
PLANE_TOLERANCE_MM = 0.01
# A contour whose plane is tilted more than this from axial is refused (sagittal, coronal,
# oblique); below it, points off the plane are projected onto their mean z with a note.
MAX_TILT_DEGREES = 10.0
DEFAULT_COLOR = (255, 255, 0)


def read_structure_set(source: Source, path: str | None = None) -> StructureSet:
    """Read an RTSTRUCT (path or Dataset). One Roi per StructureSetROISequence item, in file
    order, including ROIs without contours (``Roi.is_empty``). Problems with single contours
    are notes on their ROI; a file that is no structure set raises DicomReadError."""
    ds, name = read_dataset(source, path, fast=True)
    sop_class = text(ds, "SOPClassUID")
    if sop_class and sop_class != RT_STRUCTURE_SET_STORAGE:
        raise DicomReadError(name, f"not an RT Structure Set (SOP Class UID {sop_class})")
    if "StructureSetROISequence" not in ds and "ROIContourSequence" not in ds:
        raise DicomReadError(name, "RT Structure Set is missing required tag StructureSetROISequence (3006,0020)")

    notes: list[str] = []  # damaged items: skipped one by one, the rest of the file is used
    contours_by_roi = _by_roi_number(ds, "ROIContourSequence", "ReferencedROINumber", notes)
    types = {number: text(item, "RTROIInterpretedType").upper()
             for number, item in _by_roi_number(ds, "RTROIObservationsSequence", "ReferencedROINumber",
                                                notes).items()}

    rois: list[Roi] = []
    seen: set[int] = set()
    for number, item in _by_roi_number(ds, "StructureSetROISequence", "ROINumber", notes).items():
        seen.add(number)
        try:
            rois.append(_roi(number, text(item, "ROIName"), types.get(number, ""), contours_by_roi.get(number)))
        except Exception as exc:  # a damaged contour item: this ROI only
            notes.append(f"ROI {number}: damaged contour data ({type(exc).__name__}); ROI skipped")
    for number, contour_item in contours_by_roi.items():
        if number not in seen:  # contours without a StructureSetROISequence entry: keep, unnamed
            try:
                roi = _roi(number, f"ROI {number}", types.get(number, ""), contour_item)
            except Exception as exc:
                notes.append(f"ROI {number}: damaged contour data ({type(exc).__name__}); ROI skipped")
                continue
            roi.notes.append("ROI has contours but no StructureSetROISequence entry (no name)")
            rois.append(roi)

    fors = ds.get("ReferencedFrameOfReferenceSequence", None) or []
    structure_set = StructureSet(
        sop_instance_uid=text(ds, "SOPInstanceUID"),
        path=name,
        label=text(ds, "StructureSetLabel"),
        name=text(ds, "StructureSetName"),
        frame_of_reference_uid=text(fors[0], "FrameOfReferenceUID") if fors else text(ds, "FrameOfReferenceUID"),
        referenced_series_uid=_referenced_series(fors),
        patient_id=text(ds, "PatientID"),
        rois=rois,
        study_instance_uid=text(ds, "StudyInstanceUID"),
        notes=notes,
    )
    structure_set.attach_slices()  # the CT's slices replace these when the CT is linked
    return structure_set


def _by_roi_number(ds: Dataset, sequence: str, keyword: str, notes: list[str]) -> dict[int, Dataset]:
    """Items of ``sequence`` keyed by their integer ``keyword``; items whose number is absent are
    skipped, damaged ones (not an integer, unreadable) skipped with a note; first one wins."""
    out: dict[int, Dataset] = {}
    for index, item in enumerate(ds.get(sequence, None) or []):
        try:
            value = item.get(keyword, None)
            if value is None or value == "":
                continue
            number = int(value)
        except Exception as exc:  # pydicom converts lazily: damaged values raise here
            notes.append(f"{sequence} item {index + 1}: {keyword} is damaged ({type(exc).__name__}); skipped")
            continue
        if number in out:
            notes.append(f"{sequence} item {index + 1}: {keyword} {number} repeats an earlier item; skipped")
            continue
        out[number] = item
    return out


def _referenced_series(fors) -> str:
    """The first CT series UID named under ReferencedFrameOfReferenceSequence/RTReferencedStudy/Series."""
    for frame in fors:
        for study in frame.get("RTReferencedStudySequence", None) or []:
            for series in study.get("RTReferencedSeriesSequence", None) or []:
                uid = text(series, "SeriesInstanceUID")
                if uid:
                    return uid
    return ""


def _roi(number: int, name: str, roi_type: str, contour_item: Dataset | None) -> Roi:
    roi = Roi(number=number, name=name, type=roi_type)
    if contour_item is None:
        roi.notes.append("no contours")
        return roi
    color = contour_item.get("ROIDisplayColor", None)
    if color is not None and len(color) == 3:
        roi.color_rgb = tuple(int(c) for c in color)  # type: ignore[assignment]
    contours = list(contour_item.get("ContourSequence", None) or [])
    for index, (contour, values) in enumerate(zip(contours, _contour_values_of(contours))):
        _add_contour(roi, index + 1, contour, values)
    if roi.is_empty and not roi.points_mm and not roi.open_contours and not roi.notes:
        roi.notes.append("no contours")
    return roi


def _contour_values_of(contours: list[Dataset]) -> list[np.ndarray | None]:
    """ContourData of each contour as float64 (None: not numeric). The raw DS bytes of all of
    them are parsed at once with numpy (``parse_ds``: exactly ``float()`` of each value; per
    contour, numpy's call overhead would cost more than it saves); contours whose element is
    already converted or not DS, and all of them when the bytes are not plain decimals, go
    through ``_contour_values`` one by one."""
    out: list[np.ndarray | None] = [None] * len(contours)
    raw_at: list[int] = []
    raws: list[bytes] = []
    for i, contour in enumerate(contours):
        element = contour.get_item("ContourData") if "ContourData" in contour else None
        raw = getattr(element, "value", None)
        if isinstance(raw, (bytes, bytearray)) and getattr(element, "VR", "DS") in ("DS", None):
            raw_at.append(i)
            raws.append(bytes(raw).strip(b" \x00"))
        else:
            out[i] = _contour_values(contour)
    counts = [raw.count(b"\\") + 1 if raw else 0 for raw in raws]
    joined = b"\\".join(raw for raw in raws if raw)
    values = parse_ds(joined) if joined else np.empty(0)
    if values is None or values.size != sum(counts):
        for i in raw_at:
            out[i] = _contour_values(contours[i])
        return out
    for i, part in zip(raw_at, np.split(values, np.cumsum(counts)[:-1])):
        out[i] = part
    return out


def _contour_values(contour: Dataset) -> np.ndarray | None:
    """ContourData as float64. Parses the raw DS text with numpy when the element is still
    raw (pydicom's per-value DS conversion dominates load time for fine contours)."""
    if "ContourData" not in contour:
        return np.empty(0)
    element = contour.get_item("ContourData")
    raw = getattr(element, "value", None)
    if isinstance(raw, (bytes, bytearray)) and getattr(element, "VR", "DS") in ("DS", None):
        try:
            text_value = bytes(raw).decode("ascii").strip(" \x00")
            return np.asarray(text_value.split("\\"), dtype=np.float64) if text_value else np.empty(0)
        except (UnicodeDecodeError, ValueError):
            pass  # fall back to pydicom's conversion below
    try:
        value = contour.ContourData
        if not hasattr(value, "__len__"):
            value = [value]
        return np.asarray([float(v) for v in value], dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _same_point(a: list[float], b: list[float]) -> bool:
    """``np.allclose(a, b)`` (rtol 1e-5, atol 1e-8; infinities equal only to themselves, NaN to
    nothing) on two short lists, without numpy's call overhead (once per contour)."""
    return all(x == y or (math.isfinite(x) and math.isfinite(y) and abs(x - y) <= 1e-8 + 1e-5 * abs(y))
               for x, y in zip(a, b))


def _tilt_degrees(points: np.ndarray) -> float:
    """Angle (degrees) between the polygon's plane normal (Newell's method) and the z axis;
    90 for a degenerate polygon whose points spread only along z."""
    shifted = np.roll(points, -1, axis=0)
    d, s = points - shifted, points + shifted
    normal = np.array([np.sum(d[:, 1] * s[:, 2]), np.sum(d[:, 2] * s[:, 0]), np.sum(d[:, 0] * s[:, 1])])
    length = float(np.linalg.norm(normal))
    if length == 0.0 or not np.isfinite(length):
        return 90.0
    return float(np.degrees(np.arccos(min(abs(normal[2]) / length, 1.0))))


def _add_contour(roi: Roi, index: int, contour: Dataset, values: np.ndarray | None) -> None:
    if values is None:
        roi.notes.append(f"contour {index}: ContourData is not numeric; skipped")
        return
    if values.size == 0 or values.size % 3:
        roi.notes.append(f"contour {index}: ContourData has {values.size} values (not x,y,z triples); skipped")
        return
    points = values.reshape(-1, 3)
    kind = text(contour, "ContourGeometricType", "CLOSED_PLANAR").upper()
    if kind == "POINT":
        roi.points_mm.extend(tuple(float(v) for v in p) for p in points)
        return
    if kind.startswith("OPEN"):
        roi.open_contours.append(points)
        return
    if kind != "CLOSED_PLANAR":
        roi.notes.append(f"contour {index}: geometric type {kind!r} not supported; skipped")
        return
    if len(points) > 1 and _same_point(points[0].tolist(), points[-1].tolist()):
        points = points[:-1]  # repeated closing point
    if len(points) < 3:
        roi.notes.append(f"contour {index}: {len(points)} point(s), not a polygon; skipped")
        return
    if not np.all(np.isfinite(points)):
        roi.notes.append(f"contour {index}: ContourData has values that are not finite (NaN or infinite); skipped")
        return
    z_mean = float(points[:, 2].mean())
    span = float(np.ptp(points[:, 2]))
    if span > PLANE_TOLERANCE_MM:  # (the tilt costs more than all the rest: only when needed)
        tilt = _tilt_degrees(points)
        if tilt > MAX_TILT_DEGREES:
            roi.notes.append(f"contour {index}: not axial (its plane is tilted {tilt:.0f} degrees from axial, "
                             f"z spans {span:.3g} mm); only axial contours are supported; skipped")
            return
        roi.notes.append(f"contour {index}: points are not on one axial plane "
                         f"(z spans {span:.3g} mm); their mean z {z_mean:.3f} mm is used")
    z = round(z_mean, Z_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    roi.planes.setdefault(z, []).append(np.ascontiguousarray(points[:, :2]))
