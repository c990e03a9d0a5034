"""Voxel doses of several courses on the reference course's frame: a physical or EQD2 sum on a
grid, for export as RT Dose and for the slice views (the constraint evaluation of a composite
is rtreview.core.constraints', on the DVH engine's sample points).

Each course carries a mapping from the reference frame to its own (rtreview.core.dicom.
frame_links.Mapping; identity on one CT). The grid: the reference course's dose grid spacing
and voxel alignment, extended to hold every course's grid (its corners mapped into the
reference frame), coarsened if it would exceed ``MAX_VOXELS``. A course counts 0 Gy where its
dose grid does not reach (stated in the notes). EQD2 per voxel with the course's own number
of fractions, EQD2 = D (D/n + a/b) / (2 + a/b) (rtreview.core.constraints.fractionation), one
alpha/beta for the whole grid: the caller's, never a default.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from rtreview.core.constraints.fractionation import eqd2_gy
from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dicom.frame_links import Mapping, apply, invert

from .resample import dose_on_grid

MAX_VOXELS = 30_000_000


@dataclass(frozen=True)
class CourseDose:
    label: str
    dose: DoseGrid
    fractions: int | None
    mapping: Mapping | None = None  # reference frame -> this course's frame; None = same frame
    plan_uid: str = ""

    @property
    def matrix(self) -> np.ndarray | None:
        return None if self.mapping is None or self.mapping.is_identity else self.mapping.matrix


def _corners_in_reference(course: CourseDose) -> np.ndarray:
    d = course.dose
    corners = np.array(list(itertools.product((d.x_mm[0], d.x_mm[-1]), (d.y_mm[0], d.y_mm[-1]),
                                              (d.z_mm[0], d.z_mm[-1]))), dtype=float)
    return corners if course.matrix is None else apply(invert(course.matrix), corners)


def reference_axes(courses: list[CourseDose], max_voxels: int = MAX_VOXELS):
    """(x, y, z) voxel-centre axes in the reference frame (the first course's), see module docstring."""
    ref = courses[0].dose
    h = list(ref.spacing_mm)
    pts = np.vstack([_corners_in_reference(c) for c in courses])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    counts = [int(math.floor((hi[k] - lo[k]) / h[k] + 1e-6)) + 2 for k in range(3)]
    total = counts[0] * counts[1] * counts[2]
    if total > max_voxels:
        scale = (total / max_voxels) ** (1 / 3)
        h = [v * scale for v in h]
    origin = (float(ref.x_mm[0]), float(ref.y_mm[0]), float(ref.z_mm[0]))
    axes = []
    for k in range(3):
        first = origin[k] + math.floor((lo[k] - origin[k]) / h[k] + 1e-6) * h[k]
        n = int(math.ceil((hi[k] - first) / h[k] - 1e-6)) + 1
        axes.append(first + np.arange(n) * h[k])
    return tuple(axes)


@dataclass
class SummedDose:
    dose_gy: np.ndarray  # (nz, ny, nx) float64
    axes: tuple
    kind: str  # physical or eqd2
    alpha_beta_gy: float | None
    notes: list[str]

    def as_grid(self, label: str, frame_of_reference_uid: str) -> DoseGrid:
        return DoseGrid(sop_instance_uid=f"composite:{label}", path="", dose_gy=self.dose_gy.astype(np.float32),
                        x_mm=self.axes[0], y_mm=self.axes[1], z_mm=self.axes[2], summation_type="MULTI_PLAN",
                        dose_type="EFFECTIVE" if self.kind == "eqd2" else "PHYSICAL",
                        frame_of_reference_uid=frame_of_reference_uid, notes=list(self.notes))


def summed_dose(courses: list[CourseDose], kind: str = "physical", alpha_beta_gy: float | None = None,
                axes=None) -> SummedDose:
    """The physical (Gy) or EQD2 (Gy EQD2, with ``alpha_beta_gy``) sum of ``courses`` on ``axes``
    (default ``reference_axes(courses)``). ValueError for an EQD2 sum without alpha/beta or with
    a course whose number of fractions is unknown."""
    if kind not in ("physical", "eqd2"):
        raise ValueError(f"dose kind {kind!r} (expected physical or eqd2)")
    if not courses:
        raise ValueError("no courses to sum")
    if kind == "eqd2":
        if alpha_beta_gy is None or not alpha_beta_gy > 0:
            raise ValueError("an EQD2 sum needs an alpha/beta (Gy) given explicitly")
        unknown = [c.label for c in courses if not c.fractions]
        if unknown:
            raise ValueError(f"the number of fractions of {', '.join(unknown)} is unknown: no EQD2")
    axes = axes if axes is not None else reference_axes(courses)
    total = np.zeros((axes[2].size, axes[1].size, axes[0].size))
    notes = []
    for c in courses:
        values = dose_on_grid(c.dose, axes, c.matrix)
        outside = np.isnan(values)
        if outside.any():
            notes.append(f"{c.label}: its dose grid does not reach {100.0 * outside.mean():.1f} % of the composite "
                         "grid; it counts 0 Gy there")
        values = np.where(outside, 0.0, values)
        total += eqd2_gy(values, c.fractions, alpha_beta_gy) if kind == "eqd2" else values
        if c.mapping is not None and not c.mapping.is_identity:
            notes.append(f"{c.label}: resampled through {c.mapping.describe()}")
    what = (f"voxel-wise EQD2 sum, alpha/beta {alpha_beta_gy:g} Gy" if kind == "eqd2" else "physical dose sum")
    notes.insert(0, f"{what} of {' + '.join(c.label for c in courses)} on the frame of {courses[0].label}")
    return SummedDose(total, tuple(axes), kind, alpha_beta_gy, notes)
