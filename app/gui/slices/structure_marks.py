"""The structures as the slice views draw them: each visible ROI's contour polylines on a slice
(``contour_lines``) and the visible POINT ROIs near it with their dose (``point_marks``)."""
from __future__ import annotations

import numpy as np

from rtreview.core.viewing import contours, slicing
from rtreview.core.viewing.slicing import Plane

# The coordinate (x, y or z, in mm) a coronal / sagittal section is taken at.
_SECTION = {Plane.CORONAL: "y", Plane.SAGITTAL: "x"}


def contour_lines(rois, visible, plane: Plane, ct, position: dict, edges: dict) -> dict:
    """``{roi_number: (rgb, xs, ys)}``: the visible ROIs' outlines on the slice of ``plane`` through
    ``position`` (x, y, z in mm). ``edges``: each ROI's ``contours.RoiEdges`` by number, filled
    here as needed (the caller keeps it while the structure set stays)."""
    out = {}
    dz = float(np.median(np.diff(ct.z_mm))) if ct.z_mm.size > 1 else 3.0
    for roi in rois:
        if roi.number not in visible or roi.is_empty:
            continue
        if plane is Plane.AXIAL:
            xs, ys = contours.axial_polylines(roi, position["z"], dz / 2 + 1e-3)
        else:
            roi_edges = edges.get(roi.number)
            if roi_edges is None:
                roi_edges = edges[roi.number] = contours.RoiEdges(roi)
            u, _v = slicing.slice_axes(ct, plane)
            xs, ys = roi_edges.section_polylines(_SECTION[plane], position[_SECTION[plane]], u)
        out[roi.number] = (roi.color_rgb, xs, ys)
    return out


def point_marks(rois, visible, point_doses: dict, axes: tuple[str, str, str], ct, position: dict) -> list:
    """Visible POINT ROIs within half a voxel of the slice through ``position``: (rgb, u, v,
    'name: dose'). ``axes``: the plane's (u, v, fixed) coordinate names; ``point_doses``: the
    ``PointDose`` list per ROI number."""
    cu, cv, fixed = axes
    axis = {"x": ct.x_mm, "y": ct.y_mm, "z": ct.z_mm}[fixed]
    half = 0.5 * float(np.median(np.diff(axis))) if axis.size > 1 else 1.5
    out = []
    for roi in rois:
        if roi.number not in visible or not roi.points_mm:
            continue
        known = {tuple(p.position_mm): p.dose_gy for p in point_doses.get(roi.number, [])}
        for point in roi.points_mm:
            p = dict(zip("xyz", point))
            if abs(p[fixed] - position[fixed]) > half + 1e-6:
                continue
            dose_gy = known.get(tuple(float(v) for v in point))
            text = roi.name if len(roi.name) <= 32 else roi.name[:31] + "…"
            text += f": {dose_gy:.2f} Gy" if dose_gy is not None else ""
            out.append((roi.color_rgb, p[cu], p[cv], text))
    return out
