"""Where the slice views start (no Qt): the centre of the target the dose treats.

A reviewer looks first at the target: of the targets this dose treats (at least half the dose
maximum at their centre; all targets when there is no dose), a PTV before a CTV/ITV before a
GTV, the hottest first; without a target the dose maximum; without a dose either the centre of
the contours, else of the CT. The point is clipped to the CT.
"""
from __future__ import annotations

import numpy as np

from . import slicing

TARGET_RANK = {"PTV": 0, "CTV": 1, "ITV": 1, "GTV": 2}


def roi_centre(roi) -> tuple[float, float, float]:
    """Centre of a ROI's contours' bounding box (mm)."""
    xy = np.concatenate([p for polys in roi.planes.values() for p in polys])
    zs = roi.plane_z_mm
    return tuple(float(np.mean([a.min(), a.max()])) for a in (xy[:, 0], xy[:, 1], zs))


def start_position(link) -> dict[str, float]:
    """{'x', 'y', 'z'} in mm of the first view of ``link`` (a DoseLink with a CT); see the module."""
    ct, d = link.ct, link.dose
    rois = link.structure_set.rois if link.structure_set is not None else []
    drawn = [r for r in rois if r.planes and r.type.upper() != "EXTERNAL"]
    targets = [r for r in drawn if r.is_target]
    centre = None
    if targets:
        centres = {r.number: roi_centre(r) for r in targets}
        doses = {r.number: (slicing.dose_at(d, *centres[r.number]) or 0.0) if d is not None else 0.0
                 for r in targets}
        treated = [r for r in targets if d is None or doses[r.number] >= 0.5 * d.max_gy] or targets
        best = min(treated, key=lambda r: (TARGET_RANK.get(r.type.upper(), 3), -doses[r.number], targets.index(r)))
        centre = centres[best.number]
    elif d is not None and d.dose_gy.size:
        k, j, i = np.unravel_index(int(np.argmax(d.dose_gy)), d.dose_gy.shape)
        centre = (d.x_mm[i], d.y_mm[j], d.z_mm[k])
    elif drawn:
        centre = roi_centre(drawn[0])
    x, y, z = centre if centre is not None else (float(np.mean(a[[0, -1]])) for a in (ct.x_mm, ct.y_mm, ct.z_mm))
    return {"x": float(np.clip(x, ct.x_mm[0], ct.x_mm[-1])),
            "y": float(np.clip(y, ct.y_mm[0], ct.y_mm[-1])),
            "z": float(np.clip(z, ct.z_mm[0], ct.z_mm[-1]))}
