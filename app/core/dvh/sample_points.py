"""The points where the DVH engine samples a structure: for doses looked up elsewhere (sample points,
as opposed to POINT ROIs: ``points``).

``roi_points(roi, geometry)`` runs the engine's geometry exactly (``contour_stack.contour_stack``,
clipped to ``geometry``'s covered box by ``contour_stack.clip_to_dose``, the sample grid of
``sampling.sample_plan`` aligned with ``geometry``'s voxel lattice, the stratified sub-slab
samples of ``tally.sample_positions``) and returns the samples' positions (mm) and volumes.
``geometry`` is a DoseGrid, or a ``Geometry`` (axes only). Given a DoseGrid, the points are
exactly those ``compute_dvh(roi, dose)`` tallies, with the doses it gives them
(``own_dose_gy``). Used by the multi-course composite (``rtreview.core.constraints.accumulate``):
every course's dose is looked up at the same points, so summing never smooths a peak away.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import histogram
from .compute import DvhError, skip_reason
from .contour_stack import clip_to_dose, contour_stack, vertex_points
from .interpolate import trilinear
from .options import DvhOptions
from .rasterize import coverage
from .sampling import plane_chunks, sample_plan, sub_slab_counts
from .tally import sample_positions


@dataclass
class Geometry:
    """A voxel lattice without a dose: the axes (mm, increasing) the sample grid aligns with."""

    x_mm: np.ndarray
    y_mm: np.ndarray
    z_mm: np.ndarray
    # covered_box() looks at the shape only to tell single-row grids apart
    dose_gy: np.ndarray = field(default_factory=lambda: np.zeros((2, 2, 2), np.float32), repr=False)

    @cached_property
    def spacing_mm(self) -> tuple[float, float, float]:
        def step(a: np.ndarray) -> float:
            return float(np.median(np.diff(a))) if a.size > 1 else 1.0
        return step(self.x_mm), step(self.y_mm), step(self.z_mm)


@dataclass
class StructurePoints:
    """Sample positions (mm, float64) and volumes (mm³, float32) of a structure inside a geometry.

    ``outside_mm3``: the structure's volume outside the geometry's covered box (exact);
    ``vertices``: contour vertices on the slab faces (and where the box cuts the structure),
    where Dmin / Dmax may lie between samples (``(x, y, z)`` arrays)."""

    x_mm: np.ndarray
    y_mm: np.ndarray
    z_mm: np.ndarray
    volume_mm3: np.ndarray
    outside_mm3: float = 0.0
    vertices: tuple[np.ndarray, np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0), np.zeros(0))
    # With a DoseGrid as geometry: the doses the engine gives these samples (float32), else None.
    own_dose_gy: np.ndarray | None = None
    covered_mm3: float = 0.0  # the exact covered volume (sum of the cells' volumes)
    # With a DoseGrid: the engine's dose at each vertex (NaN where that grid does not cover it).
    own_vertex_dose_gy: np.ndarray | None = None

    @property
    def total_mm3(self) -> float:
        """The whole structure's volume (covered + outside the geometry)."""
        return self.covered_mm3 + self.outside_mm3

    @property
    def size(self) -> int:
        return int(self.x_mm.size)


def collect(chunks, outside_mm3: float, vertices, with_dose: bool, vertex_dose=None) -> StructurePoints:
    """StructurePoints from ``tally.sample_positions`` results, one per chunk; the points the
    samples were moved to on outer faces join ``vertices`` (extremes without volume).
    ``vertex_dose``: with a dose, its values at ``vertices`` (NaN outside the grid)."""
    covered = 0.0
    parts, faces, face_doses = [], [], []
    for x, y, z, v, c, d, f in chunks:
        covered += c
        faces.append(f[:3])
        if f[3] is not None:
            face_doses.append(f[3].astype(np.float64))
        if x.size:
            parts.append((x, y, z, v, d))
    all_vertices = join_vertices([vertices, *faces])
    own_vertex = None
    if with_dose:
        own_vertex = np.concatenate([np.asarray(vertex_dose if vertex_dose is not None else np.zeros(0), float),
                                     *face_doses]) if (face_doses or vertex_dose is not None) else np.zeros(0)
    if not parts:
        empty = np.zeros(0)
        return StructurePoints(empty, empty, empty, np.zeros(0, np.float32), outside_mm3, all_vertices,
                               np.zeros(0, np.float32) if with_dose else None, covered, own_vertex)
    x, y, z, v = (np.concatenate([p[k] for p in parts]) for k in range(4))
    d = np.concatenate([p[4] for p in parts]) if with_dose else None
    return StructurePoints(x, y, z, v, outside_mm3, all_vertices, d, covered, own_vertex)


def z_tolerance_gy(dose, options: DvhOptions) -> float:
    """The engine's threshold for merging sub-slabs where ``dose`` hardly varies along z."""
    return 0.25 * histogram.choose_bin_width(dose.max_gy, options.bin_width_gy)


def is_dose(geometry) -> bool:
    return not isinstance(geometry, Geometry)


def join_vertices(groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    groups = [g for g in groups if g[0].size]
    if not groups:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    return tuple(np.concatenate([g[k] for g in groups]) for k in range(3))


def roi_points(roi, geometry, options: DvhOptions | None = None) -> StructurePoints:
    """The engine's samples of one ROI inside ``geometry`` (DvhError when it has no closed contour);
    on a DoseGrid exactly those of ``compute_dvh(roi, geometry, options)``, with their doses."""
    options = options or DvhOptions()
    reason = skip_reason(roi)
    if reason:
        raise DvhError(f"ROI {roi.number} {roi.name!r}: {reason}")
    stack = contour_stack(roi, options, geometry.spacing_mm[2])
    if stack is None:
        raise DvhError(f"ROI {roi.number} {roi.name!r}: contours have fewer than 3 points")
    planes, signs, areas, slabs, bounds = stack
    # as compute._compute_dvh: extremes at the contour's own vertices, where the grid cuts it,
    # and on the outer faces of the end caps (tally.sample_cells)
    vertices = [vertex_points(planes, slabs)] if options.vertex_extremes else []
    planes, signs, slabs, bounds, covered_estimate_mm3, outside_mm3, corners = clip_to_dose(
        planes, signs, areas, slabs, bounds, geometry)
    if corners is not None and options.vertex_extremes:
        vertices.append(vertex_points(corners, slabs))
    dose = geometry if is_dose(geometry) else None
    tolerance = z_tolerance_gy(dose, options) if dose is not None else 0.0
    chunks = []
    if planes:
        plan = sample_plan(bounds, slabs, max(covered_estimate_mm3, 1e-9), geometry, options)
        grid = plan.grid
        counts = sub_slab_counts(slabs, plan.z_step_mm)
        for chunk in plane_chunks(grid.ny * grid.nx, counts, options.chunk_cells):
            cov, cells = coverage(planes[chunk], grid, centroids=True, signs=signs[chunk])
            outer = None if slabs.outer_lo is None or not options.vertex_extremes else \
                (slabs.outer_lo[chunk], slabs.outer_hi[chunk])
            chunks.append(sample_positions(cov, cells, slabs.lo_mm[chunk], slabs.hi_mm[chunk], counts[chunk], grid,
                                           dose, tolerance, outer))
    vertices = join_vertices(vertices)
    vertex_dose = trilinear(dose, *vertices)[0] if dose is not None and vertices[0].size else None
    return collect(chunks, outside_mm3, vertices, dose is not None, vertex_dose)
