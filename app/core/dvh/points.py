"""POINT ROIs (calculation, reference and prescription points, isocentres): the dose at each point.

A POINT ROI has no volume, so no DVH; what a reviewer wants from it is the dose there (Pinnacle's
"rx 1: ... pt: Calc Point" is where the prescription is specified). The dose is the trilinear
interpolation of the RT Dose grid at the point (the engine's ``interpolate.trilinear``), or None
with a note when the point lies outside the grid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .interpolate import trilinear


@dataclass(frozen=True)
class PointDose:
    """One point of a POINT ROI: where it is (patient mm) and the dose there (Gy; None outside)."""

    roi_number: int
    name: str
    type: str
    color_rgb: tuple[int, int, int]
    position_mm: tuple[float, float, float]
    dose_gy: float | None
    note: str = ""

    def to_json(self) -> dict:
        """The ``points`` entry of ``rtreview dvh`` JSON (documented in app/cli/dvh.py)."""
        return {"roi_number": self.roi_number, "name": self.name, "type": self.type,
                "position_mm": [round(float(v), 4) for v in self.position_mm],
                "dose_gy": None if self.dose_gy is None else round(float(self.dose_gy), 6),
                "note": self.note}


def point_doses(roi, dose) -> list[PointDose]:
    """The dose at every point of ``roi.points_mm`` (one PointDose each, in file order)."""
    points = [p for p in roi.points_mm if len(p) == 3]
    if not points:
        return []
    xyz = np.asarray(points, dtype=float)
    values, inside = trilinear(dose, xyz[:, 0], xyz[:, 1], xyz[:, 2])
    out = []
    for p, value, ok in zip(points, values, inside):
        finite = bool(ok) and bool(np.isfinite(value))
        out.append(PointDose(roi.number, roi.name, roi.type, tuple(roi.color_rgb), tuple(float(v) for v in p),
                             max(float(value), 0.0) if finite else None,
                             "" if finite else "outside the dose grid: no dose"))
    return out
