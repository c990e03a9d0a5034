"""Planar contours -> exact fractional coverage of the cells of a regular grid.

The area-coverage accumulation of font rasterizers: every polygon edge is split where it
crosses the grid's column and row lines; each piece, lying in one cell, adds its signed height
``dy`` to the cells right of it (``cover``) and ``dy * (1 - mean x in cell)`` to its own cell
(``area``). A cumulative sum along x then gives, per cell, the exact winding-number-weighted
area fraction. Contours are first given a sign by their even-odd nesting depth on the plane,
so holes subtract and islands in holes add back: the even-odd rule. No loop over points or
cells; one loop over contours (for signs) per call.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CellGrid:
    """A regular grid of cells in a plane: cell (j, i) spans x in [x0 + i*hx, x0 + (i+1)*hx]
    and y in [y0 + j*hy, y0 + (j+1)*hy] (mm)."""

    x0: float
    y0: float
    hx: float
    hy: float
    nx: int
    ny: int

    @property
    def x_centres_mm(self) -> np.ndarray:
        return self.x0 + (np.arange(self.nx) + 0.5) * self.hx

    @property
    def y_centres_mm(self) -> np.ndarray:
        return self.y0 + (np.arange(self.ny) + 0.5) * self.hy


def signed_area_mm2(polygon: np.ndarray) -> float:
    """Shoelace area of a closed polygon (N, 2) (positive when counter-clockwise in x-y)."""
    x, y = polygon[:, 0], polygon[:, 1]
    # Shoelace about the first vertex (better conditioned far from the origin).
    x = x[1:] - x[0]
    y = y[1:] - y[0]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def polygon_areas_mm2(polygons: list[np.ndarray]) -> np.ndarray:
    """Signed shoelace areas of many polygons at once (one vectorized pass)."""
    if not polygons:
        return np.zeros(0)
    sizes = np.array([len(p) for p in polygons])
    xy = np.concatenate(polygons)
    starts = np.cumsum(sizes) - sizes
    # About each polygon's first vertex (better conditioned far from the origin).
    xy = xy - np.repeat(xy[starts], sizes, axis=0)
    nxt = np.arange(1, xy.shape[0] + 1)
    nxt[starts + sizes - 1] = starts
    cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
    return 0.5 * np.add.reduceat(cross, starts)


def clip_to_box(polygon: np.ndarray, x_lo: float, x_hi: float, y_lo: float, y_hi: float) -> np.ndarray:
    """The polygon (N, 2) projected onto the box: vertices inserted where edges cross its lines,
    then coordinates clamped. Inside the box the winding number of the result equals the
    polygon's (the projection onto a convex set is homotopic to the identity without crossing
    any interior point); outside it is 0. So the even-odd coverage of the result is exactly the
    polygon's coverage within the box."""
    p = _clamp_axis(np.asarray(polygon, dtype=float), 0, x_lo, x_hi)
    return _clamp_axis(p, 1, y_lo, y_hi)


def box_crossings(polygon: np.ndarray, x_lo: float, x_hi: float, y_lo: float, y_hi: float) -> np.ndarray:
    """Points (M, 2) where the polygon's edges cross the box's four lines, within the box: with
    the polygon's own vertices inside the box, the corners of its part inside the box."""
    p = np.asarray(polygon, dtype=float)
    q = np.roll(p, -1, axis=0)
    found = []
    for axis, line in ((0, x_lo), (0, x_hi), (1, y_lo), (1, y_hi)):
        a, b = p[:, axis], q[:, axis]
        cross = (a - line) * (b - line) < 0
        if cross.any():
            t = (line - a[cross]) / (b[cross] - a[cross])
            found.append(p[cross] + t[:, None] * (q[cross] - p[cross]))
    if not found:
        return np.zeros((0, 2))
    points = np.concatenate(found)
    eps = 1e-9 * max(1.0, x_hi - x_lo, y_hi - y_lo)
    keep = ((points[:, 0] >= x_lo - eps) & (points[:, 0] <= x_hi + eps)
            & (points[:, 1] >= y_lo - eps) & (points[:, 1] <= y_hi + eps))
    return points[keep]


def _clamp_axis(p: np.ndarray, axis: int, lo: float, hi: float) -> np.ndarray:
    a = p[:, axis]
    if a.min() >= lo and a.max() <= hi:
        return p
    nxt = np.roll(p, -1, axis=0)
    b = nxt[:, axis]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lo = np.where((a - lo) * (b - lo) < 0, (lo - a) / (b - a), np.inf)
        t_hi = np.where((a - hi) * (b - hi) < 0, (hi - a) / (b - a), np.inf)
    first, second = np.minimum(t_lo, t_hi), np.maximum(t_lo, t_hi)
    counts = 1 + np.isfinite(first) + np.isfinite(second)
    owner = np.repeat(np.arange(a.size), counts)
    q = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    t = np.where(q == 0, 0.0, np.where(q == 1, first[owner], second[owner]))
    t = np.where(np.isfinite(t), t, 0.0)
    out = p[owner] + t[:, None] * (nxt[owner] - p[owner])
    out[:, axis] = np.clip(out[:, axis], lo, hi)
    return out


def point_in_polygon(x: float, y: float, polygon: np.ndarray) -> bool:
    """Even-odd crossing test of one point against a polygon (vectorized over its edges)."""
    xa, ya = polygon[:, 0], polygon[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    straddles = (ya > y) != (yb > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = xa + (y - ya) * (xb - xa) / (yb - ya)
    return bool(np.count_nonzero(straddles & (x < x_cross)) % 2)


def even_odd_signs(polygons: list[np.ndarray], areas=None) -> list[float]:
    """Factor per contour turning its winding coverage into even-odd coverage on its plane.

    ``+1`` for a contour at even nesting depth (an outline), ``-1`` at odd depth (a hole),
    times the orientation correction so that every contour's own coverage counts positive.
    ``areas``: the polygons' signed areas, if known.
    """
    if areas is None:
        areas = [signed_area_mm2(p) for p in polygons]
    if len(polygons) == 1:
        return [-1.0 if areas[0] >= 0 else 1.0]
    depths = _nesting_depths(polygons)
    signs = []
    for c in range(len(polygons)):
        orientation = -1.0 if areas[c] >= 0 else 1.0  # the accumulation counts CCW as -1
        signs.append(orientation * (1.0 if depths[c] % 2 == 0 else -1.0))
    return signs


# Largest (first vertices x edges) matrix _nesting_depths tests at once; beyond it, one contour at a time.
_DEPTH_MATRIX = 2_000_000


def _nesting_depths(polygons: list[np.ndarray]) -> list[int]:
    """Per contour, how many of the other contours hold its first vertex (``point_in_polygon``,
    the same arithmetic, for all first vertices and all edges at once)."""
    n = len(polygons)
    sizes = [len(p) for p in polygons]
    if n * sum(sizes) > _DEPTH_MATRIX:
        return [sum(point_in_polygon(*poly[0], other) for k, other in enumerate(polygons) if k != c)
                for c, poly in enumerate(polygons)]
    xy = np.concatenate([np.asarray(p, dtype=float) for p in polygons])
    starts = np.cumsum(sizes) - sizes
    nxt = np.arange(1, xy.shape[0] + 1)
    nxt[starts + np.asarray(sizes) - 1] = starts  # each contour closes on its first vertex
    xa, ya = xy[:, 0], xy[:, 1]
    xb, yb = xa[nxt], ya[nxt]
    first = xy[starts]
    x, y = first[:, :1], first[:, 1:]
    straddles = (ya > y) != (yb > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = xa + (y - ya) * (xb - xa) / (yb - ya)
    crossings = np.add.reduceat(straddles & (x < x_cross), starts, axis=1, dtype=np.int64)
    inside = crossings % 2
    np.fill_diagonal(inside, 0)
    return inside.sum(axis=1).tolist()


def coverage(planes: list[list[np.ndarray]], grid: CellGrid, centroids: bool = False,
             signs: list[list[float]] | None = None) -> np.ndarray | tuple[np.ndarray, ...]:
    """Fraction of each cell covered by each plane's polygons (even-odd), shape (P, ny, nx).

    ``planes[p]`` is the list of (N, 2) x-y polygons (mm) on plane p; every vertex must lie
    inside the grid. Values are |winding| clipped to [0, 1] (self-intersecting or overlapping
    contours would otherwise give -1 or 2).
    With ``centroids``, returns ``(coverage, PartialCells)``: the partially covered cells with
    the centroid and extent of their covered part (exact first and second moments).
    ``signs[p]`` may give ``even_odd_signs(planes[p])`` when the caller has them already.
    """
    n_planes = len(planes)
    out_shape = (n_planes, grid.ny, grid.nx)
    edges = _edges(planes, grid, signs)
    if edges is None:
        empty = np.zeros(out_shape)
        none = np.zeros(0)
        return (empty, PartialCells(np.zeros(0, np.int64), none, none, none, none)) if centroids else empty
    ua, va, ub, vb, edge_plane, edge_sign = edges
    # Split at the column lines, then the pieces at the row lines: each piece lies in one cell.
    seg, ua, va, ub, vb = _split(np.arange(ua.size), ua, va, ub, vb)
    seg, va, ua, vb, ub = _split(seg, va, ua, vb, ub)
    sign = edge_sign[seg]
    u_mid = 0.5 * (ua + ub)
    v_mid = 0.5 * (va + vb)
    i = np.minimum(np.maximum(u_mid.astype(np.int64), 0), grid.nx - 1)  # u, v >= 0: truncation = floor
    j = np.minimum(np.maximum(v_mid.astype(np.int64), 0), grid.ny - 1)
    # Local coordinates of the piece in its cell.
    u0 = np.minimum(np.maximum(ua - i, 0.0), 1.0)
    u1 = np.minimum(np.maximum(ub - i, 0.0), 1.0)
    v0, v1 = va - j, vb - j
    dv = (v1 - v0) * sign
    # Accumulators over (nx + 1) columns x (P * ny) rows, column-major: the cumulative sum along
    # x then adds whole contiguous columns (vectorized across rows).
    width, rows = grid.nx + 1, n_planes * grid.ny
    row = edge_plane[seg] * grid.ny + j
    base = i * rows + row
    index = np.concatenate((base, base + rows))
    size = width * rows

    def cumulative(*pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        # Per (own, propagate) pair: own part in the piece's cell, `propagate` in every cell to
        # its right (via a cumulative sum along x); shape (pairs, nx + 1, P * ny). One bincount
        # for all pairs: each accumulator cell sums the same weights in the same order.
        k = len(pairs)
        where = index if k == 1 else np.concatenate([index + n * size for n in range(k)])
        weights = np.concatenate([w for own, propagate in pairs for w in (own, propagate - own)])
        acc = np.bincount(where, weights=weights, minlength=k * size).reshape(k, width, rows)
        _cumsum_columns(acc)
        return acc

    def cells(acc: np.ndarray) -> np.ndarray:
        # The (P, ny, nx) cells of one accumulator, flat in C order.
        return np.ascontiguousarray(acc[: grid.nx].T).reshape(-1)

    u_sum = u0 + u1  # (subexpressions used more than once: computed once, the same values)
    own_area = dv * (1.0 - 0.5 * u_sum)
    if not centroids:
        winding = cells(cumulative((own_area, dv))[0])
        return np.minimum(np.abs(winding), 1.0).reshape(out_shape)
    du, dvs = u1 - u0, v1 - v0
    v0_sq = v0 * v0
    half_sq = 0.5 * (v1 * v1 - v0_sq) * sign
    third_cube = (v1 ** 3 - v0 ** 3) / 3.0 * sign
    uv2 = dv * (u0 * (v0_sq + v0 * dvs + dvs * dvs / 3.0) + du * (0.5 * v0 * v0 + 2.0 * v0 * dvs / 3.0 + 0.25 * dvs * dvs))
    sums = cumulative((own_area, dv),
                      (half_sq - dv * (u0 * v0 + 0.5 * (u0 * dvs + v0 * du) + du * dvs / 3.0), half_sq),
                      (third_cube - uv2, third_cube))
    winding = cells(sums[0])
    # Valid input gives 0..1; |winding| counts both lobes of a self-intersecting contour.
    area = np.clip(np.abs(winding), 0.0, 1.0)  # = np.minimum(|winding|, 1.0) (>= +0.0), quicker
    # Moments of the covered part, for the partially covered cells only. Along x, what pieces to
    # the left add is a full-width strip, proportional to their winding height.
    part = np.flatnonzero((area > 1e-12) & (area < 1.0 - 1e-9))
    part_row = part // grid.nx
    part_acc = part - part_row * grid.nx  # column
    part_acc *= rows
    part_acc += part_row  # the same cells in the column-major accumulators
    del part_row
    # Each piece's cell among `part` (pieces lie in partial cells, but for degenerate input):
    # its position in `part` by a dense map (-1: not a partial cell).
    cell_nx = row * grid.nx + i
    position = np.full(area.size, -1, np.intp)
    position[part] = np.arange(part.size)
    slot = position.take(cell_nx)
    del position
    mine = slot >= 0
    slot = slot[mine]

    def own_only(own: np.ndarray) -> np.ndarray:
        return np.bincount(slot, weights=own[mine], minlength=part.size)

    a = winding[part]  # signed, like the moments below
    cover_left = a - own_only(own_area)
    u0_sq, u1_sq = u0 * u0, u1 * u1
    mx = 0.5 * cover_left + own_only(0.5 * dv * (1.0 - (u0_sq + u0 * u1 + u1_sq) / 3.0))
    mxx = cover_left / 3.0 + own_only(dv / 3.0 * (1.0 - u_sum * (u0_sq + u1_sq) / 4.0))
    my = sums[1].reshape(-1).take(part_acc)
    myy = sums[2].reshape(-1).take(part_acc)
    cu = np.clip(mx / a, 0.0, 1.0)
    cv = np.clip(my / a, 0.0, 1.0)
    # Width of the uniform distribution with the covered part's variance along each axis.
    su = np.sqrt(np.clip(12.0 * (mxx / a - cu * cu), 0.0, 1.0))
    sv = np.sqrt(np.clip(12.0 * (myy / a - cv * cv), 0.0, 1.0))
    return area.reshape(out_shape), PartialCells(part, cu, cv, su, sv)


def _cumsum_columns(acc: np.ndarray) -> None:
    """``np.cumsum(acc, axis=1)`` in place for acc (k, columns, rows), the same numbers: column by
    column, each step adding the previous column to the next for all rows at once (vectorized
    across rows; every element gets the same additions in the same order)."""
    if acc.shape[2] < 32:  # few rows: numpy's own loop is quicker than one call per column
        np.cumsum(acc, axis=1, out=acc)
        return
    for c in range(1, acc.shape[1]):
        np.add(acc[:, c - 1], acc[:, c], out=acc[:, c])


@dataclass(frozen=True)
class PartialCells:
    """The partially covered cells (flat indices into (P, ny, nx), sorted) and, per cell, the
    centroid of the covered part in cell units from the cell's lower-left corner (cu, cv) and the
    widths (su, sv) of uniform distributions with the covered part's variances along x and y."""

    index: np.ndarray
    cu: np.ndarray
    cv: np.ndarray
    su: np.ndarray
    sv: np.ndarray


def _edges(planes: list[list[np.ndarray]], grid: CellGrid, signs: list[list[float]] | None = None):
    """Non-horizontal polygon edges in cell units with their plane index and even-odd sign."""
    polys, plane_of, sign_of = [], [], []
    for p, polygons in enumerate(planes):
        if signs is None:
            polygons = [poly for poly in polygons if len(poly) >= 3]
        if not polygons:
            continue
        polys.extend(polygons)
        plane_of.extend([p] * len(polygons))
        sign_of.extend(signs[p] if signs is not None else even_odd_signs(polygons))
    if not polys:
        return None
    sizes = np.array([len(poly) for poly in polys])
    xy = np.concatenate(polys)
    u = (xy[:, 0] - grid.x0) / grid.hx
    v = (xy[:, 1] - grid.y0) / grid.hy
    starts = np.cumsum(sizes) - sizes
    nxt = np.arange(1, u.size + 1)
    nxt[starts + sizes - 1] = starts  # each polygon closes on its first vertex
    ua, va, ub, vb = u, v, u[nxt], v[nxt]
    keep = va != vb  # horizontal edges carry no dy
    if not np.any(keep):
        return None
    plane = np.repeat(np.asarray(plane_of, dtype=np.int64), sizes)
    sign = np.repeat(np.asarray(sign_of, dtype=float), sizes)
    return ua[keep], va[keep], ub[keep], vb[keep], plane[keep], sign[keep]


def _split(seg: np.ndarray, ua: np.ndarray, va: np.ndarray, ub: np.ndarray,
           vb: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split segments (ua, va) -> (ub, vb) where they cross integer values of u.

    Returns (segment id, ua, va, ub, vb) of the pieces, in order along each segment (no sort).
    """
    lo = np.minimum(ua, ub)
    hi_line = np.ceil(np.maximum(ua, ub))
    first = np.floor(lo) + 1.0
    count = np.maximum(hi_line - first, 0).astype(np.int64)
    pieces = count + 1
    ends = np.cumsum(pieces)
    total = int(ends[-1]) if ends.size else 0
    # Per piece: its number q along its segment, and its segment's values repeated (the same as
    # gathering them by segment).
    q = np.arange(total) - np.repeat(ends - pieces, pieces)
    increasing = ub > ua
    # The line a piece starts on, f + q - 1 (increasing) or h - q, as base + step * q, and the
    # next one as base + step * (q + 1): the same integers (exact in float64).
    step = np.where(increasing, 1.0, -1.0).repeat(pieces)
    line0 = np.multiply(step, q)
    line0 += np.where(increasing, first - 1.0, hi_line).repeat(pieces)
    line1 = line0 + step
    del step
    firsts = q == 0  # the first piece of its segment; `last`: the last one (q == count)
    last = np.zeros(total, bool)
    last[ends - 1] = True
    a = ua.repeat(pieces)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = (1.0 / (ub - ua)).repeat(pieces)
        t0 = np.where(firsts, 0.0, (line0 - a) * inv)
        t1 = np.where(last, 1.0, (line1 - a) * inv)
    del inv
    dv = (vb - va).repeat(pieces)
    start = va.repeat(pieces)
    v0 = start + t0 * dv
    v1 = start + t1 * dv
    u0 = np.where(firsts, a, line0)
    u1 = np.where(last, ub.repeat(pieces), line1)
    return seg.repeat(pieces), u0, v0, u1, v1
