"""Analytic DVH test cases built in memory: stacks of disc contours in linear dose fields.

A structure is a stack of planes; each plane holds discs (drawn as 256-gon with the disc's
area) combined by the even-odd rule, each plane owning the slab [lo, hi] of the engine's end-cap
convention (half the distance to its neighbours, half a contour spacing beyond the outer planes).
The dose is linear, D = a + gy*y + gz*z (Gy), which trilinear interpolation reproduces exactly,
so the DVH of the contour stack has a closed form: per plane, the area of the discs above a
line (circular segments) times the slab thickness (y gradient), or the disc areas times the
part of the slab above a plane (z gradient). Volumes and DVH values derived here never use the
engine's code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dicom.structure_set import Roi, StructureSet

N_VERTICES = 256


@dataclass
class Disc:
    cx: float
    cy: float
    r: float
    sign: int = 1  # +1 outline, -1 hole


@dataclass
class Stack:
    """An analytic contour stack: plane z -> discs; slabs as the engine's default end caps."""

    planes: dict[float, list[Disc]]
    spacing_mm: float
    lo: np.ndarray = field(init=False)
    hi: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        z = np.array(sorted(self.planes))
        mid = (z[:-1] + z[1:]) / 2
        self.lo = np.concatenate(([z[0] - self.spacing_mm / 2], mid))
        self.hi = np.concatenate((mid, [z[-1] + self.spacing_mm / 2]))
        self.z = z

    def roi(self, number: int = 1, name: str = "shape", type_: str = "ORGAN") -> Roi:
        planes = {float(z): [polygon(d) for d in self.planes[z]] for z in self.z}
        return Roi(number=number, name=name, type=type_, planes=planes)

    def polygon_volume_cc(self) -> float:
        """Shoelace area of each plane's polygons (even-odd by sign) x slab thickness."""
        total = 0.0
        for k, z in enumerate(self.z):
            area = sum(d.sign * abs(shoelace(polygon(d))) for d in self.planes[z])
            total += area * (self.hi[k] - self.lo[k])
        return total / 1000.0

    def disc_area(self, z: float) -> float:
        return sum(d.sign * math.pi * d.r ** 2 for d in self.planes[z])

    def volume_cc(self) -> float:
        return sum(self.disc_area(z) * (self.hi[k] - self.lo[k]) for k, z in enumerate(self.z)) / 1000.0

    def centroid(self) -> tuple[float, float, float]:
        v = m_y = m_z = 0.0
        for k, z in enumerate(self.z):
            t = self.hi[k] - self.lo[k]
            for d in self.planes[z]:
                a = d.sign * math.pi * d.r ** 2 * t
                v += a
                m_y += a * d.cy
                m_z += a * 0.5 * (self.lo[k] + self.hi[k])
        return 0.0, m_y / v, m_z / v


def polygon(d: Disc, n: int = N_VERTICES) -> np.ndarray:
    """An n-gon with the disc's centre and area (vertices slightly outside the circle)."""
    r = d.r * math.sqrt(2 * math.pi / (n * math.sin(2 * math.pi / n)))
    th = np.linspace(0, 2 * math.pi, n, endpoint=False) + 0.1234
    pts = np.c_[d.cx + r * np.cos(th), d.cy + r * np.sin(th)]
    return pts if d.sign > 0 else pts[::-1]


def shoelace(p: np.ndarray) -> float:
    return 0.5 * float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))


def planes_between(z0: float, z1: float, spacing: float) -> np.ndarray:
    n = int(round((z1 - z0) / spacing))
    return z0 + spacing * np.arange(n + 1)


def sphere(r: float, spacing: float, centre=(0.0, 0.0, 0.0)) -> Stack:
    cx, cy, cz = centre
    planes = {}
    for z in planes_between(cz - r, cz + r, spacing):
        rr = r * r - (z - cz) ** 2
        if rr > 1e-6:
            planes[float(z)] = [Disc(cx, cy, math.sqrt(rr))]
    return Stack(planes, spacing)


def cylinder(r: float, length: float, spacing: float, centre=(0.0, 0.0, 0.0)) -> Stack:
    cx, cy, cz = centre
    return Stack({float(z): [Disc(cx, cy, r)] for z in planes_between(cz - length / 2, cz + length / 2, spacing)},
                 spacing)


def cone(r: float, height: float, spacing: float, apex_z: float = 0.0) -> Stack:
    """Apex at apex_z (inferior), base of radius r at apex_z + height; the apex plane is left out."""
    planes = {}
    for z in planes_between(apex_z, apex_z + height, spacing)[1:]:
        planes[float(z)] = [Disc(0.0, 0.0, r * (z - apex_z) / height)]
    return Stack(planes, spacing)


def shell(r_out: float, r_in: float, length: float, spacing: float, island: float = 0.0) -> Stack:
    """Cylinder shell (annulus on every plane); with ``island`` > 0 an island inside the hole."""
    discs = [Disc(0.0, 0.0, r_out), Disc(0.0, 0.0, r_in, -1)]
    if island:
        discs.append(Disc(0.0, 0.0, island))
    return Stack({float(z): list(discs) for z in planes_between(-length / 2, length / 2, spacing)}, spacing)


@dataclass
class LinearDose:
    a: float
    gy: float = 0.0
    gz: float = 0.0

    def grid(self, spacing: float, extent_xy: tuple[float, float], extent_z: tuple[float, float],
             origin_shift: float = 0.0) -> DoseGrid:
        lo, hi = extent_xy
        x = np.arange(lo + origin_shift, hi + spacing, spacing)
        y = x.copy()
        z = np.arange(extent_z[0] + origin_shift, extent_z[1] + spacing, spacing)
        zz, yy, _ = np.meshgrid(z, y, x, indexing="ij")
        dose = (self.a + self.gy * yy + self.gz * zz).astype(np.float32)
        return DoseGrid(sop_instance_uid="2.25.1", path="analytic", dose_gy=dose, x_mm=x, y_mm=y, z_mm=z)

    def volume_at_least(self, stack: Stack, level: float) -> float:
        """cc of the stack receiving >= level."""
        total = 0.0
        for k, z in enumerate(stack.z):
            lo, hi = stack.lo[k], stack.hi[k]
            if self.gz == 0:
                # a + gy*y >= level
                area = sum(d.sign * segment_area(d, self.a, self.gy, level) for d in stack.planes[z])
                total += area * (hi - lo)
            else:
                # a + gz*z' >= level for z' in the slab
                zc = (level - self.a) / self.gz
                inside = max(0.0, hi - max(lo, zc)) if self.gz > 0 else max(0.0, min(hi, zc) - lo)
                total += stack.disc_area(z) * min(inside, hi - lo)
        return total / 1000.0

    def dose_at_volume(self, stack: Stack, target_cc: float, lo: float, hi: float) -> float:
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if self.volume_at_least(stack, mid) >= target_cc:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    def extremes(self, stack: Stack) -> tuple[float, float]:
        values = []
        for k, z in enumerate(stack.z):
            for d in stack.planes[z]:
                for zz in (stack.lo[k], stack.hi[k]):
                    values += [self.a + self.gy * (d.cy + s * d.r) + self.gz * zz for s in (-1, 1)]
        return min(values), max(values)


def segment_area(d: Disc, a: float, gy: float, level: float) -> float:
    """Area of disc d where a + gy*y >= level."""
    if gy == 0:
        return math.pi * d.r ** 2 if a >= level else 0.0
    y0 = (level - a) / gy
    h = (d.cy + d.r - y0) if gy > 0 else (y0 - (d.cy - d.r))  # height of the part kept
    h = min(max(h, 0.0), 2 * d.r)
    r = d.r
    return r * r * math.acos((r - h) / r) - (r - h) * math.sqrt(max(2 * r * h - h * h, 0.0))


def structure_set(*rois: Roi) -> StructureSet:
    return StructureSet(sop_instance_uid="2.25.2", path="analytic", rois=list(rois))
