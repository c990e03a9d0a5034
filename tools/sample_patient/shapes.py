"""Analytic 3-D shapes sliced axially: one definition gives both the CT voxels and the contours.

Every shape answers two questions for an axial plane at ``z_mm``:

- ``depth(z_mm, xs_mm, ys_mm)``: the approximate distance (mm) from each grid point to the
  shape's boundary, positive inside, restricted to the shape's bounding box on that plane;
- ``contours(z_mm)``: the closed polygons of the cross-section, ``(N, 2)`` arrays of (x, y) mm,
  combining by the even-odd rule.

Coordinates are DICOM patient coordinates for a head-first-supine patient: +x patient left,
+y posterior, +z superior. Angles are measured from +x towards +y (degrees in the public API).
"""
from __future__ import annotations

import numpy as np

TWO_PI = 2.0 * np.pi
POINT_SPACING_MM = 1.5  # contour vertex spacing: 100-400 points for organ-sized cross-sections
MIN_POINTS, MAX_POINTS = 16, 400


def _n_points(perimeter_mm: float) -> int:
    return int(np.clip(round(perimeter_mm / POINT_SPACING_MM), MIN_POINTS, MAX_POINTS))


def _cap(d_mm: float, cap_mm: float) -> float:
    """Dome factor: 0 at an end, 1 from ``cap_mm`` inwards (a circle's profile)."""
    if cap_mm <= 0 or d_mm >= cap_mm:
        return 1.0
    t = 1.0 - max(d_mm, 0.0) / cap_mm
    return float(np.sqrt(max(1.0 - t * t, 0.0)))


class Profile:
    """A smooth periodic radial profile through control radii at equally spaced angles
    (trigonometric interpolation, tabulated). Radii are relative (1 = the ellipse)."""

    N_TABLE = 1440

    def __init__(self, radii=None):
        radii = np.ones(8) if radii is None else np.asarray(radii, dtype=float)
        m = radii.size
        c = np.fft.rfft(radii) / m
        k = np.arange(c.size)[:, None]
        w = np.full(c.size, 2.0)
        w[0] = 1.0
        if m % 2 == 0:
            w[-1] = 1.0
        self.theta = np.linspace(0.0, TWO_PI, self.N_TABLE, endpoint=False)
        self.r = (w[:, None] * (c.real[:, None] * np.cos(k * self.theta)
                                - c.imag[:, None] * np.sin(k * self.theta))).sum(axis=0)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        return np.interp(theta, self.theta, self.r, period=TWO_PI)


class Shape:
    """Base: a z extent and the two per-plane queries."""

    z_min: float
    z_max: float

    def spans(self, z_mm: float) -> bool:
        return self.z_min < z_mm < self.z_max

    def bbox(self, z_mm: float) -> tuple[float, float, float, float] | None:
        raise NotImplementedError

    def _depth_local(self, z_mm, x, y):
        raise NotImplementedError

    def contours(self, z_mm: float) -> list[np.ndarray]:
        raise NotImplementedError

    def depth(self, z_mm: float, xs: np.ndarray, ys: np.ndarray):
        """``(iy0, iy1, ix0, ix1, depth_mm)`` over the bounding box on this plane, or None."""
        if not self.spans(z_mm):
            return None
        box = self.bbox(z_mm)
        if box is None:
            return None
        x0, x1, y0, y1 = box
        ix0, ix1 = np.searchsorted(xs, x0), np.searchsorted(xs, x1, side="right")
        iy0, iy1 = np.searchsorted(ys, y0), np.searchsorted(ys, y1, side="right")
        if ix1 <= ix0 or iy1 <= iy0:
            return None
        x, y = np.meshgrid(xs[ix0:ix1], ys[iy0:iy1])
        return iy0, iy1, ix0, ix1, self._depth_local(z_mm, x, y)

    def contains(self, x_mm: float, y_mm: float, z_mm: float) -> bool:
        """True when the point is inside (strictly)."""
        if not self.spans(z_mm):
            return False
        d = self._depth_local(z_mm, np.array([[x_mm]]), np.array([[y_mm]]))
        return bool(d[0, 0] > 0)


class Loft(Shape):
    """A star-shaped cross-section (a ``Profile`` scaled to semi-axes ``sx``, ``sy`` and rotated)
    whose centre, semi-axes and rotation follow keyframes along z, with domed ends.

    ``knots``: rows ``(z, cx, cy, sx, sy[, rot_deg])`` in mm, any order of z. ``cap_*_mm``:
    length over which the top / bottom end closes like a dome (0 = flat end).
    """

    def __init__(self, knots, profile: Profile | None = None, cap_top_mm: float = 0.0,
                 cap_bottom_mm: float = 0.0, mirror_x: bool = False):
        k = np.array([list(row) + [0.0] * (6 - len(row)) for row in knots], dtype=float)
        self.k = k[np.argsort(k[:, 0])]
        self.profile = profile or Profile()
        self.cap_top, self.cap_bottom = cap_top_mm, cap_bottom_mm
        self.z_min, self.z_max = float(self.k[0, 0]), float(self.k[-1, 0])
        self.r_max = float(self.profile.r.max())
        self.sign = -1.0 if mirror_x else 1.0

    @classmethod
    def ellipsoid(cls, center, semi_axes, rot_deg: float = 0.0, profile: Profile | None = None,
                  mirror_x: bool = False) -> "Loft":
        cx, cy, cz = center
        a, b, c = semi_axes
        knots = [(cz - c, cx, cy, a, b, rot_deg), (cz + c, cx, cy, a, b, rot_deg)]
        return cls(knots, profile, cap_top_mm=c, cap_bottom_mm=c, mirror_x=mirror_x)

    def frame(self, z_mm: float):
        """(cx, cy, sx, sy, rot_rad) on this plane (cx in the un-mirrored frame)."""
        k = self.k
        cx, cy, sx, sy, rot = (np.interp(z_mm, k[:, 0], k[:, i]) for i in range(1, 6))
        f = min(_cap(self.z_max - z_mm, self.cap_top), _cap(z_mm - self.z_min, self.cap_bottom))
        return float(cx), float(cy), float(sx * f), float(sy * f), float(np.radians(rot))

    def bbox(self, z_mm):
        cx, cy, sx, sy, _ = self.frame(z_mm)
        r = self.r_max * max(sx, sy) + 1.0
        if r < 1.5:
            return None
        cx *= self.sign
        return cx - r, cx + r, cy - r, cy + r

    def _depth_local(self, z_mm, x, y):
        cx, cy, sx, sy, rot = self.frame(z_mm)
        if sx <= 0.05 or sy <= 0.05:
            return np.full(x.shape, -1.0)
        u, v = self.sign * x - cx, y - cy
        c, s = np.cos(rot), np.sin(rot)
        p, q = (u * c + v * s) / sx, (-u * s + v * c) / sy
        th = np.arctan2(q, p)
        rho = np.hypot(p, q)
        scale = np.hypot(sx * np.cos(th), sy * np.sin(th))
        return (self.profile(th) - rho) * scale

    def contours(self, z_mm):
        cx, cy, sx, sy, rot = self.frame(z_mm)
        if not self.spans(z_mm) or min(sx, sy) < 0.5:
            return []
        dense = self._outline(cx, cy, sx, sy, rot, 720)
        perim = float(np.hypot(*np.diff(np.vstack([dense, dense[:1]]), axis=0).T).sum())
        return [self._outline(cx, cy, sx, sy, rot, _n_points(perim))]

    def _outline(self, cx, cy, sx, sy, rot, n):
        th = np.linspace(0.0, TWO_PI, n, endpoint=False)
        r = self.profile(th)
        p, q = r * np.cos(th) * sx, r * np.sin(th) * sy
        c, s = np.cos(rot), np.sin(rot)
        x, y = cx + p * c - q * s, cy + p * s + q * c
        return np.column_stack([self.sign * x, y])


class Band(Shape):
    """A curved plate (e.g. an iliac wing): in polar coordinates about a centre, angles
    ``th0..th1`` with a mid-radius and a thickness that vary linearly with angle, pointed ends.

    ``knots``: rows ``(z, cx, cy, th0_deg, th1_deg, r0, r1, t0, t1)`` (r, t at th0 and th1).
    """

    def __init__(self, knots, cap_top_mm=0.0, cap_bottom_mm=0.0, mirror_x=False):
        k = np.array(knots, dtype=float)
        self.k = k[np.argsort(k[:, 0])]
        self.cap_top, self.cap_bottom = cap_top_mm, cap_bottom_mm
        self.z_min, self.z_max = float(self.k[0, 0]), float(self.k[-1, 0])
        self.sign = -1.0 if mirror_x else 1.0

    def frame(self, z_mm):
        k = self.k
        cx, cy, a0, a1, r0, r1, t0, t1 = (float(np.interp(z_mm, k[:, 0], k[:, i])) for i in range(1, 9))
        f = min(_cap(self.z_max - z_mm, self.cap_top), _cap(z_mm - self.z_min, self.cap_bottom))
        return cx, cy, np.radians(a0), np.radians(a1), r0, r1, t0 * f, t1 * f

    @staticmethod
    def _thickness(s, t0, t1):
        return (t0 + (t1 - t0) * s) * np.sqrt(np.clip(1.0 - (2.0 * s - 1.0) ** 8, 0.0, 1.0))

    def bbox(self, z_mm):
        cx, cy, a0, a1, r0, r1, t0, t1 = self.frame(z_mm)
        if max(t0, t1) < 1.0:
            return None
        r = max(r0, r1) + max(t0, t1)
        cx *= self.sign
        return cx - r, cx + r, cy - r, cy + r

    def _depth_local(self, z_mm, x, y):
        cx, cy, a0, a1, r0, r1, t0, t1 = self.frame(z_mm)
        u, v = self.sign * x - cx, y - cy
        rel = np.mod(np.arctan2(v, u) - a0, TWO_PI)
        s = rel / (a1 - a0)
        sc = np.clip(s, 0.0, 1.0)
        rmid = r0 + (r1 - r0) * sc
        t = self._thickness(sc, t0, t1)
        d = t / 2.0 - np.abs(np.hypot(u, v) - rmid)
        return np.where(s <= 1.0, d, -1.0)

    def contours(self, z_mm):
        cx, cy, a0, a1, r0, r1, t0, t1 = self.frame(z_mm)
        if not self.spans(z_mm) or max(t0, t1) < 1.0:
            return []
        length = (a1 - a0) * (r0 + r1) + (t0 + t1)
        n_side = max(_n_points(length) // 2, 8)
        s = (1.0 - np.cos(np.linspace(0.0, np.pi, n_side + 1))) / 2.0
        ang = a0 + s * (a1 - a0)
        rmid = r0 + (r1 - r0) * s
        t = self._thickness(s, t0, t1)
        outer = np.column_stack([np.cos(ang), np.sin(ang)]) * (rmid + t / 2)[:, None]
        inner = np.column_stack([np.cos(ang), np.sin(ang)]) * (rmid - t / 2)[:, None]
        # The ends have zero thickness: keep each end point once.
        pts = np.vstack([outer, inner[-2:0:-1]]) + [cx, cy]
        pts[:, 0] *= self.sign
        return [pts]


class Torus(Shape):
    """A loop (torus with its axis along z, stretched by ``kx``, ``ky`` in-plane): every
    cross-section is a ring, i.e. two contours on a plane, the inner one a hole."""

    def __init__(self, center, major_mm: float, minor_mm: float, kx: float = 1.0, ky: float = 1.0):
        self.cx, self.cy, self.cz = center
        self.R, self.rho, self.kx, self.ky = major_mm, minor_mm, kx, ky
        self.z_min, self.z_max = self.cz - minor_mm, self.cz + minor_mm

    def _half(self, z_mm):
        h = z_mm - self.cz
        return float(np.sqrt(max(self.rho ** 2 - h * h, 0.0)))

    def bbox(self, z_mm):
        s = self._half(z_mm)
        if s < 0.5:
            return None
        rx, ry = (self.R + s) * self.kx + 1, (self.R + s) * self.ky + 1
        return self.cx - rx, self.cx + rx, self.cy - ry, self.cy + ry

    def _depth_local(self, z_mm, x, y):
        s = self._half(z_mm)
        r = np.hypot((x - self.cx) / self.kx, (y - self.cy) / self.ky)
        return (s - np.abs(r - self.R)) * min(self.kx, self.ky)

    def contours(self, z_mm):
        s = self._half(z_mm)
        if not self.spans(z_mm) or s < 0.5:
            return []
        out = []
        for radius in (self.R + s, self.R - s):
            n = _n_points(TWO_PI * radius * (self.kx + self.ky) / 2)
            th = np.linspace(0.0, TWO_PI, n, endpoint=False)
            out.append(np.column_stack([self.cx + radius * self.kx * np.cos(th),
                                        self.cy + radius * self.ky * np.sin(th)]))
        return out


class Union(Shape):
    """Disjoint parts counted as one organ (contours of all parts on a plane; must not overlap)."""

    def __init__(self, *parts: Shape):
        self.parts = parts
        self.z_min = min(p.z_min for p in parts)
        self.z_max = max(p.z_max for p in parts)

    def depth(self, z_mm, xs, ys):
        out = None
        for p in self.parts:
            r = p.depth(z_mm, xs, ys)
            if r is None:
                continue
            iy0, iy1, ix0, ix1, d = r
            if out is None:
                out = [iy0, iy1, ix0, ix1, d]
                continue
            # Grow the common box, then take the max depth of the parts.
            jy0, jy1, jx0, jx1 = min(out[0], iy0), max(out[1], iy1), min(out[2], ix0), max(out[3], ix1)
            big = np.full((jy1 - jy0, jx1 - jx0), -1e9)
            big[out[0] - jy0:out[1] - jy0, out[2] - jx0:out[3] - jx0] = out[4]
            sub = big[iy0 - jy0:iy1 - jy0, ix0 - jx0:ix1 - jx0]
            np.maximum(sub, d, out=sub)
            out = [jy0, jy1, jx0, jx1, big]
        return None if out is None else tuple(out)

    def contains(self, x_mm, y_mm, z_mm):
        return any(p.contains(x_mm, y_mm, z_mm) for p in self.parts)

    def contours(self, z_mm):
        return [c for p in self.parts for c in p.contours(z_mm)]
