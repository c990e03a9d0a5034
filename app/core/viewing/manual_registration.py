"""Manual rigid registration of a moving CT onto a fixed (reference) CT, for display (no Qt).

Parameters: a translation (mm) and rotations about the x, y and z axes (degrees) applied about
a centre (the fixed CT's centre): the matrix maps moving-frame mm into the fixed frame,

    M = T(t) T(c) Rz Ry Rx T(-c)        (fixed_mm = M @ moving_mm)

which is the Frame of Reference Transformation Matrix of the REG that is saved (registered
frame = the fixed CT's). Display: every pixel of a fixed-CT slice is looked up in the moving CT
at M^-1 p (nearest voxel, NaN outside), shown as a checkerboard or a blend; the moving
structures' contour points are mapped by M and the segments lying within half a slice of the
plane are drawn (exact for rotations about the plane's normal, an approximation otherwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from rtreview.core.dicom.frame_links import apply, invert

from .slicing import Plane, slice_axes, slice_position_mm


def _rotation(rx: float, ry: float, rz: float) -> np.ndarray:
    a, b, c = (math.radians(v) for v in (rx, ry, rz))
    rot_x = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    rot_y = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rot_z = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return rot_z @ rot_y @ rot_x


@dataclass(frozen=True)
class RigidParameters:
    tx: float = 0.0
    ty: float = 0.0
    tz: float = 0.0
    rx: float = 0.0
    ry: float = 0.0
    rz: float = 0.0
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def matrix(self) -> np.ndarray:
        """moving mm -> fixed mm (4x4)."""
        m = np.eye(4)
        c = np.asarray(self.center, float)
        r = _rotation(self.rx, self.ry, self.rz)
        m[:3, :3] = r
        m[:3, 3] = np.array([self.tx, self.ty, self.tz]) + c - r @ c
        return m

    @classmethod
    def from_matrix(cls, matrix: np.ndarray, center=(0.0, 0.0, 0.0)) -> "RigidParameters":
        """The parameters of a rigid matrix (Rz Ry Rx decomposition; |ry| < 90 degrees)."""
        m = np.asarray(matrix, float)
        r = m[:3, :3]
        ry = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
        rx = math.degrees(math.atan2(r[2, 1], r[2, 2]))
        rz = math.degrees(math.atan2(r[1, 0], r[0, 0]))
        c = np.asarray(center, float)
        t = m[:3, 3] - c + r @ c
        return cls(float(t[0]), float(t[1]), float(t[2]), rx, ry, rz, tuple(float(v) for v in c))

    def moved(self, plane: Plane, du_mm: float = 0.0, dv_mm: float = 0.0, dangle_deg: float = 0.0) -> "RigidParameters":
        """Translated in the view's plane (u, v) and rotated about its normal."""
        plane = Plane(plane)
        if plane is Plane.AXIAL:
            return replace(self, tx=self.tx + du_mm, ty=self.ty + dv_mm, rz=self.rz + dangle_deg)
        if plane is Plane.CORONAL:
            return replace(self, tx=self.tx + du_mm, tz=self.tz + dv_mm, ry=self.ry - dangle_deg)
        return replace(self, ty=self.ty + du_mm, tz=self.tz + dv_mm, rx=self.rx + dangle_deg)


def ct_center(ct) -> tuple[float, float, float]:
    return tuple(float((a[0] + a[-1]) / 2) for a in (ct.x_mm, ct.y_mm, ct.z_mm))


def _slice_points(fixed_ct, plane: Plane, index: int) -> tuple[np.ndarray, tuple[int, int]]:
    u, v = slice_axes(fixed_ct, plane)
    w = slice_position_mm(fixed_ct, plane, index)
    uu, vv = np.meshgrid(u, v, indexing="xy")
    ww = np.full(uu.shape, w)
    if plane is Plane.AXIAL:
        pts = np.stack([uu, vv, ww], axis=-1)
    elif plane is Plane.CORONAL:
        pts = np.stack([uu, ww, vv], axis=-1)
    else:
        pts = np.stack([ww, uu, vv], axis=-1)
    return pts, uu.shape


def _nearest(axis: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    i = np.clip(np.searchsorted(axis, values), 1, max(axis.size - 1, 1))
    left = axis[i - 1]
    right = axis[np.minimum(i, axis.size - 1)]
    i = np.where(np.abs(values - left) <= np.abs(right - values), i - 1, i)
    i = np.clip(i, 0, axis.size - 1)
    half = (float(np.median(np.diff(axis))) / 2) if axis.size > 1 else 0.5
    inside = (values >= axis[0] - half) & (values <= axis[-1] + half)
    return i, inside


def moving_slice(fixed_ct, moving_ct, matrix: np.ndarray, plane: Plane, index: int) -> np.ndarray:
    """The moving CT (HU, float32, NaN outside it) on the pixels of a fixed-CT slice; ``matrix``
    maps moving mm into fixed mm."""
    plane = Plane(plane)
    pts, shape = _slice_points(fixed_ct, plane, index)
    q = apply(invert(matrix), pts.reshape(-1, 3))
    ix, inx = _nearest(moving_ct.x_mm, q[:, 0])
    iy, iny = _nearest(moving_ct.y_mm, q[:, 1])
    iz, inz = _nearest(moving_ct.z_mm, q[:, 2])
    values = moving_ct.hu[iz, iy, ix].astype(np.float32)
    values[~(inx & iny & inz)] = np.nan
    return values.reshape(shape)


def checkerboard(fixed: np.ndarray, moving: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray,
                 square_mm: float = 20.0) -> np.ndarray:
    """Fixed and moving images in alternating squares (fixed where the moving has no data)."""
    cu = np.floor((u_mm - u_mm[0]) / square_mm).astype(int)
    cv = np.floor((v_mm - v_mm[0]) / square_mm).astype(int)
    take_moving = ((cv[:, None] + cu[None, :]) % 2 == 1) & np.isfinite(moving)
    return np.where(take_moving, moving, fixed).astype(np.float32)


def blend(fixed: np.ndarray, moving: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) fixed + weight moving (fixed alone where the moving has no data)."""
    w = min(max(float(weight), 0.0), 1.0)
    return np.where(np.isfinite(moving), (1 - w) * fixed + w * np.nan_to_num(moving), fixed).astype(np.float32)


def moved_contours(roi, matrix: np.ndarray, plane: Plane, position_mm: float, half_mm: float):
    """(us, vs) polylines with NaN breaks (view coordinates): the ROI's contour points mapped by
    ``matrix``, kept where they lie within ``half_mm`` of the plane at ``position_mm``."""
    axis = {Plane.AXIAL: 2, Plane.CORONAL: 1, Plane.SAGITTAL: 0}[Plane(plane)]
    cols = {Plane.AXIAL: (0, 1), Plane.CORONAL: (0, 2), Plane.SAGITTAL: (1, 2)}[Plane(plane)]
    us, vs = [], []
    for z, polygons in roi.planes.items():
        for poly in polygons:
            pts = np.column_stack([poly, np.full(len(poly), z)])
            pts = apply(matrix, np.vstack([pts, pts[:1]]))
            near = np.abs(pts[:, axis] - position_mm) <= half_mm
            if not near.any():
                continue
            u = np.where(near, pts[:, cols[0]], np.nan)  # a point off the plane breaks the line
            v = np.where(near, pts[:, cols[1]], np.nan)
            us.append(np.append(u, np.nan))
            vs.append(np.append(v, np.nan))
    if not us:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(us), np.concatenate(vs)
