"""Multi-course accumulation at the DVH engine's sample points: composites that keep every peak.

For one structure and each course on the structure set's frame, the engine's own samples of
the structure on that course's dose grid are taken (``points.roi_points`` /
``derived.derived_points`` on the DoseGrid: exactly the points and volumes ``compute_dvh``
tallies, with the doses it gives them). Every course's dose is then looked up *at all those
points* by trilinear interpolation of its own grid (0 Gy outside it; a course with a rigid
transform, 4×4 reference-frame mm -> course-frame mm, is looked up through it), converted to
EQD2 with the course's own number of fractions and the structure's α/β, and summed point by
point. Where two courses' grids overlap, both courses' samples of the overlap are kept, each at
half its volume (a third for three, ...), so every region is counted once. No dose grid is
resampled, so nothing is smoothed: at every point the composite is at least each course's
value. Hence every composite metric is at least the same metric of each course alone at the
same points (``Accumulated.per_course_eqd2_gy``), and, where the courses' grids do not
overlap, every absolute upper metric (Dmax, Dx cc, Vx cc) is at least that course's own
engine value.

A course with a transform (another frame of reference) is sampled on a lattice of the
reference frame spanning its grid. A point inside no course's grid has no dose information:
its volume is reported as outside the dose grids (as the engine does for one grid).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from rtreview.core.dvh import DvhOptions
from rtreview.core.dvh.compute import make_dvh
from rtreview.core.dvh.interpolate import trilinear
from rtreview.core.dvh.sample_points import Geometry, StructurePoints

from .fractionation import eqd2_gy


@dataclass(frozen=True, eq=False)
class Course:
    """One course's dose: its grid (physical Gy, whole course), number of fractions and where it lies.

    ``transform``: 4×4 matrix mapping reference-frame patient mm (the structure set's frame) to
    this course's dose frame; None = identity (same frame of reference). Supplied from DICOM
    Spatial Registration objects where frames differ."""

    label: str
    dose: object  # rtreview.core.dicom.dose_grid.DoseGrid
    fractions: int
    transform: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.transform is not None:
            m = np.asarray(self.transform, dtype=float)
            if m.shape != (4, 4):
                raise ValueError(f"{self.label}: a transform is a 4x4 matrix, not {m.shape}")
            # the identity is no transform: the course is sampled on its own grid, as the engine does
            object.__setattr__(self, "transform", None if np.allclose(m, np.eye(4), atol=1e-9) else m)


def to_course_frame(course: Course, x_mm: np.ndarray, y_mm: np.ndarray, z_mm: np.ndarray):
    """Reference-frame points mapped into ``course``'s frame (unchanged without a transform)."""
    if course.transform is None:
        return x_mm, y_mm, z_mm
    m = np.asarray(course.transform, dtype=float)
    p = np.stack([x_mm, y_mm, z_mm, np.ones_like(x_mm)])
    q = m @ p
    return q[0], q[1], q[2]


def course_dose_gy(course: Course, x_mm: np.ndarray, y_mm: np.ndarray, z_mm: np.ndarray):
    """``(dose_gy, inside)``: the course's physical dose at reference-frame points (0 Gy outside
    its grid) and which points its grid covers."""
    x, y, z = to_course_frame(course, np.asarray(x_mm, float), np.asarray(y_mm, float), np.asarray(z_mm, float))
    if x.size == 0:
        return np.zeros(0), np.zeros(0, bool)
    values, inside = trilinear(course.dose, x, y, z)
    return np.where(inside, np.maximum(values, 0.0), 0.0), inside


def _box(course: Course) -> np.ndarray:
    """The course grid's voxel-centre box in the reference frame: (3, 2) lo/hi per axis."""
    d = course.dose
    lo = np.array([d.x_mm[0], d.y_mm[0], d.z_mm[0]], float)
    hi = np.array([d.x_mm[-1], d.y_mm[-1], d.z_mm[-1]], float)
    if course.transform is None:
        return np.stack([lo, hi], axis=1)
    corners = np.array([[a, b, c, 1.0] for a in (lo[0], hi[0]) for b in (lo[1], hi[1]) for c in (lo[2], hi[2])]).T
    back = np.linalg.inv(np.asarray(course.transform, float)) @ corners
    return np.stack([back[:3].min(axis=1), back[:3].max(axis=1)], axis=1)


def course_geometry(course: Course) -> Geometry:
    """A lattice of the reference frame spanning a transformed course's grid, at its spacing."""
    box = _box(course)
    axes = []
    for k, h in enumerate(course.dose.spacing_mm):
        n = int(math.ceil((box[k, 1] - box[k, 0]) / h - 1e-6)) + 1
        axes.append(box[k, 0] + np.arange(max(n, 2)) * h)
    return Geometry(axes[0], axes[1], axes[2])


def course_samples(course: Course, sample) -> object:
    """``sample(geometry)`` -> StructurePoints of the structure for one course: on its own dose grid
    (the engine's samples and doses) when it has no transform, else on ``course_geometry``."""
    if course.transform is None:
        return sample(course.dose)
    return sample(course_geometry(course))


@dataclass
class Accumulated:
    """Per-point doses of one structure (covered points: inside at least one course's grid): the
    composite (EQD2 sum and physical sum) and each course's EQD2 alone, with the points' volumes."""

    eqd2_gy: np.ndarray
    physical_gy: np.ndarray
    per_course_eqd2_gy: list[np.ndarray]
    per_course_inside: list[np.ndarray]
    volume_mm3: np.ndarray
    covered_mm3: float
    uncovered_mm3: float
    vertex_eqd2_gy: np.ndarray
    vertex_physical_gy: np.ndarray
    vertex_per_course_eqd2_gy: list[np.ndarray]


def _lookup(courses, x, y, z, own: int | None = None, own_dose=None):
    """Each course's physical dose at the points and its coverage; course ``own`` takes
    ``own_dose`` (the engine's own values at its own samples)."""
    doses, insides = [], []
    for k, c in enumerate(courses):
        if k == own and own_dose is not None:
            doses.append(np.asarray(own_dose, dtype=float))
            insides.append(np.ones(x.size, bool))
        else:
            d, inside = course_dose_gy(c, x, y, z)
            doses.append(d)
            insides.append(inside)
    return doses, insides


def accumulate(sets: list, courses: list[Course], alpha_beta_gy: float) -> Accumulated:
    """Sum the courses at the samples ``sets[k]`` (StructurePoints of the structure for course k,
    ``course_samples``; None for a course that does not reach the structure)."""
    sampled = [j for j, other in enumerate(sets) if other is not None]
    parts, vparts = [], []
    total = 0.0
    for k, pts in enumerate(sets):
        if pts is None:
            continue
        total = max(total, pts.total_mm3)
        doses, insides = _lookup(courses, pts.x_mm, pts.y_mm, pts.z_mm, k, pts.own_dose_gy)
        # counted once: a point in the grids of m sampled courses carries 1/m of its volume
        m = np.sum([insides[j] for j in sampled], axis=0)
        keep = insides[k]
        weights = (pts.volume_mm3[keep] / np.maximum(m[keep], 1)).astype(np.float32)
        parts.append(([d[keep] for d in doses], [i[keep] for i in insides], weights))
        # extremes: the engine's own vertex / face doses for this course, the others looked up
        vx, vy, vz = pts.vertices
        own = pts.own_vertex_dose_gy
        vdoses, vinsides = _lookup(courses, vx, vy, vz)
        if own is not None and own.size == vx.size:
            vinsides[k] = np.isfinite(own)
            vdoses[k] = np.where(vinsides[k], own, 0.0)
        vparts.append((vdoses, vinsides))
    n = len(courses)
    if parts:
        each = [np.concatenate([p[0][j] for p in parts]) for j in range(n)]
        insides = [np.concatenate([p[1][j] for p in parts]) for j in range(n)]
        volumes = np.concatenate([p[2] for p in parts])
        vdoses = [np.concatenate([p[0][j] for p in vparts]) for j in range(n)]
        vinsides = [np.concatenate([p[1][j] for p in vparts]) for j in range(n)]
    else:
        each = vdoses = [np.zeros(0) for _ in courses]
        insides = vinsides = [np.zeros(0, bool) for _ in courses]
        volumes = np.zeros(0, np.float32)
    each_eqd2 = [np.asarray(eqd2_gy(d, c.fractions, alpha_beta_gy), dtype=float) if d.size else d
                 for d, c in zip(each, courses)]
    vcovered = np.any(vinsides, axis=0) if n and vdoses[0].size else np.zeros(0, bool)
    v_each = [np.asarray(eqd2_gy(d[vcovered], c.fractions, alpha_beta_gy), dtype=float) if vcovered.size
              else np.zeros(0) for d, c in zip(vdoses, courses)]
    covered_mm3 = float(np.sum(volumes, dtype=np.float64))
    zero = np.zeros(0)
    return Accumulated(np.sum(each_eqd2, axis=0) if n else zero, np.sum(each, axis=0) if n else zero,
                       each_eqd2, insides, volumes, covered_mm3, max(total - covered_mm3, 0.0),
                       np.sum(v_each, axis=0) if n else zero,
                       np.sum([d[vcovered] for d in vdoses], axis=0) if n and vcovered.size else zero, v_each)


def _dvh(name: str, like, doses: np.ndarray, extremes: np.ndarray, acc: Accumulated, options: DvhOptions, note: str):
    roi = SimpleNamespace(number=getattr(like, "number", 0), name=name, type=getattr(like, "type", "DERIVED"),
                          color_rgb=tuple(getattr(like, "color_rgb", (255, 255, 0))))
    # float64 samples: a sum of courses is not rounded below any of its terms
    dvh = make_dvh(roi, np.asarray(doses, dtype=np.float64), acc.volume_mm3, acc.covered_mm3, acc.uncovered_mm3,
                   extremes, options, None)
    from dataclasses import replace

    return replace(dvh, notes=(note, *dvh.notes))


def composite_dvhs(acc: Accumulated, name: str, like=None, options: DvhOptions | None = None,
                   labels: list[str] | None = None, alpha_beta_gy: float | None = None):
    """``(eqd2_dvh, physical_dvh, [each course's EQD2 DVH at the same points])`` of one structure."""
    options = options or DvhOptions()
    ab = f"α/β {alpha_beta_gy:g} Gy" if alpha_beta_gy is not None else "its α/β"
    courses = " + ".join(labels or [])
    eqd2 = _dvh(name, like, acc.eqd2_gy, acc.vertex_eqd2_gy, acc, options,
                f"composite {courses}: voxel-wise EQD2 sum ({ab}) at the DVH engine's sample points")
    physical = _dvh(name, like, acc.physical_gy, acc.vertex_physical_gy, acc, options,
                    f"composite {courses}: physical dose sum at the DVH engine's sample points")
    alone = [_dvh(name, like, d, v, acc, options, f"{label} alone (EQD2, {ab}) at the composite's sample points")
             for d, v, label in zip(acc.per_course_eqd2_gy, acc.vertex_per_course_eqd2_gy, labels or [""] * len(
                 acc.per_course_eqd2_gy))]
    return eqd2, physical, alone
