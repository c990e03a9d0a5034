"""Where a structure is sampled: each contour plane's slab (end caps) and the sample grid.

Slabs: a plane owns the slab of its image slice (half-way to the neighbouring slices,
``rtreview.core.dicom.slices``); the ROI's outer planes, and planes next to a slice the ROI is
not drawn on, are end caps: with end caps (default) they extend half a slice beyond, without
they stop at the plane. ROIs whose structure set is not known use their own planes: half the
distance to each neighbour, pieces split at gaps wider than ``gap_factor`` spacings.
The sample grid is aligned with the dose grid (cell centres on dose voxel centres, or an
integer subdivision of them), fine enough for small structures, the dose grid for large ones.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .options import END_CAPS_HALF, DvhOptions
from .rasterize import CellGrid


@dataclass(frozen=True)
class Slabs:
    """Per contour plane (sorted by z): its z, and the slab [lo, hi] it owns (mm).

    ``outer_lo`` / ``outer_hi`` mark the faces that bound the structure as the DVH counts it:
    the end caps of each piece and faces where the dose grid cuts the slab (None: unknown, all
    faces count). A face between two neighbouring planes is not outer: it is where the slab
    model's staircase steps from one contour to the next (see ``contour_stack.vertex_doses``)."""

    z_mm: np.ndarray
    lo_mm: np.ndarray
    hi_mm: np.ndarray
    spacing_mm: float  # the contour spacing used for end caps and gaps
    outer_lo: np.ndarray | None = None
    outer_hi: np.ndarray | None = None
    notes: tuple[str, ...] = ()  # how the slabs were chosen, when the user should know (DVH notes)

    @property
    def thickness_mm(self) -> np.ndarray:
        return self.hi_mm - self.lo_mm


def plane_slabs(z_mm: np.ndarray, options: DvhOptions, default_spacing_mm: float, slices=None) -> Slabs:
    """Slabs of the sorted plane positions ``z_mm``.

    ``slices``: the structure set's ``SliceGrid`` (``rtreview.core.dicom.slices``): each plane
    takes the slab of its image slice, and a side where the ROI has no contour on the neighbouring
    slice is an end cap (half the slice; none with ``end_caps="none"``). Without it (or with
    ``options.slice_thickness_mm``, or when a plane is not on a slice) the ROI's own planes
    decide: half the distance to each neighbour, a gap wider than ``gap_factor`` spacings splits
    the ROI, caps of half its median spacing (``slice_thickness_mm`` or ``default_spacing_mm``
    for one plane)."""
    z = np.asarray(z_mm, dtype=float)
    if slices is not None and not options.slice_thickness_mm and z.size:
        found = _slice_slabs(z, options, slices)
        if found is not None:
            return found
    gaps = np.diff(z)
    notes: tuple[str, ...] = ()
    if options.slice_thickness_mm:
        spacing = float(options.slice_thickness_mm)
    elif gaps.size:
        spacing = float(np.median(gaps))
    else:
        spacing = float(default_spacing_mm)
        notes = (f"contoured on one plane and no slice spacing is known: the dose grid's frame spacing "
                 f"{spacing:.3g} mm is taken as its thickness",)
    half_cap = 0.5 * spacing if options.end_caps == END_CAPS_HALF else 0.0
    mid = 0.5 * (z[:-1] + z[1:])
    split = gaps > options.gap_factor * spacing
    hi = np.append(np.where(split, z[:-1] + half_cap, mid), z[-1] + half_cap)
    lo = np.insert(np.where(split, z[1:] - half_cap, mid), 0, z[0] - half_cap)
    if split.any():
        notes += (f"{int(split.sum()) + 1} pieces along z (gaps up to {gaps.max():.3g} mm between contour "
                  f"planes {spacing:.3g} mm apart are not filled), each with its own end caps",)
    return Slabs(z, lo, hi, spacing, np.insert(split, 0, True), np.append(split, True), notes)


def _slice_slabs(z: np.ndarray, options: DvhOptions, slices) -> Slabs | None:
    """The slabs of planes ``z`` on the slices (None if a plane is not on one)."""
    index = slices.index(z)
    if np.any(index < 0) or np.any(np.diff(index) <= 0):
        return None
    # The ROI continues onto the next slice when it has a contour there and the slices are neighbours.
    joined = (np.diff(index) == 1) & slices.joined[index[:-1]]
    # (np.concatenate: the same arrays as np.insert / np.append at the ends, without their overhead)
    apart = ~joined
    outer_lo = np.concatenate(([True], apart))
    outer_hi = np.concatenate((apart, [True]))
    # Joined: the slab boundary half-way to the next contour; a cap: half the slice's own thickness.
    cap = 1.0 if options.end_caps == END_CAPS_HALF else 0.0
    mid = 0.5 * (z[:-1] + z[1:])
    lo = np.where(outer_lo, z - cap * slices.half_below[index], np.concatenate(([np.nan], mid)))
    hi = np.where(outer_hi, z + cap * slices.half_above[index], np.concatenate((mid, [np.nan])))
    notes: tuple[str, ...] = ()
    where = "the CT's slice" if slices.source == "CT" else "the structure set's slice spacing"
    if z.size == 1:
        notes = (f"contoured on one plane: its slab is {hi[0] - lo[0]:.3g} mm thick ({where} there)",)
    missing = int(index[-1] - index[0] + 1 - index.size)
    pieces = int((~joined).sum()) + 1
    if missing or pieces > 1:
        notes += (f"contours on {index.size} of the {index[-1] - index[0] + 1} slices from z = {z[0]:.1f} to "
                  f"{z[-1]:.1f} mm: the {missing} slices without a contour are not part of the structure "
                  f"({pieces} pieces along z, each with its own end caps)",)
    return Slabs(z, lo, hi, float(slices.spacing_mm), outer_lo, outer_hi, notes)


@dataclass(frozen=True)
class SamplePlan:
    grid: CellGrid
    z_step_mm: float  # target sub-slab thickness where the dose varies along z


def sample_plan(bounds_mm: tuple[float, float, float, float], slabs: Slabs, volume_mm3: float,
                dose, options: DvhOptions) -> SamplePlan:
    """Choose the cell grid covering ``bounds_mm`` = (xmin, xmax, ymin, ymax) and the z step."""
    xmin, xmax, ymin, ymax = bounds_mm
    dx, dy, dz = dose.spacing_mm
    n = options.samples_across
    floor_mm = options.min_spacing_mm
    z_extent = float(slabs.hi_mm[-1] - slabs.lo_mm[0])
    z_cap = max(dz, slabs.spacing_mm)  # samples are stratified within sub-slabs up to this
    hx = min(dx, max(floor_mm, (xmax - xmin) / n))
    hy = min(dy, max(floor_mm, (ymax - ymin) / n))
    hz = min(z_cap, max(floor_mm, z_extent / n))
    estimate = volume_mm3 / (hx * hy * hz)
    if estimate > options.max_samples:
        # Coarsen: z up to the contour spacing, then in-plane (beyond the dose grid spacing for
        # very large structures; samples stay stratified within their cells).
        scale = (estimate / options.max_samples) ** (1.0 / 3.0)
        hz_new = min(z_cap, hz * scale)
        in_plane = math.sqrt(estimate / options.max_samples * hz / hz_new)
        hx, hy, hz = hx * in_plane, hy * in_plane, hz_new
    return SamplePlan(_aligned_grid(dose.x_mm[0], _step(dx, hx), xmin, xmax,
                                    dose.y_mm[0], _step(dy, hy), ymin, ymax), hz)


def _step(dose_step: float, wanted: float) -> float:
    """``wanted`` rounded to a divisor (or, when coarser, a multiple) of the dose grid step."""
    if wanted <= dose_step:
        return dose_step / math.ceil(dose_step / wanted - 1e-9)
    return dose_step * max(1, round(wanted / dose_step))


def _aligned_grid(x_ref: float, hx: float, xmin: float, xmax: float,
                  y_ref: float, hy: float, ymin: float, ymax: float) -> CellGrid:
    """Cells of size hx x hy whose centres fall on x_ref + k*hx (y likewise), one cell of margin."""
    kx = math.floor((xmin - (x_ref - 0.5 * hx)) / hx) - 1
    ky = math.floor((ymin - (y_ref - 0.5 * hy)) / hy) - 1
    x0 = x_ref - 0.5 * hx + kx * hx
    y0 = y_ref - 0.5 * hy + ky * hy
    nx = math.ceil((xmax - x0) / hx) + 1
    ny = math.ceil((ymax - y0) / hy) + 1
    return CellGrid(x0, y0, hx, hy, nx, ny)


def sub_slab_counts(slabs: Slabs, z_step_mm: float) -> np.ndarray:
    """Number of sub-slabs per plane so that none is thicker than ``z_step_mm``."""
    return np.maximum(1, np.ceil(slabs.thickness_mm / z_step_mm - 1e-9)).astype(np.int64)


def plane_chunks(cells_per_plane: int, counts: np.ndarray, max_cells: int) -> list[slice]:
    """Consecutive plane ranges whose cells x sub-slabs stay under ``max_cells`` (>= 1 plane each)."""
    chunks, start, load = [], 0, 0
    for k, m in enumerate(np.asarray(counts).tolist()):  # Python ints: no numpy scalar per plane
        cost = cells_per_plane * (int(m) + 1)
        if k > start and load + cost > max_cells:
            chunks.append(slice(start, k))
            start, load = k, 0
        load += cost
    chunks.append(slice(start, len(counts)))
    return chunks
