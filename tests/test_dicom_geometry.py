"""Geometry and value conventions of the readers, on synthetic files with known answers."""
import numpy as np
import pytest

import dicom_builders as b
from rtreview.core.dicom.ct import read_ct_series, spacing_warnings
from rtreview.core.dicom.rtdose import read_dose
from rtreview.core.dicom.rtplan import read_plan
from rtreview.core.dicom.rtstruct import read_structure_set


def _ramp(nz=3, ny=4, nx=5):
    z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    return 100 * z + 10 * y + x + 1.0  # voxel value encodes its (frame, row, column)


def test_dose_relative_offsets_and_pixel_spacing_order(tmp_path):
    ds = b.rtdose(_ramp(), origin=(10.0, 20.0, -5.0), spacing=(3.0, 2.0), offsets=[0.0, 2.5, 5.0], scaling=0.01)
    grid = read_dose(b.save(ds, tmp_path / "d.dcm"))
    np.testing.assert_allclose(grid.x_mm, 10.0 + 2.0 * np.arange(5))  # column spacing = PixelSpacing[1]
    np.testing.assert_allclose(grid.y_mm, 20.0 + 3.0 * np.arange(4))  # row spacing = PixelSpacing[0]
    np.testing.assert_allclose(grid.z_mm, [-5.0, -2.5, 0.0])
    np.testing.assert_allclose(grid.dose_gy, _ramp(), rtol=1e-6)
    assert grid.spacing_mm == pytest.approx((2.0, 3.0, 2.5))


def test_dose_absolute_offsets(tmp_path):
    ds = b.rtdose(_ramp(), origin=(0.0, 0.0, -40.0), offsets=[-40.0, -37.0, -34.0])
    grid = read_dose(b.save(ds, tmp_path / "d.dcm"))
    np.testing.assert_allclose(grid.z_mm, [-40.0, -37.0, -34.0])
    assert grid.notes == []


def test_dose_flipped_axes_and_decreasing_frames(tmp_path):
    # feet-first prone style: rows along -x, columns along -y; frames stored with decreasing z
    ds = b.rtdose(_ramp(), origin=(8.0, 6.0, 10.0), spacing=(2.0, 2.0), offsets=[0.0, -4.0, -8.0],
                  orientation=(-1.0, 0.0, 0.0, 0.0, -1.0, 0.0), scaling=0.01)
    grid = read_dose(b.save(ds, tmp_path / "d.dcm"))
    np.testing.assert_allclose(grid.x_mm, [0.0, 2.0, 4.0, 6.0, 8.0])
    np.testing.assert_allclose(grid.y_mm, [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_allclose(grid.z_mm, [2.0, 6.0, 10.0])
    # file voxel (frame k, row j, column i) sits at x = 8 - 2i, y = 6 - 2j, z = 10 - 4k (normal +z)
    np.testing.assert_allclose(grid.dose_gy, _ramp()[::-1, ::-1, ::-1], rtol=1e-6)


def test_dose_single_frame_and_odd_offsets(tmp_path):
    grid = read_dose(b.save(b.rtdose(_ramp(1), offsets=[0.0]), tmp_path / "one.dcm"))
    assert grid.shape == (1, 4, 5) and grid.spacing_mm[2] == 1.0
    grid = read_dose(b.save(b.rtdose(_ramp(), origin=(0, 0, 5.0), offsets=[1.0, 3.0, 5.0]), tmp_path / "odd.dcm"))
    np.testing.assert_allclose(grid.z_mm, [5.0, 7.0, 9.0])
    assert "neither 0 nor the first frame's z" in grid.notes[0]


def test_stored_dvh_variants(tmp_path):
    ds = b.rtdose(_ramp())
    ds.DVHSequence = [
        b.dvh_item(1, [1.0, 1.0, 1.0], [10.0, 6.0, 2.0]),  # cumulative, Gy
        b.dvh_item(2, [100.0, 100.0], [3.0, 1.0], kind="DIFFERENTIAL", dose_units="CGY"),
        b.dvh_item(3, [2.0, 2.0], [100.0, 40.0], scaling=0.5, volume_units="PERCENT"),
        b.dvh_item(1, [1.0], [9.0]),  # repeated ROI: ignored with a note
    ]
    grid = read_dose(b.save(ds, tmp_path / "d.dcm"))
    dose, vol = grid.stored_dvhs[1]
    np.testing.assert_allclose(dose, [0.0, 1.0, 2.0]) and np.testing.assert_allclose(vol, [10.0, 6.0, 2.0])
    dose, vol = grid.stored_dvhs[2]
    np.testing.assert_allclose(dose, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(vol, [4.0, 1.0, 0.0])
    dose, vol = grid.stored_dvhs[3]
    np.testing.assert_allclose(dose, [0.0, 1.0]) and np.testing.assert_allclose(vol, [100.0, 40.0])
    assert grid.stored_dvh_volume_units == {1: "CM3", 2: "CM3", 3: "PERCENT"}
    assert any("repeats ROI 1" in n for n in grid.notes)


def test_contour_rules(tmp_path):
    square = b.roi_square(1.0004)
    tilted = b.roi_square(4.0)
    tilted[0, 2] = 4.3  # one point off the plane
    rois = [{"number": 7, "name": "Body", "type": "EXTERNAL", "color": (1, 2, 3), "contours": [
                ("CLOSED_PLANAR", b.roi_square(1.0, close=True)),  # repeated closing point dropped
                ("CLOSED_PLANAR", square),  # same plane after rounding to 1e-3 mm
                ("CLOSED_PLANAR", [[0, 0, 2.0], [1, 0, 2.0]]),  # 2 points: dropped with a note
                ("CLOSED_PLANAR", tilted),
                ("POINT", [[1.0, 2.0, 3.0]]),
                ("OPEN_PLANAR", [[0, 0, 5.0], [1, 1, 5.0], [2, 0, 5.0]])]},
            {"number": 8, "name": "Empty", "color": None}]
    ss = read_structure_set(b.save(b.rtstruct(rois), tmp_path / "rs.dcm"))
    body = ss.roi(7)
    assert body.color_rgb == (1, 2, 3) and body.type == "EXTERNAL"
    assert sorted(body.planes) == [1.0, 4.075]
    assert [p.shape for p in body.planes[1.0]] == [(4, 2), (4, 2)]
    assert body.planes[1.0][0].dtype == np.float64
    assert body.points_mm == [(1.0, 2.0, 3.0)] and body.open_contours[0].shape == (3, 3)
    assert any("2 point(s), not a polygon" in n for n in body.notes)
    assert any("not on one axial plane" in n and "4.075" in n for n in body.notes)
    assert ss.roi("empty").is_empty and ss.roi("empty").color_rgb == (255, 255, 0)
    assert [r.name for r in ss.empty_rois] == ["Empty"]


def test_ct_series_sorting_gaps_and_dtype(tmp_path):
    z = [0.0, 2.0, 4.0, 8.0, 10.0]  # slice at 6 missing
    slices = b.ct_series(z)
    paths = [b.save(ds, tmp_path / f"s{k}.dcm") for k, ds in enumerate(slices)]
    ct = read_ct_series(list(reversed(paths)))
    np.testing.assert_allclose(ct.z_mm, z)
    assert ct.hu.dtype == np.int16 and ct.hu[0, 0, 0] == -500 and ct.hu[4, 7, 7] == 4 * 64 + 63 - 500
    assert ct.warnings == ["missing slice(s): gap of 4 mm between z = 4 and 8 mm (about 1 slice(s) at 2 mm spacing)"]
    assert spacing_warnings(np.array([0.0, 2.0, 4.5, 6.5])) == ["uneven slice spacing: 2 to 2.5 mm"]


def test_ct_rescale_float_and_duplicates(tmp_path):
    hu = np.full((3, 8, 8), 40.0)
    slices = b.ct_series([0.0, 3.0, 3.0], hu=hu, slope=0.5, intercept=-1000.0)
    ct = read_ct_series(slices, ["a", "b", "c"])
    assert ct.hu.dtype == np.float32 and np.all(ct.hu == 40.0)
    assert ct.hu.shape == (2, 8, 8)
    assert ct.warnings == ["slice skipped: c: duplicates the position z = 3 mm"]


def test_plan_fallbacks(tmp_path):
    # beam doses are the dose at each beam's specification point: a hint, never the prescription
    plan = read_plan(b.rtplan(rx_gy=None, fractions=10, beam_doses_gy=[1.2, 1.8]))
    assert plan.prescription_gy is None and plan.prescription_source is None and plan.dose_per_fraction_gy is None
    assert plan.beam_dose_sum_gy == pytest.approx(30.0) and plan.fractions == 10
    plan = read_plan(b.rtplan(rx_gy=None, fractions=None))
    assert plan.prescription_gy is None and plan.fractions is None and plan.dose_per_fraction_gy is None
    assert any("number of fractions not stated" in n for n in plan.notes)
    plan = read_plan(b.save(b.rtplan(label="LIVER", rx_gy=50.0, fractions=25), tmp_path / "p.dcm"))
    assert (plan.label, plan.prescription_gy, plan.fractions, plan.dose_per_fraction_gy, plan.date, plan.intent) == \
        ("LIVER", 50.0, 25, 2.0, "2024-01-02", "CURATIVE")
