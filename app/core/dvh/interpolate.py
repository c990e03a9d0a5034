"""Trilinear interpolation of a DoseGrid: at scattered points, and per frame on a cell grid.

A point is *covered* when it lies within the grid's voxel-centre hull along every axis (with
a 1e-4 mm tolerance; along an axis of a single frame/row/column: within ``single_tolerance_mm``).
Uncovered points get no dose: callers account for their volume separately.
"""
from __future__ import annotations

import numpy as np

from .rasterize import CellGrid

TOLERANCE_MM = 1e-4


def axis_weights(axis_mm: np.ndarray, coords_mm: np.ndarray,
                 single_tolerance_mm: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Linear interpolation along one strictly increasing axis.

    Returns ``(i0, i1, f, inside)``: value = (1 - f) * v[i0] + f * v[i1]; ``inside`` marks the
    coordinates within the axis range (f is clamped outside it).
    """
    coords = np.asarray(coords_mm, dtype=float)
    n = axis_mm.size
    if n == 1:
        zeros = np.zeros(coords.shape, dtype=np.int64)
        inside = np.abs(coords - axis_mm[0]) <= single_tolerance_mm
        return zeros, zeros, np.zeros(coords.shape), inside
    inside = (coords >= axis_mm[0] - TOLERANCE_MM) & (coords <= axis_mm[-1] + TOLERANCE_MM)
    step = (axis_mm[-1] - axis_mm[0]) / (n - 1)
    gaps = np.diff(axis_mm)
    if float(gaps.max() - gaps.min()) <= 1e-6 * max(step, 1.0):
        # Uniform axis: arithmetic instead of a binary search.
        position = (coords - axis_mm[0]) / step
        i0 = np.minimum(np.maximum(position.astype(np.int64), 0), n - 2)
    else:
        i0 = np.minimum(np.maximum(np.searchsorted(axis_mm, coords, side="right") - 1, 0), n - 2)
        left = axis_mm[i0]
        position = i0 + (coords - left) / (axis_mm[i0 + 1] - left)
    f = np.minimum(np.maximum(position - i0, 0.0), 1.0)
    return i0, i0 + 1, f, inside


def _single_tolerance(dose) -> float:
    if min(dose.dose_gy.shape) > 1:
        return 0.0  # only used along an axis of a single sample
    dx, dy, _ = dose.spacing_mm
    return 0.5 * max(dx, dy)


def trilinear(dose, x_mm: np.ndarray, y_mm: np.ndarray, z_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dose (Gy, float64) at points and their covered mask; uncovered points get NaN."""
    tol = _single_tolerance(dose)
    ix0, ix1, fx, inx = axis_weights(dose.x_mm, x_mm, tol)
    iy0, iy1, fy, iny = axis_weights(dose.y_mm, y_mm, tol)
    iz0, iz1, fz, inz = axis_weights(dose.z_mm, z_mm, tol)
    flat = dose.dose_gy.reshape(-1)
    nz, ny, nx = dose.dose_gy.shape
    value = np.zeros(np.shape(x_mm))
    for iz, wz in ((iz0, 1.0 - fz), (iz1, fz)):
        for iy, wy in ((iy0, 1.0 - fy), (iy1, fy)):
            row = (iz * ny + iy) * nx
            value += (wz * wy) * ((1.0 - fx) * flat.take(row + ix0) + fx * flat.take(row + ix1))
    inside = inx & iny & inz
    return np.where(inside, value, np.nan), inside


def bilinear_frames(dose, grid: CellGrid, first_frame: int, last_frame: int) -> tuple[np.ndarray, np.ndarray]:
    """In-plane bilinear dose at the cell centres of ``grid`` on frames first..last (inclusive).

    Returns ``(values (n_frames, ny, nx) float32, inside_xy (ny, nx) bool)``. Separable: one
    interpolation along x, one along y, on the frames' sub-block only.
    """
    tol = _single_tolerance(dose)
    ix0, ix1, fx, inx = axis_weights(dose.x_mm, grid.x_centres_mm, tol)
    iy0, iy1, fy, iny = axis_weights(dose.y_mm, grid.y_centres_mm, tol)
    # Only the columns and rows the cells need, then two gathers per axis.
    x_lo, x_hi = int(ix0.min()), int(ix1.max()) + 1
    y_lo, y_hi = int(iy0.min()), int(iy1.max()) + 1
    block = dose.dose_gy[first_frame:last_frame + 1, y_lo:y_hi, x_lo:x_hi]
    ix0, ix1, iy0, iy1 = ix0 - x_lo, ix1 - x_lo, iy0 - y_lo, iy1 - y_lo
    fy32, fx32 = fy.astype(np.float32), fx.astype(np.float32)
    rows = block[:, iy0, :] * (1.0 - fy32)[None, :, None] + block[:, iy1, :] * fy32[None, :, None]
    values = rows[:, :, ix0] * (1.0 - fx32) + rows[:, :, ix1] * fx32
    return values, iny[:, None] & inx[None, :]


def frame_weights(dose, z_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``axis_weights`` along the dose grid's frames (z)."""
    return axis_weights(dose.z_mm, z_mm, _single_tolerance(dose))
