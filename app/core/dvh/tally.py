"""Dose samples of one chunk of contour planes: positions, volumes and interpolated doses.

Every cell of the sample grid touched by a plane's polygons gives ``m`` samples (one per
sub-slab of the plane's slab) whose volumes add up to (covered fraction x cell area x slab
thickness). Sample positions are stratified: inside full cells and sub-slabs each sample sits
at a deterministic low-discrepancy (R3 sequence) offset, so a dose gradient yields a continuous
distribution instead of one dose per row of cells. In boundary cells the offsets spread the
samples around the centroid of the covered part over a box with that part's variance along x
and y (exact moments from the rasterizer), at a stratified z.
"""
from __future__ import annotations

import numpy as np

from .interpolate import TOLERANCE_MM, bilinear_frames, frame_weights, trilinear
from .rasterize import CellGrid, coverage

# R3 low-discrepancy sequence: n * (1/g, 1/g², 1/g³) mod 1, g the root of x⁴ = x + 1.
_G = 1.2207440846057596
_ALPHA = (1.0 / _G, 1.0 / _G ** 2, 1.0 / _G ** 3)
FULL = 1.0 - 1e-9


def sample_chunk(planes, signs, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray, grid: CellGrid, dose,
                 z_tolerance_gy: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``(dose_gy, volume_mm3, covered_mm3, uncovered_mm3)``: the covered samples' doses and
    volumes (float32) and the covered and uncovered volumes of these planes (float64 sums).

    ``signs``: the planes' ``even_odd_signs``; ``lo``/``hi``: the planes' slabs (mm); ``counts``: sub-slabs per plane, reduced to 1 when the
    dose varies by less than ``z_tolerance_gy`` along z over the chunk.
    """
    cells = grid.ny * grid.nx
    cov, parts = coverage(planes, grid, centroids=True, signs=signs)
    cov = cov.reshape(-1)
    occupied = np.flatnonzero(cov > 1e-12)
    if occupied.size == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32), 0.0, 0.0
    f0, f1 = _frame_range(dose.z_mm, lo[0], hi[-1])
    frames, inside_xy = bilinear_frames(dose, grid, f0, f1)
    m = counts.copy()
    if frames.shape[0] < 2 or np.max(np.abs(np.diff(frames, axis=0))) < z_tolerance_gy:
        m[:] = 1
    value, slope_x, slope_y = (a.reshape(-1) for a in _value_and_slopes(frames))

    plane = occupied // cells
    if np.all(m == 1):
        flat, p = occupied, plane
        sub = 0.0
    else:
        reps = m[plane]
        owner = np.repeat(np.arange(occupied.size), reps)
        sub = np.arange(owner.size) - np.repeat(np.cumsum(reps) - reps, reps)
        flat = occupied[owner]
        p = plane[owner]
    c = flat - p * cells
    du, dv, dz = _offsets(flat.size)
    thick = ((hi - lo) / m)[p]
    z = lo[p] + (sub + dz) * thick
    weight = cov[flat] * (grid.hx * grid.hy) * thick

    iz0, iz1, fz, inside = frame_weights(dose, z)
    inside &= inside_xy.reshape(-1)[c]
    k = (iz0 - f0) * cells + c
    d = value.take(k) + slope_x.take(k) * du + slope_y.take(k) * dv
    if frames.shape[0] > 1:
        k = (iz1 - f0) * cells + c
        d1 = value.take(k) + slope_x.take(k) * du + slope_y.take(k) * dv
        d += (d1 - d) * fz.astype(np.float32)

    # Boundary cells, and cells across the dose grid's edge: exact position, trilinear dose and
    # coverage test per sample.
    partial = np.flatnonzero((cov[flat] < FULL) | _across_grid_edge(dose, grid)[c])
    if partial.size:
        fp = flat[partial]
        row, col = np.divmod(c[partial], grid.nx)
        # Partially covered: spread around the covered part's centroid; full (cells across the
        # grid edge): over the whole cell.
        where = np.minimum(np.searchsorted(parts.index, fp), max(parts.index.size - 1, 0))
        is_part = parts.index[where] == fp if parts.index.size else np.zeros(fp.size, bool)
        cu = np.where(is_part, parts.cu[where], 0.5) if parts.index.size else np.full(fp.size, 0.5)
        cv = np.where(is_part, parts.cv[where], 0.5) if parts.index.size else np.full(fp.size, 0.5)
        su = np.where(is_part, parts.su[where], 1.0) if parts.index.size else np.ones(fp.size)
        sv = np.where(is_part, parts.sv[where], 1.0) if parts.index.size else np.ones(fp.size)
        px = grid.x0 + (col + cu + du[partial] * su) * grid.hx
        py = grid.y0 + (row + cv + dv[partial] * sv) * grid.hy
        d_p, in_p = trilinear(dose, px, py, z[partial])
        d[partial] = np.where(in_p, d_p, 0.0)
        inside[partial] = in_p
    np.maximum(d, 0.0, out=d)
    if inside.all():
        return d, weight.astype(np.float32), float(weight.sum()), 0.0
    covered = weight[inside]
    return d[inside], covered.astype(np.float32), float(covered.sum()), float(weight[~inside].sum())


def _across_grid_edge(dose, grid: CellGrid) -> np.ndarray:
    """Flat (ny * nx) mask of the cells through which the dose grid's outer voxel centres pass."""
    def across(centres: np.ndarray, h: float, axis: np.ndarray) -> np.ndarray:
        if axis.size < 2:
            return np.zeros(centres.size, bool)
        lo, hi = centres - 0.5 * h, centres + 0.5 * h
        a0, a1 = axis[0] - TOLERANCE_MM, axis[-1] + TOLERANCE_MM
        return ((lo < a0) & (hi > a0)) | ((lo < a1) & (hi > a1))
    rows = across(grid.y_centres_mm, grid.hy, dose.y_mm)
    cols = across(grid.x_centres_mm, grid.hx, dose.x_mm)
    return (rows[:, None] | cols[None, :]).reshape(-1)


_OFFSETS = np.zeros((3, 0), np.float32)


def _offsets(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first n points of the R3 sequence: (du, dv) in [-0.5, 0.5), dz in [0, 1) (float32)."""
    global _OFFSETS
    table = _OFFSETS  # one read: another thread may replace the cache meanwhile
    if table.shape[1] < n:
        k = np.arange(max(n, 2 * table.shape[1]), dtype=np.float64)
        grown = np.mod(0.5 + k[None, :] * np.array(_ALPHA)[:, None], 1.0)
        grown[:2] -= 0.5
        table = grown.astype(np.float32)
        _OFFSETS = table
    return table[0, :n], table[1, :n], table[2, :n]


def _value_and_slopes(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dose at cell centres and its change per cell along x and y, (n_frames, ny, nx) float32."""
    value = frames.astype(np.float32)
    slope_x = np.gradient(value, axis=2) if value.shape[2] > 1 else np.zeros_like(value)
    slope_y = np.gradient(value, axis=1) if value.shape[1] > 1 else np.zeros_like(value)
    return value, slope_x, slope_y


def _frame_range(z_axis: np.ndarray, z_lo: float, z_hi: float) -> tuple[int, int]:
    """First and last frame index needed to interpolate anywhere in [z_lo, z_hi]."""
    n = z_axis.size
    if n == 1:
        return 0, 0
    f0 = int(np.clip(np.searchsorted(z_axis, z_lo, side="right") - 1, 0, n - 2))
    f1 = int(np.clip(np.searchsorted(z_axis, z_hi, side="left"), f0 + 1, n - 1))
    return f0, f1
