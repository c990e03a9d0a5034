"""The two treatment courses of the worked example, and their dose grids and doses."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anatomy import Anatomy
from .dose_model import BeamSpec, DoseResult, plan_dose
from .hu import body_mask, roi_mask

DOSE_STEP_MM = 2.5


@dataclass(frozen=True)
class PlanSpec:
    """One course: label, prescription, beams, and how its dose grid is cut."""

    label: str
    name: str
    ptv: str
    rx_gy: float
    fractions: int
    date: str  # DICOM DA
    time: str  # DICOM TM
    intent: str
    beams: tuple[BeamSpec, ...]
    margin_mm: float  # aperture margin around the PTV projection
    grid_below_mm: float  # dose grid extent beyond the PTV in z
    grid_above_mm: float
    description: str = ""
    compensation_iterations: int = 8  # fewer: less homogeneous PTV dose
    grid_z_mm: tuple[float, float] | None = None  # explicit dose grid z range (reference frame)


LIVER_PLAN = PlanSpec(
    "LIVER", "SYNTHETIC LIVER 50Gy/25fx", "PTV_LIVER", 50.0, 25, "20200624", "143000", "CURATIVE",
    (BeamSpec("RAO300", 300.0, 0.9), BeamSpec("AP340", 340.0, 1.0), BeamSpec("LAO20", 20.0, 1.0),
     BeamSpec("LAO60", 60.0, 1.0), BeamSpec("LL100", 100.0, 0.9)),
    margin_mm=6.0, grid_below_mm=40.0, grid_above_mm=12.0,
    description="3D-CRT, left-lobe HCC with portal vein tumour thrombus",
    grid_z_mm=(-125.0, 25.0))  # the whole liver; the cord and BODY run on above it
ILIUM_PLAN = PlanSpec(
    "L ILIUM", "SYNTHETIC L ILIUM 30Gy/10fx", "PTV_ILIUM", 30.0, 10, "20201012", "101500", "PALLIATIVE",
    (BeamSpec("AP", 0.0, 0.85), BeamSpec("PA", 180.0, 1.25), BeamSpec("LL90", 90.0, 0.45),
     BeamSpec("LPO120", 120.0, 0.4)),
    margin_mm=6.0, grid_below_mm=35.0, grid_above_mm=35.0,
    description="4-field palliative, left iliac bone metastasis", compensation_iterations=3,
    grid_z_mm=(-315.0, -165.0))
PLANS = (LIVER_PLAN, ILIUM_PLAN)


def _snap_down(v, step=DOSE_STEP_MM):
    return float(np.floor(v / step) * step)


def _snap_up(v, step=DOSE_STEP_MM):
    return float(np.ceil(v / step) * step)


def ptv_points(anat: Anatomy, name: str, step_mm: float = 1.0) -> np.ndarray:
    """Boundary points (x, y, z) of the ROI's shape on planes every ``step_mm``."""
    shape = anat.roi(name).shape
    z0, z1 = anat.z_extent(shape)
    pts = []
    for z in np.arange(z0 + step_mm / 2, z1, step_mm):
        for c in anat.contours(shape, float(z)):
            pts.append(np.column_stack([c, np.full(len(c), z)]))
    return np.vstack(pts)


def dose_axes(anat: Anatomy, spec: PlanSpec, ct_z: np.ndarray):
    """Voxel-centre axes of the plan's dose grid: the whole body outline in x and y; in z the
    spec's explicit range, else the PTV plus margins (clipped to the CT); multiples of 2.5 mm."""
    if spec.grid_z_mm is not None:
        z0, z1 = (z * anat.scale for z in spec.grid_z_mm)
    else:
        z0, z1 = anat.z_extent(anat.roi(spec.ptv).shape)
        z0, z1 = z0 - spec.grid_below_mm * anat.scale, z1 + spec.grid_above_mm * anat.scale
    zlo = max(_snap_down(z0), _snap_up(ct_z.min()))
    zhi = min(_snap_up(z1), _snap_down(ct_z.max()))
    body = anat.roi("BODY").shape
    pts = np.vstack([c for z in np.linspace(zlo, zhi, 9) for c in anat.contours(body, float(z))])
    xlo, xhi = _snap_down(pts[:, 0].min() - 3), _snap_up(pts[:, 0].max() + 3)
    ylo, yhi = _snap_down(pts[:, 1].min() - 3), _snap_up(pts[:, 1].max() + 3)
    ax = lambda a, b: np.round(np.arange(a, b + DOSE_STEP_MM / 2, DOSE_STEP_MM), 3)  # noqa: E731
    return ax(xlo, xhi), ax(ylo, yhi), ax(zlo, zhi)


def resample_nearest(vol: np.ndarray, axes, xs, ys, zs) -> np.ndarray:
    """``vol`` (nz, ny, nx) on ``axes`` = (x, y, z), each monotonic, sampled at the grid
    (xs, ys, zs) by nearest neighbour (as a planning system looks up CT numbers)."""
    def idx(src, dst):
        order = np.argsort(src)
        pos = np.clip(np.searchsorted(src[order], dst), 1, src.size - 1)
        left, right = src[order][pos - 1], src[order][pos]
        pos = np.where(dst - left <= right - dst, pos - 1, pos)
        return order[pos]
    ax, ay, az = axes
    return vol[np.ix_(idx(az, zs), idx(ay, ys), idx(ax, xs))]


def compute_plan(anat: Anatomy, spec: PlanSpec, ct_hu: np.ndarray, ct_axes) -> tuple[DoseResult, np.ndarray]:
    """The plan's dose (calculated on the CT's numbers) and its isocentre (PTV centroid,
    rounded to 0.5 mm). ``ct_axes`` = (x, y, z) of ``ct_hu``."""
    xs, ys, zs = dose_axes(anat, spec, ct_axes[2])
    hu = resample_nearest(ct_hu, ct_axes, xs, ys, zs)
    body = body_mask(anat, xs, ys, zs)
    ptv = roi_mask(anat, spec.ptv, xs, ys, zs)
    kz, ky, kx = np.nonzero(ptv)
    iso = np.round(np.array([xs[kx].mean(), ys[ky].mean(), zs[kz].mean()]) * 2) / 2
    res = plan_dose(spec.beams, hu, body, ptv, ptv_points(anat, spec.ptv), iso, xs, ys, zs,
                    spec.rx_gy, spec.fractions, spec.margin_mm * anat.scale,
                    spec.compensation_iterations)
    return res, iso
