"""Lines to draw on a slice: isolines by marching squares, ROI contours on axial planes and
ROI sections on coronal / sagittal planes. Output is polylines as ``(xs, ys)`` float arrays
in mm with NaN between pieces (ready for a 'finite'-connected curve). No Qt."""
from __future__ import annotations

import numpy as np

from app.core.dicom.structure_set import Roi

# Marching-squares cases: corner bits TL=1, TR=2, BR=4, BL=8; edges T, R, B, L.
_CASES: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("L", "T"),), 2: (("T", "R"),), 3: (("L", "R"),), 4: (("R", "B"),),
    5: (("L", "T"), ("R", "B")), 6: (("T", "B"),), 7: (("L", "B"),), 8: (("B", "L"),),
    9: (("T", "B"),), 10: (("T", "R"), ("B", "L")), 11: (("R", "B"),), 12: (("L", "R"),),
    13: (("T", "R"),), 14: (("L", "T"),),
}

EMPTY = (np.empty(0), np.empty(0))


def _edge_points(f: np.ndarray, rows: np.ndarray, cols: np.ndarray, edge: str, level: float):
    """(row, col) fractional index of the level crossing on ``edge`` of cells (rows, cols)."""
    if edge == "T":
        a, b = f[rows, cols], f[rows, cols + 1]
        return rows.astype(float), cols + _t(a, b, level)
    if edge == "B":
        a, b = f[rows + 1, cols], f[rows + 1, cols + 1]
        return rows + 1.0, cols + _t(a, b, level)
    if edge == "L":
        a, b = f[rows, cols], f[rows + 1, cols]
        return rows + _t(a, b, level), cols.astype(float)
    a, b = f[rows, cols + 1], f[rows + 1, cols + 1]  # R
    return rows + _t(a, b, level), cols + 1.0


def _t(a: np.ndarray, b: np.ndarray, level: float) -> np.ndarray:
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d != 0, (level - a) / d, 0.5)
    return np.clip(t, 0.0, 1.0)


def isoline_segments(field: np.ndarray, level: float) -> np.ndarray:
    """Segments where ``field`` crosses ``level``: ``(N, 2, 2)`` of (row, col) fractional indices."""
    f = np.asarray(field, dtype=np.float32)
    if f.ndim != 2 or min(f.shape) < 2:
        return np.empty((0, 2, 2))
    above = f >= level
    case = (above[:-1, :-1] * 1 + above[:-1, 1:] * 2 + above[1:, 1:] * 4 + above[1:, :-1] * 8).astype(np.uint8)
    pieces = []
    for code, pairs in _CASES.items():
        rows, cols = np.nonzero(case == code)
        if rows.size == 0:
            continue
        for e0, e1 in pairs:
            r0, c0 = _edge_points(f, rows, cols, e0, level)
            r1, c1 = _edge_points(f, rows, cols, e1, level)
            pieces.append(np.stack([np.stack([r0, c0], -1), np.stack([r1, c1], -1)], axis=1))
    return np.concatenate(pieces) if pieces else np.empty((0, 2, 2))


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


def isolines_mm(field: np.ndarray, level: float, u_mm: np.ndarray, v_mm: np.ndarray):
    """Isoline of a row-major slice image with column coords ``u_mm`` and row coords ``v_mm``."""
    return segments_to_polyline(isoline_segments(field, level), u_mm, v_mm)


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
