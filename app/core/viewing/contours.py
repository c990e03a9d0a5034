"""Lines to draw on a slice: isolines by marching squares, ROI contours on axial planes and
ROI sections on coronal / sagittal planes. Output is polylines as ``(xs, ys)`` float arrays
in mm with NaN between pieces (ready for a 'finite'-connected curve). No Qt."""
from __future__ import annotations

import numpy as np

from rtreview.core.dicom.structure_set import Roi

# Marching-squares cases: corner bits TL=1, TR=2, BR=4, BL=8; edges T=0, R=1, B=2, L=3.
# _SEGMENTS[case] = up to two (edge, edge) pairs; -1 = no segment (saddles 5 and 10 have two).
_SEGMENTS = np.full((16, 2, 2), -1, dtype=np.intp)
for _code, _pairs in {1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 5: ((3, 0), (1, 2)),
                      6: ((0, 2),), 7: ((3, 2),), 8: ((2, 3),), 9: ((0, 2),), 10: ((0, 1), (2, 3)),
                      11: ((1, 2),), 12: ((3, 1),), 13: ((0, 1),), 14: ((3, 0),)}.items():
    for _k, _pair in enumerate(_pairs):
        _SEGMENTS[_code, _k] = _pair

EMPTY = (np.empty(0), np.empty(0))


def _t(a: np.ndarray, b: np.ndarray, level: float) -> np.ndarray:
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d != 0, (level - a) / d, 0.5)
    return np.clip(t, 0.0, 1.0)


def _edge_points(f: np.ndarray, rows: np.ndarray, cols: np.ndarray, level: float) -> np.ndarray:
    """``(4, n, 2)``: the (row, col) crossing on edges T, R, B, L of cells (rows, cols)."""
    tl, tr = f[rows, cols], f[rows, cols + 1]
    bl, br = f[rows + 1, cols], f[rows + 1, cols + 1]
    r, c = rows.astype(float), cols.astype(float)
    out = np.empty((4, rows.size, 2))
    out[0, :, 0], out[0, :, 1] = r, c + _t(tl, tr, level)
    out[1, :, 0], out[1, :, 1] = r + _t(tr, br, level), c + 1.0
    out[2, :, 0], out[2, :, 1] = r + 1.0, c + _t(bl, br, level)
    out[3, :, 0], out[3, :, 1] = r + _t(tl, bl, level), c
    return out


def isoline_segments(field: np.ndarray, level: float) -> np.ndarray:
    """Segments where ``field`` crosses ``level``: ``(N, 2, 2)`` of (row, col) fractional indices.

    Vectorized marching squares on the bounding box of the region at or above the level (plus
    one cell), so the cost follows the line's extent, not the image's."""
    f = np.asarray(field, dtype=np.float32)
    none = np.empty((0, 2, 2))
    if f.ndim != 2 or min(f.shape) < 2:
        return none
    above = f >= level
    row_hit = np.flatnonzero(above.any(axis=1))
    if row_hit.size == 0:
        return none
    col_hit = np.flatnonzero(above.any(axis=0))
    r0, r1 = max(int(row_hit[0]) - 1, 0), min(int(row_hit[-1]) + 2, f.shape[0])
    c0, c1 = max(int(col_hit[0]) - 1, 0), min(int(col_hit[-1]) + 2, f.shape[1])
    if r1 - r0 < 2 or c1 - c0 < 2:
        return none
    f, above = f[r0:r1, c0:c1], above[r0:r1, c0:c1]
    case = (above[:-1, :-1] * np.uint8(1) + above[:-1, 1:] * np.uint8(2)
            + above[1:, 1:] * np.uint8(4) + above[1:, :-1] * np.uint8(8))
    rows, cols = np.nonzero((case != 0) & (case != 15))
    if rows.size == 0:
        return none
    codes = case[rows, cols]
    points = _edge_points(f, rows, cols, level)
    pieces = []
    for k in (0, 1):
        ea, eb = _SEGMENTS[codes, k, 0], _SEGMENTS[codes, k, 1]
        cells = np.flatnonzero(ea >= 0)
        if cells.size:
            pieces.append(np.stack([points[ea[cells], cells], points[eb[cells], cells]], axis=1))
    segments = np.concatenate(pieces)
    segments[..., 0] += r0
    segments[..., 1] += c0
    return segments


def _index_to_mm(index: np.ndarray, axis_mm: np.ndarray) -> np.ndarray:
    return np.interp(index, np.arange(axis_mm.size, dtype=float), axis_mm)


def segments_to_polyline(segments: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray):
    """(N, 2, 2) (row, col) index segments -> ``(xs, ys)`` in mm, NaN after each segment."""
    if segments.size == 0:
        return EMPTY
    n = segments.shape[0]
    xs = np.full((n, 3), np.nan)
    ys = np.full((n, 3), np.nan)
    xs[:, :2] = _index_to_mm(segments[:, :, 1], u_mm)
    ys[:, :2] = _index_to_mm(segments[:, :, 0], v_mm)
    return xs.ravel(), ys.ravel()


def chain_segments(segments: np.ndarray) -> list[np.ndarray]:
    """Marching-squares segments joined into polylines (``(k, 2)`` (row, col) arrays; a closed
    line repeats its first point at the end). Neighbouring cells compute a shared edge's crossing
    from the same two values, so joined ends are equal floats. A dashed pen then runs its pattern
    along the whole line instead of restarting it on every cell's piece."""
    segments = segments[np.any(segments[:, 0] != segments[:, 1], axis=1)]  # a line through a grid vertex
    n = len(segments)
    if n == 0:
        return []
    ends = segments.reshape(2 * n, 2)
    key = np.round(ends * 1e6).astype(np.int64)
    key = key[:, 0] * np.int64(1 << 31) + key[:, 1]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    run_start = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    first = np.maximum.accumulate(np.where(run_start, np.arange(2 * n), 0))
    pos = np.arange(2 * n) - first  # position within a run of equal points (2 normally; 4 where lines touch)
    nxt_same = np.r_[sorted_key[1:] == sorted_key[:-1], False]
    pair = (pos % 2 == 0) & nxt_same
    partner = np.full(2 * n, -1, dtype=np.int64)
    a, b = order[:-1][pair[:-1]], order[1:][pair[:-1]]
    partner[a], partner[b] = b, a
    partner_list = partner.tolist()
    used = [False] * n
    lines = []
    for start in range(n):
        if used[start]:
            continue
        first_end, seg = 2 * start, start  # walk back to where the line begins (or loops)
        while True:
            nxt = partner_list[first_end]
            if nxt < 0 or nxt // 2 == start or used[nxt // 2]:
                break
            seg, first_end = nxt // 2, nxt ^ 1
            if seg == start:
                break
        entry = first_end  # the end of segment `seg` the line starts at
        seg = entry // 2
        points = [ends[entry]]
        while True:
            used[seg] = True
            out = entry ^ 1
            points.append(ends[out])
            nxt = partner_list[out]
            if nxt < 0 or used[nxt // 2]:
                break
            entry, seg = nxt, nxt // 2
        lines.append(np.asarray(points))
    return lines


def isolines_mm(field: np.ndarray, level: float, u_mm: np.ndarray, v_mm: np.ndarray):
    """Isolines of a row-major slice image with column coords ``u_mm`` and row coords ``v_mm``:
    ``(xs, ys)`` mm, each line joined from its cells' pieces (``chain_segments``), NaN between lines."""
    lines = chain_segments(isoline_segments(field, level))
    if not lines:
        return EMPTY
    xs, ys = [], []
    for line in lines:
        xs += [_index_to_mm(line[:, 1], u_mm), [np.nan]]
        ys += [_index_to_mm(line[:, 0], v_mm), [np.nan]]
    return np.concatenate(xs), np.concatenate(ys)


def nearest_plane_z(roi: Roi, z_mm: float, tolerance_mm: float) -> float | None:
    """The ROI's contour plane nearest ``z_mm`` if within ``tolerance_mm``, else None."""
    if not roi.planes:
        return None
    zs = roi.plane_z_mm
    i = int(np.argmin(np.abs(zs - z_mm)))
    return float(zs[i]) if abs(zs[i] - z_mm) <= tolerance_mm else None


def axial_polylines(roi: Roi, z_mm: float, tolerance_mm: float):
    """The ROI's closed contours on the axial plane at ``z_mm`` as ``(xs, ys)`` with NaN breaks."""
    z = nearest_plane_z(roi, z_mm, tolerance_mm)
    if z is None:
        return EMPTY
    xs, ys = [], []
    for poly in roi.planes[z]:
        closed = np.vstack([poly, poly[:1]])
        xs.extend([closed[:, 0], [np.nan]])
        ys.extend([closed[:, 1], [np.nan]])
    return np.concatenate(xs), np.concatenate(ys)


class RoiEdges:
    """All polygon edges of a ROI as flat arrays, for fast sections by a line of constant y or x."""

    def __init__(self, roi: Roi):
        self.plane_z_mm = roi.plane_z_mm
        ax, ay, bx, by, plane = [], [], [], [], []
        for k, z in enumerate(self.plane_z_mm):
            for poly in roi.planes[float(z)]:
                nxt = np.roll(poly, -1, axis=0)
                ax.append(poly[:, 0]); ay.append(poly[:, 1]); bx.append(nxt[:, 0]); by.append(nxt[:, 1])
                plane.append(np.full(len(poly), k))
        cat = (lambda parts: np.concatenate(parts) if parts else np.empty(0))
        self.ax, self.ay, self.bx, self.by = cat(ax), cat(ay), cat(bx), cat(by)
        self.plane = cat(plane).astype(np.intp)

    def section_mask(self, along: str, position_mm: float, u_mm: np.ndarray) -> np.ndarray:
        """Boolean mask (contour plane, u) of the ROI cut by the plane ``along`` = position.

        ``along='y'`` is a coronal cut (u = x), ``along='x'`` a sagittal cut (u = y). Polygons on
        one plane combine by the even-odd rule, as for DVHs."""
        mask = np.zeros((self.plane_z_mm.size, u_mm.size), dtype=bool)
        if self.plane.size == 0:
            return mask
        if along == "y":
            a_c, b_c, a_u, b_u = self.ay, self.by, self.ax, self.bx
        else:
            a_c, b_c, a_u, b_u = self.ax, self.bx, self.ay, self.by
        hit = (a_c <= position_mm) != (b_c <= position_mm)  # half-open rule: each crossing once
        if not np.any(hit):
            return mask
        t = (position_mm - a_c[hit]) / (b_c[hit] - a_c[hit])
        u_cross = a_u[hit] + t * (b_u[hit] - a_u[hit])
        plane = self.plane[hit]
        order = np.lexsort((u_cross, plane))
        u_cross, plane = u_cross[order], plane[order]
        starts, ends, rows = u_cross[0::2], u_cross[1::2], plane[0::2]
        c0 = np.searchsorted(u_mm, starts)
        c1 = np.searchsorted(u_mm, ends)
        diff = np.zeros((mask.shape[0], u_mm.size + 1), dtype=np.int32)
        np.add.at(diff, (rows, c0), 1)
        np.add.at(diff, (rows, c1), -1)
        return np.cumsum(diff[:, :-1], axis=1) > 0

    def section_polylines(self, along: str, position_mm: float, u_mm: np.ndarray):
        """Outline of the section (``section_mask``) as ``(xs, ys)``: u horizontal, z vertical.
        Each contour plane is drawn as a slab of its spacing, the way DVHs count it."""
        mask = self.section_mask(along, position_mm, u_mm)
        if not mask.any():
            return EMPTY
        z = self.plane_z_mm
        dz = float(np.median(np.diff(z))) if z.size > 1 else 3.0
        du = float(u_mm[1] - u_mm[0]) if u_mm.size > 1 else 1.0
        padded = np.pad(mask.astype(np.float32), 1)
        zs = np.concatenate([[z[0] - dz], z, [z[-1] + dz]])
        us = np.concatenate([[u_mm[0] - du], u_mm, [u_mm[-1] + du]])
        return isolines_mm(padded, 0.5, us, zs)
