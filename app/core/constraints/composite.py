"""Multi-course dose: resample dose grids onto one common grid and add them, physically or as EQD2.

Courses must share a frame of reference. The common grid spans the union of the grids'
extents with the finest spacing among them (coarsened if it would exceed ``max_voxels``),
aligned to the finest grid's voxel centres so that grid is reproduced exactly. Each course
is resampled by trilinear interpolation (separable along x, y, z: exact for a rectilinear
target) and counts 0 Gy outside its own grid. The EQD2 sum converts every course voxel by voxel
with its own number of fractions, ``EQD2 = D (D/n + a/b) / (2 + a/b)``, then adds: one
composite per alpha/beta.

These grid sums are for display and export (an RT Dose of the sum). Constraint checks on a
composite do not use them: ``accumulate`` looks every course up at the DVH engine's sample
points instead, so no peak is smoothed by resampling.
"""
from __future__ import annotations

import math

import numpy as np

from rtreview.core.dicom.dose_grid import DoseGrid

from .accumulate import Course  # noqa: F401 - one Course for grid sums and point accumulation
from .fractionation import eqd2_gy

MAX_VOXELS = 30_000_000


def _axis_weights(axis_mm: np.ndarray, coords_mm: np.ndarray):
    """(i0, i1, f, inside) for linear interpolation along one increasing axis."""
    n = axis_mm.size
    if n == 1:
        z = np.zeros(coords_mm.shape, dtype=np.int64)
        return z, z, np.zeros(coords_mm.shape), np.abs(coords_mm - axis_mm[0]) <= 1e-4
    inside = (coords_mm >= axis_mm[0] - 1e-4) & (coords_mm <= axis_mm[-1] + 1e-4)
    i0 = np.clip(np.searchsorted(axis_mm, coords_mm, side="right") - 1, 0, n - 2)
    f = np.clip((coords_mm - axis_mm[i0]) / (axis_mm[i0 + 1] - axis_mm[i0]), 0.0, 1.0)
    return i0, i0 + 1, f, inside


def resample_gy(dose: DoseGrid, x_mm: np.ndarray, y_mm: np.ndarray, z_mm: np.ndarray) -> np.ndarray:
    """``dose`` trilinearly interpolated at the voxel centres of the rectilinear grid (z, y, x),
    0 Gy outside the dose grid. float64, shape (len(z), len(y), len(x))."""
    d = np.asarray(dose.dose_gy, dtype=np.float64)
    ix0, ix1, fx, inx = _axis_weights(np.asarray(dose.x_mm, float), np.asarray(x_mm, float))
    iy0, iy1, fy, iny = _axis_weights(np.asarray(dose.y_mm, float), np.asarray(y_mm, float))
    iz0, iz1, fz, inz = _axis_weights(np.asarray(dose.z_mm, float), np.asarray(z_mm, float))
    d = d[:, :, ix0] * (1 - fx) + d[:, :, ix1] * fx
    d = d[:, iy0, :] * (1 - fy)[None, :, None] + d[:, iy1, :] * fy[None, :, None]
    d = d[iz0] * (1 - fz)[:, None, None] + d[iz1] * fz[:, None, None]
    return d * (inz[:, None, None] & iny[None, :, None] & inx[None, None, :])


def common_axes_mm(doses: list[DoseGrid], spacing_mm: tuple[float, float, float] | None = None,
                   max_voxels: int = MAX_VOXELS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Voxel-centre axes (x, y, z) of a grid covering every dose grid (see module docstring)."""
    if not doses:
        raise ValueError("no dose grids to combine")
    ref = min(doses, key=lambda g: float(np.prod(g.spacing_mm)))
    h = list(spacing_mm or ref.spacing_mm)
    lo = [min(float(getattr(g, a)[0]) for g in doses) for a in ("x_mm", "y_mm", "z_mm")]
    hi = [max(float(getattr(g, a)[-1]) for g in doses) for a in ("x_mm", "y_mm", "z_mm")]
    counts = [int(math.floor((hi[k] - lo[k]) / h[k] + 1e-6)) + 2 for k in range(3)]
    total = counts[0] * counts[1] * counts[2]
    if total > max_voxels:
        scale = (total / max_voxels) ** (1 / 3)
        h = [v * scale for v in h]
    origin = [float(ref.x_mm[0]), float(ref.y_mm[0]), float(ref.z_mm[0])]
    axes = []
    for k in range(3):
        first = origin[k] + math.floor((lo[k] - origin[k]) / h[k] + 1e-6) * h[k]
        n = int(math.ceil((hi[k] - first) / h[k] - 1e-6)) + 1
        axes.append(first + np.arange(n) * h[k])
    return axes[0], axes[1], axes[2]


def _check_frame(courses: list[Course]) -> str:
    frames = {c.dose.frame_of_reference_uid for c in courses if c.dose.frame_of_reference_uid}
    if len(frames) > 1:
        raise ValueError("the courses lie on different frames of reference "
                         f"({', '.join(c.label for c in courses)}); a composite needs a registration")
    return frames.pop() if frames else ""


def _grid(courses, dose_gy, axes, dose_type: str, note: str) -> DoseGrid:
    labels = " + ".join(c.label for c in courses)
    return DoseGrid(sop_instance_uid=f"composite:{labels}:{note}", path="", dose_gy=dose_gy.astype(np.float32),
                    x_mm=axes[0], y_mm=axes[1], z_mm=axes[2], summation_type="MULTI_PLAN", dose_type=dose_type,
                    frame_of_reference_uid=_check_frame(courses),
                    notes=[f"composite of {labels}: {note}; each course counts 0 Gy outside its own dose grid"])


def physical_sum(courses: list[Course], axes=None) -> DoseGrid:
    """The physical plan sum (Gy) on the common grid."""
    _check_frame(courses)
    axes = axes or common_axes_mm([c.dose for c in courses])
    total = sum(resample_gy(c.dose, *axes) for c in courses)
    return _grid(courses, total, axes, "PHYSICAL", "physical dose sum (Gy)")


def eqd2_sum(courses: list[Course], alpha_beta_gy: float, axes=None) -> DoseGrid:
    """The voxel-wise EQD2 sum (Gy EQD2) with ``alpha_beta_gy``, on the common grid."""
    _check_frame(courses)
    axes = axes or common_axes_mm([c.dose for c in courses])
    total = sum(eqd2_gy(resample_gy(c.dose, *axes), c.fractions, alpha_beta_gy) for c in courses)
    return _grid(courses, total, axes, "EFFECTIVE", f"voxel-wise EQD2 sum, alpha/beta {alpha_beta_gy:g} Gy")
