"""Sample doses never leave the range of the dose grid nodes around them.

Trilinear interpolation cannot exceed the largest of the 8 nodes around a point (nor go below
the smallest). The engine once spread the samples of a cell with an estimated in-cell slope,
which extrapolated past local maxima: the sample plans' BODY Dmax was 53.77 Gy on a grid whose
maximum is 52.96 Gy (plan LIVER; 32.84 vs 31.77 Gy for L ILIUM). Checked here on the sample
patient and on peaked synthetic doses (a single hot voxel, a cold voxel, a Gaussian), with
sample cells finer and coarser than the dose grid.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dvh import DvhOptions, compute_dvh
from conftest import SAMPLE_DICOM
from dvh_analytic import cylinder, sphere

TOL_GY = 1e-4


def _local_range(dose: DoseGrid, roi) -> tuple[float, float]:
    """Min and max of the dose nodes within one voxel of the ROI's bounding box (every point of
    the box has its 8 interpolation nodes there)."""
    xy = np.concatenate([np.asarray(p) for plane in roi.planes.values() for p in plane])
    z = np.array(sorted(roi.planes))
    dx, dy, dz = dose.spacing_mm
    # End caps reach half a contour spacing beyond the outer planes.
    pad_z = dz + 0.5 * (float(np.median(np.diff(z))) if z.size > 1 else dz)

    def sel(axis, lo, hi, pad):
        return (axis >= lo - pad) & (axis <= hi + pad)

    block = dose.dose_gy[np.ix_(sel(dose.z_mm, z.min(), z.max(), pad_z), sel(dose.y_mm, xy[:, 1].min(), xy[:, 1].max(), dy),
                                sel(dose.x_mm, xy[:, 0].min(), xy[:, 0].max(), dx))]
    return float(block.min()), float(block.max())


def _assert_within(dvh, dose: DoseGrid, roi) -> None:
    if not dvh.covered_volume_cc > 0:
        return
    lo, hi = _local_range(dose, roi)
    assert float(dose.dose_gy.min()) - TOL_GY <= dvh.min_gy and dvh.max_gy <= float(dose.dose_gy.max()) + TOL_GY, roi.name
    assert lo - TOL_GY <= float(dvh.sample_dose_gy.min()), (roi.name, float(dvh.sample_dose_gy.min()), lo)
    assert float(dvh.sample_dose_gy.max()) <= hi + TOL_GY, (roi.name, float(dvh.sample_dose_gy.max()), hi)
    assert lo - TOL_GY <= dvh.min_gy and dvh.max_gy <= hi + TOL_GY, (roi.name, dvh.min_gy, dvh.max_gy, lo, hi)


@pytest.mark.skipif(not any(SAMPLE_DICOM.glob("*.dcm")), reason="sample_dicom/ not generated yet")
def test_sample_plans_dmax_within_the_dose_grid():
    from rtreview.core.dicom.loader import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case = load([str(SAMPLE_DICOM)])
    checked = 0
    for link in case.links:
        for roi in link.structure_set.rois:
            if roi.is_empty:
                continue
            dvh = compute_dvh(roi, link.dose)
            _assert_within(dvh, link.dose, roi)
            checked += dvh.covered_volume_cc > 0
    assert checked >= 10


def _grid(values: np.ndarray, spacing: float = 2.5) -> DoseGrid:
    nz, ny, nx = values.shape
    axis = lambda n: (np.arange(n) - (n - 1) / 2) * spacing  # noqa: E731
    return DoseGrid(sop_instance_uid="2.25.9", path="peaked", dose_gy=values.astype(np.float32),
                    x_mm=axis(nx), y_mm=axis(ny), z_mm=axis(nz))


def _peaked_doses():
    shape = (25, 27, 29)
    hot = np.full(shape, 2.0)
    hot[12, 13, 14] = 60.0  # one hot voxel at the origin
    cold = np.full(shape, 50.0)
    cold[12, 13, 14] = 5.0  # one cold voxel
    zz, yy, xx = np.meshgrid(*[(np.arange(n) - (n - 1) / 2) * 2.5 for n in shape], indexing="ij")
    gauss = 3.0 + 57.0 * np.exp(-((xx - 3.1) ** 2 + (yy + 1.7) ** 2 + (zz - 0.6) ** 2) / (2 * 6.0 ** 2))
    ridge = 10.0 + 40.0 * (np.abs(xx - 1.25) < 1.0) + 0.3 * yy  # a one-voxel ridge with a slope along y
    return {"hot voxel": hot, "cold voxel": cold, "gaussian": gauss, "ridge": ridge}


@pytest.mark.parametrize("name", ["hot voxel", "cold voxel", "gaussian", "ridge"])
@pytest.mark.parametrize("options", [DvhOptions(), DvhOptions(max_samples=3_000), DvhOptions(samples_across=64)],
                         ids=["default", "coarse cells", "fine cells"])
def test_peaked_dose_stays_within_its_nodes(name, options):
    dose = _grid(_peaked_doses()[name])
    rois = [sphere(6.0, 2.0).roi(1, "small"), sphere(12.0, 3.0, centre=(4.0, -3.0, 1.0)).roi(2, "offset"),
            cylinder(28.0, 50.0, 2.5).roi(3, "big"), sphere(5.0, 1.0, centre=(14.0, 9.0, -8.0)).roi(4, "aside"),
            cylinder(3.0, 20.0, 2.0, centre=(1.25, 0.0, 0.0)).roi(5, "thin")]
    for roi in rois:
        _assert_within(compute_dvh(roi, dose, options), dose, roi)
