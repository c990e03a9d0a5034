"""Derived structures: boolean operations on rasterized ROIs, and their DVHs.

Derived structures follow exactly the DVH engine's geometry rules (``rtreview.core.dvh.compute``,
``rtreview.core.dvh.contour_stack``):

- each operand is the engine's contour stack (``contour_stack``: even-odd polygons, slabs with
  end caps) clipped exactly to the dose grid's covered box (``clip_to_dose``), so only the
  covered part is sampled and its volume is exact;
- the sample grid is the engine's (``sample_plan``), sized from the covered part of the
  structure (a derived structure far larger than the dose grid is sampled as finely as its
  covered part needs), with the engine's sub-slabs and chunks of planes;
- along z, the union of the clipped operands' slab boundaries splits z into intervals where
  every operand has one plane (or none); each interval is sampled like one engine plane;
- per cell, the operands' exact covered fractions (``rasterize.coverage``) combine as
  union = max, intersection = min, subtraction = max(a - max(others), 0), with the covered
  part's first and second moments taken along (the chosen operand's, or their difference for
  a subtraction), which is exact for nested structures (LIVER minus GTV) and the usual
  fuzzy-set approximation at partially covered boundary cells of crossing ones;
- the samples are placed and dosed by the engine's ``tally.sample_cells`` (R3 stratification,
  trilinear ``interpolate.FrameBlock``: no dose above the grid's maximum) and the Dvh is built
  by the engine's ``make_dvh``.

So derived(A ∪ ∅) is the engine's DVH of A. The volume outside the dose grid (when the grid cuts
an operand) is the whole combined structure's rasterized volume minus the covered part's.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from rtreview.core.dvh import Dvh, DvhError, DvhOptions
from rtreview.core.dvh import histogram
from rtreview.core.dvh.compute import make_dvh, skip_reason
from rtreview.core.dvh.contour_stack import clip_to_dose, contour_stack, vertex_doses, vertex_points
from rtreview.core.dvh.sample_points import StructurePoints, collect, is_dose, join_vertices, z_tolerance_gy
from rtreview.core.dvh.rasterize import PartialCells, coverage
from rtreview.core.dvh.sampling import Slabs, plane_chunks, sample_plan, sub_slab_counts
from rtreview.core.dvh.interpolate import trilinear
from rtreview.core.dvh.tally import sample_cells, sample_positions

OPERATIONS = ("union", "intersection", "subtraction")
DERIVED_NOTE = "derived structure (boolean operation on rasterized masks)"


@dataclasses.dataclass
class _Operand:
    """One ROI's contour stack (engine conventions): planes, even-odd signs, slabs, bounds."""

    planes: list
    signs: list
    slabs: Slabs | None
    bounds: tuple | None
    volume_mm3: float = 0.0  # the stack's volume (clipped stacks: the covered part's)
    cut: bool = False  # clipped by the dose grid's covered box
    corners: list | None = None  # clip_to_dose's points on the cut (None: nothing cut)

    @property
    def empty(self) -> bool:
        return not self.planes

    def plane_index(self, z_mm: np.ndarray) -> np.ndarray:
        """Per z: the index of the plane whose slab holds it, -1 for none."""
        if self.empty:
            return np.full(z_mm.shape, -1)
        k = np.searchsorted(self.slabs.lo_mm, z_mm, side="right") - 1
        k = np.clip(k, 0, len(self.planes) - 1)
        inside = (self.slabs.lo_mm[k] <= z_mm) & (z_mm < self.slabs.hi_mm[k])
        return np.where(inside, k, -1)


_EMPTY = _Operand([], [], None, None)


def _present(operation: str, index: np.ndarray) -> np.ndarray:
    """Per interval (columns of ``index``, one row per operand): can the result be non-empty?"""
    has = index >= 0
    if operation == "union":
        return has.any(axis=0)
    if operation == "intersection":
        return has.all(axis=0)
    return has[0]


def _used(operation: str, ops: list[_Operand]) -> list[_Operand]:
    """The operands that bound the result."""
    if operation == "subtraction":
        return ops[:1]
    return [o for o in ops if not o.empty] if operation == "union" else ops


def _bounds(operation: str, ops: list[_Operand]):
    boxes = np.array([o.bounds for o in _used(operation, ops) if not o.empty])
    if operation == "intersection":
        xmin, ymin = boxes[:, 0].max(), boxes[:, 2].max()
        return xmin, max(boxes[:, 1].min(), xmin), ymin, max(boxes[:, 3].min(), ymin)
    return boxes[:, 0].min(), boxes[:, 1].max(), boxes[:, 2].min(), boxes[:, 3].max()


def _volume_estimate_mm3(operation: str, ops: list[_Operand]) -> float:
    """An upper bound of the result's volume (the engine's estimate for one operand)."""
    volumes = [o.volume_mm3 for o in _used(operation, ops)]
    if operation == "intersection":
        return min(volumes)
    return sum(volumes) if operation == "union" else volumes[0]


def _intervals(operation: str, ops: list[_Operand]) -> tuple[Slabs, np.ndarray] | None:
    """The z intervals between all operands' slab boundaries where the result may be non-empty,
    as Slabs, and per operand (rows) the plane of each interval (-1: none)."""
    live = [o for o in ops if not o.empty]
    if not live:
        return None
    edges = np.unique(np.concatenate([np.r_[o.slabs.lo_mm, o.slabs.hi_mm] for o in live]))
    lo, hi = edges[:-1], edges[1:]
    mid = 0.5 * (lo + hi)
    index = np.array([o.plane_index(mid) for o in ops]).reshape(len(ops), mid.size)
    keep = _present(operation, index)
    if not keep.any():
        return None
    spacing = min(o.slabs.spacing_mm for o in _used(operation, ops) if not o.empty)
    return Slabs(mid[keep], lo[keep], hi[keep], spacing), index[:, keep]


def _layers(op: _Operand, index: np.ndarray, grid, moments: bool):
    """One operand's covered fraction on the intervals ``index`` (its plane per interval, -1 for
    none), shape (n, cells); with ``moments`` also the raw moments (mx, my, mxx, myy) of the
    covered part per cell, in cell units from its lower-left corner."""
    cells = grid.ny * grid.nx
    n = index.size
    out = [np.zeros((n, cells)) for _ in range(5 if moments else 1)]
    used = np.unique(index[index >= 0])
    if used.size == 0:
        return out
    planes = [op.planes[k] for k in used]
    signs = [op.signs[k] for k in used]
    if moments:
        cov, parts = coverage(planes, grid, centroids=True, signs=signs)
    else:
        cov = coverage(planes, grid, signs=signs)
    a = cov.reshape(used.size, cells)
    rows = np.flatnonzero(index >= 0)
    which = np.searchsorted(used, index[rows])
    out[0][rows] = a[which]
    if not moments:
        return out
    # Full (or empty) cells: the uniform distribution over the cell, times the covered fraction.
    mx, my = 0.5 * a, 0.5 * a
    mxx, myy = a / 3.0, a / 3.0
    if parts.index.size:
        flat = parts.index
        ap = a.reshape(-1)[flat]
        mx.reshape(-1)[flat] = ap * parts.cu
        my.reshape(-1)[flat] = ap * parts.cv
        mxx.reshape(-1)[flat] = ap * (parts.su * parts.su / 12.0 + parts.cu * parts.cu)
        myy.reshape(-1)[flat] = ap * (parts.sv * parts.sv / 12.0 + parts.cv * parts.cv)
    for target, source in zip(out[1:], (mx, my, mxx, myy)):
        target[rows] = source[which]
    return out


def _combine(operation: str, layers: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Combine per-operand [a, moments...] cell arrays into the result's [a, moments...]."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown boolean operation {operation!r} (union, intersection, subtraction)")
    if len(layers) == 1 and operation != "subtraction":
        return layers[0]

    def pick(group, choose):
        if len(group) == 1:
            return group[0]
        stack = np.stack([g[0] for g in group])
        k = choose(stack, axis=0)[None]
        return [np.take_along_axis(np.stack([g[m] for g in group]), k, axis=0)[0] for m in range(len(group[0]))]

    if operation == "union":
        return pick(layers, np.argmax)
    if operation == "intersection":
        return pick(layers, np.argmin)
    first = layers[0]
    if len(layers) == 1:
        return first
    rest = pick(layers[1:], np.argmax)
    a = first[0] - rest[0]
    gone = a <= 1e-12
    out = [np.where(gone, 0.0, f - r) for f, r in zip(first, rest)]
    out[0] = np.minimum(out[0], 1.0)
    return out


def _partial_cells(a: np.ndarray, mx, my, mxx, myy) -> PartialCells:
    """The partially covered cells of flat fractions ``a`` with the centroid and spread of their
    covered part (as ``rasterize.coverage(centroids=True)``) from its raw moments."""
    part = np.flatnonzero((a > 1e-12) & (a < 1.0 - 1e-9))
    ap = a[part]
    cu = np.clip(mx[part] / ap, 0.0, 1.0)
    cv = np.clip(my[part] / ap, 0.0, 1.0)
    su = np.sqrt(np.clip(12.0 * (mxx[part] / ap - cu * cu), 0.0, 1.0))
    sv = np.sqrt(np.clip(12.0 * (myy[part] / ap - cv * cv), 0.0, 1.0))
    return PartialCells(part, cu, cv, su, sv)


def _operands(operation: str, rois: list, dose, options: DvhOptions, name: str):
    whole, clipped = [], []
    for roi in rois:
        stack = None if skip_reason(roi) else contour_stack(roi, options, dose.spacing_mm[2])
        if stack is None:
            whole.append(_EMPTY)
            clipped.append(_EMPTY)
            continue
        planes, signs, areas, slabs, bounds = stack
        whole.append(_Operand(planes, signs, slabs, bounds, float(np.dot(areas, slabs.thickness_mm))))
        c_planes, c_signs, c_slabs, c_bounds, covered_mm3, outside_mm3, corners = clip_to_dose(
            planes, signs, areas, slabs, bounds, dose)
        clipped.append(_Operand(c_planes, c_signs, c_slabs if c_planes else None, c_bounds, covered_mm3,
                                cut=corners is not None or outside_mm3 > 0, corners=corners))
    if not whole or whole[0].empty and operation != "union":
        raise DvhError(f"derived structure {name!r}: its first operand has no contours")
    if operation == "intersection" and any(o.empty for o in whole):
        raise DvhError(f"derived structure {name!r}: an operand has no contours")
    if all(o.empty for o in whole):
        raise DvhError(f"derived structure {name!r}: its operands have no contours")
    return whole, clipped


def _whole_volume_mm3(operation: str, ops: list[_Operand], dose, options: DvhOptions) -> float:
    """The combined structure's volume, dose grid or not: its rasterized volume on a grid over
    its whole extent (exact for one operand and for nested ones)."""
    found = _intervals(operation, ops)
    if found is None:
        return 0.0
    slabs, index = found
    xmin, xmax, ymin, ymax = _bounds(operation, ops)
    box_mm3 = max((xmax - xmin) * (ymax - ymin) * float(slabs.hi_mm[-1] - slabs.lo_mm[0]), 1e-9)
    grid = sample_plan((xmin, xmax, ymin, ymax), slabs, box_mm3, dose, options).grid
    total = 0.0
    thickness = slabs.thickness_mm
    for chunk in plane_chunks(grid.ny * grid.nx, np.ones(thickness.size, np.int64), options.chunk_cells):
        layers = [_layers(op, index[n, chunk], grid, moments=False) for n, op in enumerate(ops)]
        a = _combine(operation, layers)[0]
        total += float(np.dot(a.sum(axis=1), thickness[chunk])) * grid.hx * grid.hy
    return total


def _chunks(operation: str, ops: list[_Operand], dose, options: DvhOptions):
    """Per chunk of z intervals: ``(cov (n, ny, nx), parts, lo, hi, counts, grid)``, the combined
    coverage as the engine's sampler takes it."""
    found = _intervals(operation, ops)
    if found is None:
        return
    slabs, index = found
    plan = sample_plan(_bounds(operation, ops), slabs, max(_volume_estimate_mm3(operation, ops), 1e-9), dose,
                       options)
    grid = plan.grid
    counts = sub_slab_counts(slabs, plan.z_step_mm)
    for chunk in plane_chunks(grid.ny * grid.nx, counts, options.chunk_cells):
        layers = [_layers(op, index[n, chunk], grid, moments=True) for n, op in enumerate(ops)]
        a, mx, my, mxx, myy = (x.reshape(-1) for x in _combine(operation, layers))
        del layers
        parts = _partial_cells(a, mx, my, mxx, myy)
        yield a.reshape(-1, grid.ny, grid.nx), parts, slabs.lo_mm[chunk], slabs.hi_mm[chunk], counts[chunk], grid


def _vertex_groups(operation: str, whole: list[_Operand], ops: list[_Operand], options: DvhOptions) -> list:
    """Contour vertices where a union's Dmin / Dmax may lie (as the engine): a union's closure
    holds every operand's vertices (a subtraction's or intersection's does not)."""
    groups = []
    if operation == "union" and options.vertex_extremes:
        for w, o in zip(whole, ops):
            if not w.empty:
                groups.append((w.planes, w.slabs))
            if not o.empty and o.corners is not None:
                groups.append((o.corners, o.slabs))
    return groups


def _uncovered_mm3(operation: str, whole, ops, dose, options, covered_mm3: float) -> float:
    if any(o.cut for o in ops):
        return max(_whole_volume_mm3(operation, whole, dose, options) - covered_mm3, 0.0)
    return 0.0


def derived_dvh(operation: str, rois: list, dose, *, name: str = "", number: int = 0,
                options: DvhOptions | None = None, prescription_gy: float | None = None) -> Dvh:
    """The DVH of ``operation`` applied to ``rois`` (subtraction: the first minus the others)."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown boolean operation {operation!r} (union, intersection, subtraction)")
    options = options or DvhOptions()
    name = name or f" {operation} ".join(r.name for r in rois)
    whole, ops = _operands(operation, rois, dose, options, name)
    extremes = [np.zeros(0)] + [vertex_doses(planes, slabs, dose)
                                for planes, slabs in _vertex_groups(operation, whole, ops, options)]
    doses, volumes, covered_mm3 = np.zeros(0, np.float32), np.zeros(0, np.float32), 0.0
    z_tolerance_gy = 0.25 * histogram.choose_bin_width(dose.max_gy, options.bin_width_gy)
    dose_parts, volume_parts = [], []
    for cov, parts, lo, hi, counts, grid in _chunks(operation, ops, dose, options):
        d, v, c, _ = sample_cells(cov, parts, lo, hi, counts, grid, dose, z_tolerance_gy)
        covered_mm3 += c
        if d.size:
            dose_parts.append(d)
            volume_parts.append(v)
    if dose_parts:
        doses, volumes = np.concatenate(dose_parts), np.concatenate(volume_parts)
    uncovered_mm3 = _uncovered_mm3(operation, whole, ops, dose, options, covered_mm3)
    color = next((r.color_rgb for r in rois), (255, 255, 0))
    roi = SimpleNamespace(number=number, name=name, type="DERIVED", color_rgb=color)
    dvh = make_dvh(roi, doses, volumes, covered_mm3, uncovered_mm3, np.concatenate(extremes), options,
                   prescription_gy)
    return dataclasses.replace(dvh, notes=(DERIVED_NOTE, *dvh.notes))


def derived_points(operation: str, rois: list, geometry, *, name: str = "",
                   options: DvhOptions | None = None) -> StructurePoints:
    """Where ``derived_dvh`` samples the derived structure inside ``geometry`` (positions and
    volumes): for doses looked up elsewhere (the multi-course composite). On a DoseGrid exactly
    the samples of ``derived_dvh(operation, rois, geometry)``, with their doses."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown boolean operation {operation!r} (union, intersection, subtraction)")
    options = options or DvhOptions()
    name = name or f" {operation} ".join(r.name for r in rois)
    whole, ops = _operands(operation, rois, geometry, options, name)
    vertices = join_vertices([vertex_points(planes, slabs)
                              for planes, slabs in _vertex_groups(operation, whole, ops, options)])
    dose = geometry if is_dose(geometry) else None
    tolerance = z_tolerance_gy(dose, options) if dose is not None else 0.0
    chunks = [sample_positions(cov, cells, lo, hi, counts, grid, dose, tolerance)
              for cov, cells, lo, hi, counts, grid in _chunks(operation, ops, geometry, options)]
    covered_mm3 = float(sum(c[4] for c in chunks))
    outside = _uncovered_mm3(operation, whole, ops, geometry, options, covered_mm3)
    vertex_dose = trilinear(dose, *vertices)[0] if dose is not None and vertices[0].size else None
    return collect(chunks, outside, vertices, dose is not None, vertex_dose)
