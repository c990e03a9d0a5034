"""DVHs stored by the planning system in an RT Dose file (DVHSequence), as cumulative curves.

DVHData holds pairs ``(bin width, volume)``. Bin ``i`` spans dose ``[e_i, e_i+1)`` where the
edges ``e`` are the running sum of widths starting at 0 (times DVHDoseScaling, in Gy after a
cGy conversion). A CUMULATIVE volume is the volume receiving at least the bin's lower edge; a
DIFFERENTIAL volume is the volume inside the bin and is summed from the top into a cumulative
curve on the edges (one more point than bins, ending at volume 0).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

DOSE_TO_GY = {"GY": 1.0, "CGY": 0.01}


def read_dvh_sequence(ds: Dataset) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], dict[int, str], list[str]]:
    """``(curves, volume_units, notes)`` from ``ds.DVHSequence``.

    ``curves[roi_number] = (dose_gy, cumulative_volume)``, float64 arrays of equal length;
    ``volume_units[roi_number]`` is 'CM3' (cc) or 'PERCENT' (kept in percent: the ROI volume is
    not known here). Only the first DVH per ROI is kept; skipped items are explained in notes.
    """
    curves: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    units: dict[int, str] = {}
    notes: list[str] = []
    for index, item in enumerate(ds.get("DVHSequence", None) or []):
        refs = item.get("DVHReferencedROISequence", None) or []
        if not refs or refs[0].get("ReferencedROINumber", None) is None:
            notes.append(f"stored DVH #{index + 1} names no ROI; skipped")
            continue
        roi = int(refs[0].ReferencedROINumber)
        if roi in curves:
            notes.append(f"stored DVH #{index + 1} repeats ROI {roi}; the first one is kept")
            continue
        try:
            curve = _curve(item)
        except ValueError as exc:
            notes.append(f"stored DVH for ROI {roi} unusable: {exc}")
            continue
        curves[roi] = curve
        units[roi] = str(item.get("DVHVolumeUnits", "CM3") or "CM3").upper()
    return curves, units, notes


def _curve(item: Dataset) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray([float(v) for v in (item.get("DVHData", None) or [])], dtype=float)
    if data.size < 2 or data.size % 2:
        raise ValueError(f"DVHData has {data.size} values (need pairs of bin width, volume)")
    dose_units = str(item.get("DoseUnits", "GY") or "GY").upper()
    if dose_units not in DOSE_TO_GY:
        raise ValueError(f"dose units {dose_units!r} (expected GY or CGY)")
    scaling = float(item.get("DVHDoseScaling", 1.0) or 1.0)
    widths = data[0::2] * scaling * DOSE_TO_GY[dose_units]
    volumes = data[1::2]
    edges = np.concatenate(([0.0], np.cumsum(widths)))
    kind = str(item.get("DVHType", "CUMULATIVE") or "CUMULATIVE").upper()
    if kind == "CUMULATIVE":
        return edges[:-1], volumes.copy()
    if kind == "DIFFERENTIAL":
        cumulative = np.concatenate((np.cumsum(volumes[::-1])[::-1], [0.0]))
        return edges, cumulative
    raise ValueError(f"DVHType {kind!r} (expected CUMULATIVE or DIFFERENTIAL)")
