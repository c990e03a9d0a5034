"""The contour stack as the engine samples it: a ROI's closed-planar polygons per plane with their
even-odd signs, areas and slabs (``contour_stack``), that stack clipped exactly to the dose grid's
covered box (``clip_to_dose``), and its vertices on their own planes with the dose there, where
Dmin / Dmax may fall between samples (``vertex_points``, ``vertex_doses``)."""
from __future__ import annotations

import numpy as np

from .interpolate import covered_box, trilinear
from .options import DvhOptions
from .rasterize import box_crossings, clip_to_box, even_odd_signs, polygon_areas_mm2
from .sampling import Slabs, plane_slabs


def contour_stack(roi, options: DvhOptions, default_spacing_mm: float):
    """A ROI's closed-planar contours as the engine samples them, or None if no polygon has 3 points:
    ``(planes, signs, areas, slabs, bounds)``: per plane (sorted by z) its polygons (N, 2), their
    ``even_odd_signs`` and the even-odd area (mm²); the planes' slabs; the x-y bounding box of
    the vertices (xmin, xmax, ymin, ymax)."""
    z_keys = sorted(roi.planes)
    planes = [[np.asarray(p, dtype=float) for p in roi.planes[k] if len(p) >= 3] for k in z_keys]
    vertices = [p for plane in planes for p in plane]
    if not vertices:
        return None
    slabs = plane_slabs(np.array(z_keys, dtype=float), options, default_spacing_mm, getattr(roi, "slices", None))
    xy = np.concatenate(vertices)
    bounds = (xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max())
    polygon_areas = polygon_areas_mm2(vertices)
    signs, areas, start = [], np.zeros(len(planes)), 0
    for k, plane in enumerate(planes):
        if len(plane) == 1:  # the usual plane: even_odd_signs and the one-term dot below, by hand
            a = float(polygon_areas[start])
            start += 1
            sign = -1.0 if a >= 0 else 1.0
            signs.append([sign])
            areas[k] = -(sign * a)  # = -float(np.dot([sign], [a])): the sign is +-1, the product exact
            continue
        own = polygon_areas[start:start + len(plane)]
        start += len(plane)
        signs.append(even_odd_signs(plane, own) if plane else [])
        # even_odd_signs returns -orientation * parity; the accumulation counts CCW as -1.
        areas[k] = -float(np.dot(signs[-1], own)) if plane else 0.0
    return planes, signs, areas, slabs, bounds


def clip_to_dose(planes, signs, areas: np.ndarray, slabs: Slabs, bounds, dose):
    """The part of the contour stack inside the dose grid's covered box, exactly.

    Slabs are cut at the box's z limits (planes whose slab lies outside are dropped) and polygons
    reaching beyond its x / y limits are projected onto it (``clip_to_box``: their even-odd
    coverage within the box is unchanged, outside it is 0). Returns ``(planes, signs, slabs,
    bounds, covered_mm3, outside_mm3, corners)``: what to sample, the covered volume (even-odd
    areas x slab thicknesses), the exact volume outside the box, and per kept plane the points
    where extremes may sit on the cut (the polygons' vertices inside the box and their edges'
    crossings with its lines; None when nothing was cut). Sampling only the covered part keeps
    the sample grid as fine as for the structure's own covered extent, however large the
    structure, and puts every sample inside the grid (no per-sample coverage test).
    """
    (x_lo, x_hi), (y_lo, y_hi), (z_lo, z_hi) = covered_box(dose)
    lo = np.maximum(slabs.lo_mm, z_lo)
    hi = np.minimum(slabs.hi_mm, z_hi)
    thick = np.maximum(hi - lo, 0.0)
    xmin, xmax, ymin, ymax = bounds
    in_xy = xmin >= x_lo and xmax <= x_hi and ymin >= y_lo and ymax <= y_hi
    if in_xy and np.array_equal(thick, slabs.thickness_mm):
        return planes, signs, slabs, bounds, float(np.dot(areas, slabs.thickness_mm)), 0.0, None
    outside = float(np.dot(areas, slabs.thickness_mm - thick))
    keep = np.flatnonzero(thick > 0)
    corners = []
    if not in_xy:
        clipped_planes, clipped_signs, clipped_areas = [], [], np.zeros(keep.size)
        for n, k in enumerate(keep):
            polys, kept_signs, points = [], [], []
            for poly, sign in zip(planes[k], signs[k]):
                px, py = poly[:, 0], poly[:, 1]
                if px.max() <= x_lo or px.min() >= x_hi or py.max() <= y_lo or py.min() >= y_hi:
                    continue  # projects onto the box's boundary: no area inside
                polys.append(clip_to_box(poly, x_lo, x_hi, y_lo, y_hi))
                kept_signs.append(sign)
                inside = (px >= x_lo) & (px <= x_hi) & (py >= y_lo) & (py <= y_hi)
                points.extend((poly[inside], box_crossings(poly, x_lo, x_hi, y_lo, y_hi)))
            corners.append([np.concatenate(points)] if points else [])
            if polys:
                clipped_areas[n] = -float(np.dot(kept_signs, polygon_areas_mm2(polys)))
            outside += max(float(areas[k]) - clipped_areas[n], 0.0) * float(thick[k])
            clipped_planes.append(polys)
            clipped_signs.append(kept_signs)
        occupied = [n for n, polys in enumerate(clipped_planes) if polys]
        corners = [corners[n] for n in occupied]
        planes = [clipped_planes[n] for n in occupied]
        signs = [clipped_signs[n] for n in occupied]
        kept_areas = clipped_areas[occupied]
        keep = keep[occupied]
        bounds = (max(xmin, x_lo), min(xmax, x_hi), max(ymin, y_lo), min(ymax, y_hi))
    else:
        planes = [planes[k] for k in keep]
        signs = [signs[k] for k in keep]
        corners = planes
        kept_areas = areas[keep]
    if keep.size == 0:
        return [], [], slabs, bounds, 0.0, outside, None
    outer_lo = lo > slabs.lo_mm  # faces the grid cuts bound the covered part
    outer_hi = hi < slabs.hi_mm
    if slabs.outer_lo is not None:
        outer_lo |= slabs.outer_lo
        outer_hi |= slabs.outer_hi
    clipped = Slabs(slabs.z_mm[keep], lo[keep], hi[keep], slabs.spacing_mm, outer_lo[keep], outer_hi[keep],
                    slabs.notes)
    return planes, signs, clipped, bounds, float(np.dot(kept_areas, thick[keep])), outside, corners

def vertex_points(planes, slabs: Slabs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every contour vertex on its own plane (a plane outside a slab the dose grid cuts moved onto
    the cut): ``(x_mm, y_mm, z_mm)``, where ``vertex_doses`` looks for extremes between samples."""
    polys = [poly for plane in planes for poly in plane]
    if not polys:
        empty = np.zeros(0)
        return empty, empty, empty
    counts = np.array([sum(len(poly) for poly in plane) for plane in planes])
    xy = np.concatenate(polys)
    own = np.clip(slabs.z_mm, slabs.lo_mm, slabs.hi_mm)
    # Contiguous copies: every later step reads them whole (quicker than strided views).
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]), np.repeat(own, counts)


def vertex_doses(planes, slabs: Slabs, dose) -> np.ndarray:
    """Dose at every contour vertex on its own plane (covered only; a plane outside a slab the
    dose grid cuts is moved onto the cut): the extremes on the drawn outline that fall between
    samples. Not on the slab faces: a vertex moved half a spacing up or down is a corner of the
    slab staircase, outside the drawn shape wherever the next contour is smaller, and in a dose
    gradient along z such corners set Dmin / Dmax from outside the structure (Pinnacle H&N PTV:
    40.6 Gy on a curve that leaves 100 % at 43.1 Gy). The end caps' outer faces are covered by
    the samples' columns there (``tally.sample_cells``)."""
    x, y, z = vertex_points(planes, slabs)
    if x.size == 0:
        return np.zeros(0)
    values, inside = trilinear(dose, x, y, z)
    return values[inside]
