"""Derived structures: boolean operations on rasterized ROIs, and their DVHs.

The operands are rasterized by the DVH engine's exact area-coverage function
(``app.core.dvh.rasterize.coverage``) on one shared sample grid (aligned with the dose grid,
chosen by the engine's ``sample_plan``), so every operand sees the same cells. Along z, each
operand's contour planes own slabs (the engine's ``plane_slabs``, end caps included); the
union of all slab boundaries splits z into intervals where every operand has one plane (or
none), and each interval is cut into sub-slabs no thicker than the sampling step. Per cell,
occupancy fractions combine as union = max, intersection = min, subtraction =
max(a - max(others), 0), which is exact for nested structures (LIVER minus GTV) and the
usual fuzzy-set approximation at partially covered boundary cells of crossing ones. The
result is a regular ``app.core.dvh.Dvh``, so derived structures are read like any other.
"""
from __future__ import annotations

import math

import numpy as np

from app.core.dvh import Dvh, DvhError, DvhOptions
from app.core.dvh import histogram
from app.core.dvh.interpolate import trilinear
from app.core.dvh.rasterize import coverage
from app.core.dvh.sampling import Slabs, plane_slabs, sample_plan

MM3_PER_CC = 1000.0


class _Operand:
    """One ROI's planes (sorted by z), their slabs and (lazily) their coverage on the grid."""

    def __init__(self, roi, options: DvhOptions, default_spacing_mm: float):
        keys = sorted(roi.planes)
        self.planes = [[np.asarray(p, float) for p in roi.planes[k] if len(p) >= 3] for k in keys]
        self.slabs = plane_slabs(np.array(keys, float), options, default_spacing_mm) if keys else None
        self._cov: np.ndarray | None = None

    @property
    def vertices(self) -> list[np.ndarray]:
        return [p for plane in self.planes for p in plane]

    def plane_at(self, z_mm: float) -> int | None:
        if self.slabs is None:
            return None
        hit = np.nonzero((self.slabs.lo_mm <= z_mm) & (z_mm < self.slabs.hi_mm))[0]
        return int(hit[0]) if hit.size else None

    def coverage(self, grid) -> np.ndarray:
        if self._cov is None:
            self._cov = coverage(self.planes, grid)
        return self._cov


def _combine(operation: str, layers: list[np.ndarray]) -> np.ndarray:
    if operation == "union":
        return np.maximum.reduce(layers)
    if operation == "intersection":
        return np.minimum.reduce(layers)
    if operation == "subtraction":
        rest = np.maximum.reduce(layers[1:]) if len(layers) > 1 else 0.0
        return np.clip(layers[0] - rest, 0.0, 1.0)
    raise ValueError(f"unknown boolean operation {operation!r} (union, intersection, subtraction)")


def derived_dvh(operation: str, rois: list, dose, *, name: str = "", number: int = 0,
                options: DvhOptions | None = None, prescription_gy: float | None = None) -> Dvh:
    """The DVH of ``operation`` applied to ``rois`` (subtraction: the first minus the others)."""
    options = options or DvhOptions()
    name = name or f" {operation} ".join(r.name for r in rois)
    ops = [_Operand(r, options, dose.spacing_mm[2]) for r in rois]
    if not ops or ops[0].slabs is None:
        raise DvhError(f"derived structure {name!r}: its first operand has no contours")
    used = ops if operation == "union" else ops[:1] if operation == "subtraction" else ops
    if operation == "intersection" and any(o.slabs is None for o in ops):
        raise DvhError(f"derived structure {name!r}: an operand has no contours")
    xy = np.concatenate([v for o in ops for v in o.vertices])
    bounds = (xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max())
    z_lo = min(o.slabs.lo_mm[0] for o in used)
    z_hi = max(o.slabs.hi_mm[-1] for o in used)
    spacing = min(o.slabs.spacing_mm for o in used)
    extent = Slabs(np.array([0.5 * (z_lo + z_hi)]), np.array([z_lo]), np.array([z_hi]), spacing)
    area = (bounds[1] - bounds[0]) * (bounds[3] - bounds[2])
    plan = sample_plan(bounds, extent, max(area * (z_hi - z_lo), 1e-9), dose, options)
    grid = plan.grid
    z_step = min(plan.z_step_mm, dose.spacing_mm[2])
    edges = np.unique(np.concatenate([np.r_[o.slabs.lo_mm, o.slabs.hi_mm] for o in ops if o.slabs is not None]))
    edges = edges[(edges >= z_lo) & (edges <= z_hi)]
    xc, yc = grid.x_centres_mm, grid.y_centres_mm
    doses, volumes, uncovered, total = [], [], 0.0, 0.0
    zeros = np.zeros((grid.ny, grid.nx))
    for a, b in zip(edges[:-1], edges[1:]):
        mid = 0.5 * (a + b)
        layers = []
        for o in ops:
            p = o.plane_at(mid)
            layers.append(zeros if p is None else o.coverage(grid)[p])
        occ = _combine(operation, layers)
        cells = np.flatnonzero(occ > 1e-12)
        if cells.size == 0:
            continue
        m = max(1, math.ceil((b - a) / z_step - 1e-9))
        thick = (b - a) / m
        z = np.repeat(a + (np.arange(m) + 0.5) * thick, cells.size)
        c = np.tile(cells, m)
        j, i = np.divmod(c, grid.nx)
        d, inside = trilinear(dose, xc[i], yc[j], z)
        w = occ.reshape(-1)[c] * grid.hx * grid.hy * thick
        total += float(w.sum())
        uncovered += float(w[~inside].sum())
        doses.append(d[inside].astype(np.float32))
        volumes.append((w[inside] / MM3_PER_CC).astype(np.float32))
    return _dvh(name, number, rois[0].color_rgb, doses, volumes, total / MM3_PER_CC, uncovered / MM3_PER_CC,
                options, prescription_gy)


def _dvh(name, number, color, doses, volumes, total_cc, uncovered_cc, options, prescription_gy) -> Dvh:
    d = np.concatenate(doses) if doses else np.zeros(0, np.float32)
    v = np.concatenate(volumes) if volumes else np.zeros(0, np.float32)
    covered_cc = float(np.sum(v, dtype=float))
    notes = ["derived structure (boolean operation on rasterized masks)"]
    if uncovered_cc > 1e-6 * max(total_cc, 1e-9):
        notes.append(f"{uncovered_cc:.3f} cc ({100 * uncovered_cc / total_cc:.1f}%) of the structure lies outside "
                     "the dose grid; the DVH and its statistics describe the covered part only")
    if d.size:
        min_gy, max_gy = max(float(d.min()), 0.0), float(d.max())
        # np.sum, not np.dot: BLAS dot products differ in the last bits with the thread count
        mean_gy = float(np.sum(d.astype(float) * v.astype(float)) / covered_cc) if covered_cc > 0 else 0.0
    else:
        min_gy = mean_gy = max_gy = float("nan")
    width = histogram.choose_bin_width(max_gy if np.isfinite(max_gy) else 0.0, options.bin_width_gy)
    diff = histogram.differential(d, v, width)
    cum = histogram.cumulative(diff)
    keep = options.keep_samples
    return Dvh(roi_number=number, name=name, type="DERIVED", color_rgb=tuple(color), volume_cc=total_cc,
               covered_volume_cc=covered_cc, min_gy=min_gy, mean_gy=mean_gy, max_gy=max_gy, bin_width_gy=width,
               dose_gy=np.arange(cum.size) * width, cumulative_cc=cum, differential_cc=diff, notes=tuple(notes),
               prescription_gy=prescription_gy, sample_dose_gy=d if keep else np.zeros(0, np.float32),
               sample_volume_cc=v if keep else np.zeros(0, np.float32))
