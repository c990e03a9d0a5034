"""Trilinear interpolation of a DoseGrid: at scattered points (mm), and fast at many points of a cell grid.

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
    value, inside = _trilinear(dose, x_mm, y_mm, z_mm)
    return np.where(inside, value, np.nan), inside


def _trilinear(dose, x_mm, y_mm, z_mm) -> tuple[np.ndarray, np.ndarray]:
    """Trilinear dose with the weights clamped at the grid's edges, and the covered mask."""
    tol = _single_tolerance(dose)
    ix0, ix1, fx, inx = axis_weights(dose.x_mm, x_mm, tol)
    iy0, iy1, fy, iny = axis_weights(dose.y_mm, y_mm, tol)
    iz0, iz1, fz, inz = axis_weights(dose.z_mm, z_mm, tol)
    flat = dose.dose_gy.reshape(-1)
    nz, ny, nx = dose.dose_gy.shape
    value = np.zeros(np.shape(x_mm))
    gx = 1.0 - fx
    # Node ix1 = ix0 + 1 (ix1 = ix0 = 0 on a single column): read from the view shifted by one.
    right = flat[1:] if nx > 1 else flat
    gy = 1.0 - fy
    for iz, wz in ((iz0, 1.0 - fz), (iz1, fz)):
        for iy, wy in ((iy0, gy), (iy1, fy)):
            row = iz * ny
            row += iy
            row *= nx
            row += ix0
            value += (wz * wy) * (gx * flat.take(row) + fx * right.take(row))
    return value, inx & iny & inz


def frame_weights(dose, z_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``axis_weights`` along the dose grid's frames (z)."""
    return axis_weights(dose.z_mm, z_mm, _single_tolerance(dose))


class FrameBlock:
    """The dose nodes that points of a cell grid need on frames ``first..last``: trilinear dose at
    many points given in cell units of ``grid`` (u = (x - x0) / hx, v likewise), float32.

    The true trilinear value, so a dose never leaves the range of the 8 nodes around its point.
    Falls back to ``trilinear`` for non-uniform x / y axes and single-row / single-column grids.
    """

    def __init__(self, dose, grid: CellGrid, first_frame: int, last_frame: int):
        self.dose, self.grid, self.f0 = dose, grid, first_frame
        self.n_frames = last_frame - first_frame + 1
        x, y = dose.x_mm, dose.y_mm
        self.fast = x.size > 1 and y.size > 1 and _uniform(x) and _uniform(y)
        if self.fast:
            self.dx = (x[-1] - x[0]) / (x.size - 1)
            self.dy = (y[-1] - y[0]) / (y.size - 1)
            x_lo, x_hi = self._span((grid.x0 - x[0]) / self.dx, grid.nx * grid.hx / self.dx, x.size)
            y_lo, y_hi = self._span((grid.y0 - y[0]) / self.dy, grid.ny * grid.hy / self.dy, y.size)
            self.x_lo, self.y_lo = x_lo, y_lo
            self.block = np.ascontiguousarray(dose.dose_gy[first_frame:last_frame + 1, y_lo:y_hi + 1, x_lo:x_hi + 1],
                                              dtype=np.float32)
            frames = dose.z_mm[first_frame:last_frame + 1]
            # Uniform frames of the block: positions by arithmetic (else binary search).
            self.z_step = float(frames[1] - frames[0]) if frames.size > 1 and _uniform(frames) else 0.0
        else:
            self.block = dose.dose_gy[first_frame:last_frame + 1]

    @staticmethod
    def _span(start: float, length: float, n: int) -> tuple[int, int]:
        lo = min(max(int(np.floor(start)), 0), n - 2)
        hi = min(max(int(np.ceil(start + length)), lo + 1), n - 1)
        return lo, hi

    def z_variation_gy(self) -> float:
        """Largest change of the dose between consecutive frames of the block (0 for one frame)."""
        if self.n_frames < 2:
            return 0.0
        return float(np.max(np.abs(np.diff(self.block, axis=0))))

    def single(self, tolerance_gy: float) -> bool:
        """``n_frames < 2 or z_variation_gy() < tolerance_gy`` (the same answer), looking at the
        middle pair of frames first: where the dose varies, that pair alone usually shows it."""
        if self.n_frames < 2:
            return True
        mid = (self.n_frames - 1) // 2
        if float(np.max(np.abs(self.block[mid + 1] - self.block[mid]))) >= tolerance_gy:
            return False  # the largest change over all pairs is at least this one's
        return self.z_variation_gy() < tolerance_gy

    def at(self, u: np.ndarray, v: np.ndarray, z_mm: np.ndarray) -> np.ndarray:
        """Dose (float32) at points given by u, v in cell units and z in mm, all within
        ``covered_box(dose)`` (points outside get the dose of the nearest point of the box)."""
        grid, dose = self.grid, self.dose
        if not self.fast:
            (x_lo, x_hi), (y_lo, y_hi), (z_lo, z_hi) = covered_box(dose)
            value, _ = _trilinear(dose, np.clip(grid.x0 + u * grid.hx, x_lo, x_hi),
                                  np.clip(grid.y0 + v * grid.hy, y_lo, y_hi), np.clip(z_mm, z_lo, z_hi))
            return value.astype(np.float32)
        _, by, bx = self.block.shape
        # Positions in dose-index units of the block, clamped into it.
        px = np.multiply(u, np.float32(grid.hx / self.dx))
        px += np.float32((grid.x0 - dose.x_mm[0]) / self.dx - self.x_lo)
        py = np.multiply(v, np.float32(grid.hy / self.dy))
        py += np.float32((grid.y0 - dose.y_mm[0]) / self.dy - self.y_lo)
        ix, fx = _cell_and_fraction(px, bx)
        iy, fy = _cell_and_fraction(py, by)
        # Flat node index (intp: numpy's own index type, the fastest for take).
        k = iy.astype(np.intp)
        del iy
        k *= bx
        k += ix
        del ix
        if self.n_frames > 1:
            z_axis = dose.z_mm
            if self.z_step:
                pz = np.subtract(z_mm, z_axis[self.f0])
                pz /= self.z_step
                iz, fz = _cell_and_fraction(pz.astype(np.float32), self.n_frames)
            else:
                iz0, _, fz, _ = frame_weights(dose, z_mm)
                iz = np.clip(iz0 - self.f0, 0, self.n_frames - 2).astype(np.int32)
                fz = fz.astype(np.float32)
            k += iz.astype(np.intp) * (by * bx)
        flat = self.block.reshape(-1)

        def plane(offset: int) -> np.ndarray:
            # The 4 nodes around each point on one frame, as views shifted by the node offsets.
            low = flat[offset:].take(k)
            high = flat[offset + 1:].take(k)
            high -= low
            high *= fx
            low += high
            high = flat[offset + bx:].take(k)
            right = flat[offset + bx + 1:].take(k)
            right -= high
            right *= fx
            high += right
            high -= low
            high *= fy
            low += high
            return low

        d = plane(0)
        if self.n_frames > 1:
            upper = plane(by * bx)
            upper -= d
            upper *= fz
            d += upper
        return d


def _cell_and_fraction(position: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index i in [0, n - 2] and fraction f in [0, 1] of float32 positions along an axis of n nodes
    (a float32 ``position`` is overwritten: it becomes f).

    np.clip is the clamp (several times quicker than np.maximum / np.minimum with a scalar): the
    same integers, and the same fractions except that clip keeps a -0.0 where maximum gives +0.0;
    f is never -0.0 (positions are >= +0.0: cell and frame offsets from the grid's lower edge)."""
    i = position.astype(np.int32)
    np.clip(i, 0, n - 2, out=i)
    f = np.subtract(position, i, dtype=np.float32, out=position if position.dtype == np.float32 else None)
    np.clip(f, np.float32(0.0), np.float32(1.0), out=f)
    return i, f


def covered_box(dose) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """The covered region: (lo, hi) along x, y and z of the hull of the voxel centres, with the
    tolerances of ``axis_weights``."""
    single = _single_tolerance(dose)

    def span(axis: np.ndarray) -> tuple[float, float]:
        tol = TOLERANCE_MM if axis.size > 1 else single
        return float(axis[0]) - tol, float(axis[-1]) + tol

    return span(dose.x_mm), span(dose.y_mm), span(dose.z_mm)


def _uniform(axis: np.ndarray) -> bool:
    gaps = np.diff(axis)
    step = (axis[-1] - axis[0]) / (axis.size - 1)
    return float(gaps.max() - gaps.min()) <= 1e-6 * max(abs(step), 1.0) and step > 0
