"""Dose samples of one chunk of contour planes: positions, volumes and interpolated doses.

Every cell of the sample grid touched by a plane's polygons gives ``m`` samples (one per
sub-slab of the plane's slab) whose volumes add up to (covered fraction x cell area x slab
thickness). Sample positions are stratified: inside full cells and sub-slabs each sample sits
at a deterministic low-discrepancy (R3 sequence) offset, so a dose gradient yields a continuous
distribution instead of one dose per row of cells. In boundary cells the offsets spread the
samples around the centroid of the covered part over a box with that part's variance along x
and y (exact moments from the rasterizer), at a stratified z. Each sample's dose is the
trilinear dose at its own position (``interpolate.FrameBlock``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .interpolate import FrameBlock
from .rasterize import CellGrid, PartialCells, coverage

# R3 low-discrepancy sequence: n * (1/g, 1/g², 1/g³) mod 1, g the root of x⁴ = x + 1.
_G = 1.2207440846057596
_ALPHA = (1.0 / _G, 1.0 / _G ** 2, 1.0 / _G ** 3)


def sample_chunk(planes, signs, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray, grid: CellGrid, dose,
                 z_tolerance_gy: float, outer=None,
                 face_doses: list | None = None) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``(dose_gy, volume_mm3, covered_mm3, uncovered_mm3)``: the samples' doses and volumes
    (float32) and their total volume (float64 sum; ``uncovered_mm3`` is 0).

    The planes' polygons and slabs must lie within the dose grid's ``covered_box`` (the caller
    clips them: ``contour_stack.clip_to_dose``), so every sample is covered.

    ``signs``: the planes' ``even_odd_signs``; ``lo``/``hi``: the planes' slabs (mm); ``counts``: sub-slabs per plane, reduced to 1 when the
    dose varies by less than ``z_tolerance_gy`` along z over the chunk.
    Every sample's dose is the trilinear dose at its own position, so it lies within the range
    of the 8 dose grid nodes around it (no extrapolation past a local maximum or minimum).
    ``outer``, ``face_doses``: see ``sample_cells``.
    """
    cov, parts = coverage(planes, grid, centroids=True, signs=signs)
    return sample_cells(cov, parts, lo, hi, counts, grid, dose, z_tolerance_gy, outer, face_doses)


def sample_cells(cov: np.ndarray, parts: PartialCells, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray,
                 grid: CellGrid, dose, z_tolerance_gy: float, outer=None,
                 face_doses: list | None = None) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``sample_chunk`` from the planes' cell coverage already known: ``cov`` (P, ny, nx) covered
    fractions and ``parts`` the partially covered cells' centroids and spreads (``rasterize.coverage``
    with ``centroids=True``, or a combination of several structures' coverages: derived structures).
    Every cell must lie within the dose grid's ``covered_box``.

    ``outer = (outer_lo, outer_hi)``: per plane, whether its slab's lower / upper face bounds the
    structure (an end cap or a cut by the dose grid, ``sampling.Slabs``). With ``face_doses`` (a
    list), the doses of the samples of the first / last sub-slab moved onto those faces are
    appended to it: the extremes of the structure at its caps, which samples stratified inside
    the sub-slab approach but do not reach. They carry no volume."""
    cov = cov.reshape(-1)
    occupied = np.flatnonzero(cov > 1e-12)
    if occupied.size == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32), 0.0, 0.0
    f0, f1 = _frame_range(dose.z_mm, lo[0], hi[-1])
    block = FrameBlock(dose, grid, f0, f1)
    single = block.single(z_tolerance_gy)
    u, v, z, weight, covered, layout = _positions(cov, occupied, parts, lo, hi, counts, grid, single)
    if face_doses is not None and outer is not None:
        _face_doses(face_doses, block, layout, outer, lo, hi, u, v)
    d = block.at(u, v, z)
    np.maximum(d, 0.0, out=d)
    return d, weight, covered, 0.0


def sample_positions(cov: np.ndarray, parts: PartialCells, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray,
                     grid: CellGrid, dose=None, z_tolerance_gy: float = 0.0, outer=None):
    """Where ``sample_cells`` puts its samples: ``(x_mm, y_mm, z_mm, volume_mm3, covered_mm3, dose_gy,
    faces)`` (float64 positions, float32 volumes; ``faces`` = (x, y, z, dose or None) of the samples
    moved onto the outer faces, where ``sample_cells`` looks for extremes).

    With ``dose``: exactly ``sample_cells``'s samples (sub-slabs merged where that dose varies
    by less than ``z_tolerance_gy`` along z) and ``dose_gy`` their doses as it computes them
    (float32). Without: every plane's slab split into its ``counts`` sub-slabs, ``dose_gy`` None."""
    cov = cov.reshape(-1)
    occupied = np.flatnonzero(cov > 1e-12)
    empty = np.zeros(0)
    if occupied.size == 0:
        none = None if dose is None else np.zeros(0, np.float32)
        return empty, empty, empty, np.zeros(0, np.float32), 0.0, none, (empty, empty, empty, none)
    block, single = None, False
    if dose is not None:
        f0, f1 = _frame_range(dose.z_mm, lo[0], hi[-1])
        block = FrameBlock(dose, grid, f0, f1)
        single = block.single(z_tolerance_gy)
    u, v, z, weight, covered, layout = _positions(cov, occupied, parts, lo, hi, counts, grid, single)
    faces = (empty, empty, empty, None if block is None else np.zeros(0, np.float32))
    if outer is not None:
        picks = [(pick, face_z) for pick, face_z in _face_points(layout, outer, lo, hi)]
        if picks:
            fu = np.concatenate([u.take(p) for p, _ in picks])
            fv = np.concatenate([v.take(p) for p, _ in picks])
            fz = np.concatenate([face_z for _, face_z in picks])
            face_dose = None
            if block is not None:  # as sample_cells computes them (float32)
                face_dose = np.maximum(block.at(fu, fv, fz), 0.0)
            faces = (grid.x0 + fu.astype(np.float64) * grid.hx, grid.y0 + fv.astype(np.float64) * grid.hy,
                     fz.astype(np.float64), face_dose)
    d = None
    if block is not None:
        d = block.at(u, v, z)
        np.maximum(d, 0.0, out=d)
    x = grid.x0 + u.astype(np.float64) * grid.hx
    y = grid.y0 + v.astype(np.float64) * grid.hy
    return x, y, np.asarray(z, dtype=np.float64), weight, covered, d, faces


def _positions(cov: np.ndarray, occupied: np.ndarray, parts: PartialCells, lo: np.ndarray, hi: np.ndarray,
               counts: np.ndarray, grid: CellGrid, single: bool):
    """Sample positions (u, v in cell units, float32; z in mm), volumes (mm³, float32) and their
    total, and the samples' ``Layout``. ``single``: one sub-slab per plane.

    Samples are ordered by plane, then occupied cell (flat order), then sub-slab: plane p's
    samples are ``layout.start[p]:layout.start[p + 1]``, ``layout.m[p]`` per cell."""
    cells = grid.ny * grid.nx
    n_planes = lo.size
    m = np.ones(n_planes, np.int64) if single else np.asarray(counts, dtype=np.int64).copy()
    # Occupied cells per plane (occupied is sorted): plane-constant values are repeated, not gathered.
    bounds = np.searchsorted(occupied, np.arange(n_planes + 1) * cells)
    per_plane = np.diff(bounds)
    plane = np.repeat(np.arange(n_planes), per_plane)

    # Per occupied cell: where its samples spread (cell units). Full cells: over the whole cell;
    # partially covered cells: around the covered part's centroid over a box with its variance.
    col = occupied - plane * cells
    row = col // grid.nx  # floor_divide by a scalar: much quicker than np.divmod, the same integers
    col -= row * grid.nx
    u_c = col.astype(np.float32)
    u_c += np.float32(0.5)
    v_c = row.astype(np.float32)
    v_c += np.float32(0.5)
    s_u = s_v = None
    if parts.index.size:
        flag = np.zeros(cov.size, bool)
        flag[parts.index] = True
        where = np.flatnonzero(flag.take(occupied))  # the occupied cells that are partial (indices:
        del flag                                     # quicker than boolean masks below)
        if where.size:
            if where.size == parts.index.size:  # every partial cell is occupied (sorted, distinct): in order
                cu, cv, su, sv = parts.cu, parts.cv, parts.su, parts.sv
            else:
                hit = np.searchsorted(parts.index, occupied.take(where))
                cu, cv, su, sv = parts.cu[hit], parts.cv[hit], parts.su[hit], parts.sv[hit]
            u_c.put(where, col.take(where) + cu)  # float64 sums rounded to float32 on the way in
            v_c.put(where, row.take(where) + cv)
            s_u = np.ones(occupied.size, np.float32)
            s_v = np.ones(occupied.size, np.float32)
            s_u.put(where, su)
            s_v.put(where, sv)
    del row, col
    # Volumes: per occupied cell (float64, summed exactly), split evenly over its sub-slabs.
    thickness = hi - lo
    slab = np.repeat(thickness, per_plane)
    cell_volume = cov[occupied]
    cell_volume *= grid.hx * grid.hy
    cell_volume *= slab
    covered = float(cell_volume.sum())
    layout = Layout(np.concatenate(([0], np.cumsum(per_plane * m))), m)
    n_cells = occupied.size
    if np.all(m == 1):
        du, dv, dz = _offsets(n_cells)
        weight = cell_volume.astype(np.float32)
        z = np.multiply(dz, slab)
        del cell_volume, slab
        z += np.repeat(lo, per_plane)
        if s_u is None:
            return du + u_c, dv + v_c, z, weight, covered, layout
        u = np.multiply(du, s_u)
        u += u_c
        v = np.multiply(dv, s_v)
        v += v_c
        return u, v, z, weight, covered, layout
    if np.all(m == m[0]):
        # The same number k of sub-slabs everywhere: per-sample arrays filled as (cells, k), one
        # sub-slab column at a time from the per-cell values (the same arithmetic per sample as
        # repeating them, without the repeated copies).
        k = int(m[0])
        du, dv, dz = (a.reshape(n_cells, k) for a in _offsets(n_cells * k))
        cell_weight = (cell_volume / k).astype(np.float32)
        del cell_volume, slab
        step = np.repeat(thickness / m, per_plane)
        base = np.repeat(lo, per_plane)
        weight = np.empty((n_cells, k), np.float32)
        z = np.empty((n_cells, k))
        u = np.empty((n_cells, k), np.float32)
        v = np.empty((n_cells, k), np.float32)
        for j in range(k):
            weight[:, j] = cell_weight
            zj = z[:, j]
            np.add(dz[:, j], j, out=zj, dtype=np.float64)  # sub-slab index + offset (float64)
            zj *= step
            zj += base
            if s_u is None:
                np.add(du[:, j], u_c, out=u[:, j])
                np.add(dv[:, j], v_c, out=v[:, j])
            else:
                np.multiply(du[:, j], s_u, out=u[:, j])
                u[:, j] += u_c
                np.multiply(dv[:, j], s_v, out=v[:, j])
                v[:, j] += v_c
        return u.reshape(-1), v.reshape(-1), z.reshape(-1), weight.reshape(-1), covered, layout
    reps = np.repeat(m, per_plane)
    weight = (cell_volume / reps).astype(np.float32).repeat(reps)
    del cell_volume, slab
    n = int(layout.start[-1])
    du, dv, dz = _offsets(n)
    z = np.add(np.arange(n) - np.repeat(np.cumsum(reps) - reps, reps), dz)  # sub-slab index + offset
    z *= np.repeat(thickness / m, per_plane * m)
    z += np.repeat(lo, per_plane * m)
    if s_u is None:
        u = u_c.repeat(reps)
        u += du
        v = v_c.repeat(reps)
        v += dv
    else:
        u = np.multiply(du, s_u.repeat(reps))
        u += u_c.repeat(reps)
        v = np.multiply(dv, s_v.repeat(reps))
        v += v_c.repeat(reps)
    return u, v, z, weight, covered, layout


class Layout(NamedTuple):
    """Where each plane's samples are: plane p has samples ``start[p]:start[p + 1]``, ``m[p]``
    consecutive ones (its sub-slabs, lowest first) per occupied cell."""

    start: np.ndarray
    m: np.ndarray


def _face_points(layout: Layout, outer, lo: np.ndarray, hi: np.ndarray):
    """Per outer face side: (samples of its first / last sub-slab, the face's z per such sample)."""
    outer_lo, outer_hi = outer
    start, m = layout.start, layout.m
    for faces, chosen, last in ((lo, outer_lo, False), (hi, outer_hi, True)):
        picks, face_z = [], []
        for p in np.flatnonzero(chosen):
            a, b, step = int(start[p]), int(start[p + 1]), int(m[p])
            if b > a:
                picks.append(np.arange(a + (step - 1 if last else 0), b, step))
                face_z.append(np.full(picks[-1].size, faces[p]))
        if picks:
            yield np.concatenate(picks), np.concatenate(face_z)


def _face_doses(out: list, block, layout: Layout, outer, lo: np.ndarray, hi: np.ndarray,
                u: np.ndarray, v: np.ndarray) -> None:
    """Doses of the samples of each outer face's sub-slab, moved onto that face (see sample_cells)."""
    for pick, face_z in _face_points(layout, outer, lo, hi):
        d = block.at(u.take(pick), v.take(pick), face_z)
        out.append(np.maximum(d, 0.0))


_OFFSETS = np.zeros((3, 0), np.float32)


def _offsets(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first n points of the R3 sequence: (du, dv) in [-0.5, 0.5), dz in [0, 1) (float32)."""
    global _OFFSETS
    table = _OFFSETS  # one read: another thread may replace the cache meanwhile
    if table.shape[1] < n:
        # Only the new points (each is computed alone: the same values as computing all again).
        k = np.arange(table.shape[1], max(n, 2 * table.shape[1]), dtype=np.float64)
        grown = 0.5 + k[None, :] * np.array(_ALPHA)[:, None]
        grown -= np.floor(grown)  # = np.mod(grown, 1.0), exactly (grown > 0), several times quicker
        grown[:2] -= 0.5
        table = np.concatenate((table, grown.astype(np.float32)), axis=1)
        _OFFSETS = table
    return table[0, :n], table[1, :n], table[2, :n]


def _frame_range(z_axis: np.ndarray, z_lo: float, z_hi: float) -> tuple[int, int]:
    """First and last frame index needed to interpolate anywhere in [z_lo, z_hi]."""
    n = z_axis.size
    if n == 1:
        return 0, 0
    f0 = int(np.clip(np.searchsorted(z_axis, z_lo, side="right") - 1, 0, n - 2))
    f1 = int(np.clip(np.searchsorted(z_axis, z_hi, side="left"), f0 + 1, n - 1))
    return f0, f1
