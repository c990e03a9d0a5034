"""Dose grid variants seen in clinical exports: offsets, spacing, coverage, per-beam doses,
single frames, float / integer pixel data, relative units."""
from pathlib import Path

import numpy as np
import pytest
from pydicom.uid import generate_uid

import dicom_builders as b
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtdose import read_dose
from rtreview.core.dvh import DvhOptions, compute_dvh

OPTIONS = DvhOptions(samples_across=16)


def _z_ramp(z_mm, ny=10, nx=10):
    """Dose = z (mm) / 10 Gy + 1 on every voxel of a frame at z."""
    return np.broadcast_to((np.asarray(z_mm, float) / 10.0 + 1.0)[:, None, None], (len(z_mm), ny, nx)).copy()


def _cube_roi(z_planes, half=6.0):
    ss = b.rtstruct([{"number": 1, "name": "Cube", "contours": [("CLOSED_PLANAR", b.roi_square(z, half=half))
                                                                 for z in z_planes]}])
    return ss


def test_relative_and_absolute_offsets_give_the_same_grid_and_dvh(tmp_path):
    z = [-10.0, -7.5, -5.0, -2.5, 0.0, 2.5, 5.0, 7.5, 10.0]
    relative = b.rtdose(_z_ramp(z), origin=(-12.5, -12.5, -10.0), spacing=(2.5, 2.5), offsets=[v + 10 for v in z])
    absolute = b.rtdose(_z_ramp(z), origin=(-12.5, -12.5, -10.0), spacing=(2.5, 2.5), offsets=z)
    grids = [read_dose(b.save(ds, tmp_path / f"{k}.dcm")) for k, ds in enumerate((relative, absolute))]
    np.testing.assert_allclose(grids[0].z_mm, z) and np.testing.assert_allclose(grids[1].z_mm, z)
    roi = b.rtstruct([{"number": 1, "name": "R", "contours": [("CLOSED_PLANAR", b.roi_square(zz)) for zz in
                                                             (-4.0, -2.0, 0.0, 2.0, 4.0)]}])
    from rtreview.core.dicom.rtstruct import read_structure_set
    r = read_structure_set(roi).roi(1)
    d0, d1 = (compute_dvh(r, g, OPTIONS) for g in grids)
    assert d0.mean_gy == pytest.approx(d1.mean_gy) and d0.mean_gy == pytest.approx(1.0, abs=1e-3)


def test_non_uniform_frame_spacing(tmp_path):
    z = [0.0, 2.0, 4.0, 7.0, 10.0, 15.0, 25.0]
    grid = read_dose(b.save(b.rtdose(_z_ramp(z), origin=(-10.0, -10.0, 0.0), offsets=z), tmp_path / "d.dcm"))
    np.testing.assert_allclose(grid.z_mm, z)
    from rtreview.core.dicom.rtstruct import read_structure_set
    # a ROI spanning z 3..21 (planes every 2 mm, half-slab end caps) in dose = z/10 + 1: linear in z,
    # so trilinear interpolation is exact and the mean dose is that of the mid-plane z = 12 mm
    planes = [4.0 + 2.0 * k for k in range(9)]
    roi = read_structure_set(_cube_roi(planes, half=4.0)).roi(1)
    dvh = compute_dvh(roi, grid, OPTIONS)
    assert dvh.mean_gy == pytest.approx(12.0 / 10 + 1, abs=2e-3)
    assert dvh.min_gy == pytest.approx(0.3 + 1, abs=0.01) and dvh.max_gy == pytest.approx(2.1 + 1, abs=0.01)


def test_dose_grid_smaller_than_the_structure_reports_partial_coverage(tmp_path):
    parts = b.small_case(tmp_path)  # PTV 10 x 10 mm on z 2, 4, 6; dose grid x, y -8..6 mm, z 0..8
    ss = parts["rtstruct"]
    for contour, z in zip(ss.ROIContourSequence[0].ContourSequence, (2.0, 4.0, 6.0)):
        contour.ContourData = [float(v) for v in b.roi_square(z, half=10.0, cx=6.0).ravel()]  # x -4..16
    b.save(ss, tmp_path / "rtstruct.dcm")
    case = load(tmp_path)
    link = case.links[0]
    dvh = compute_dvh(link.structure_set.roi("PTV"), link.dose, OPTIONS)
    assert dvh.volume_cc == pytest.approx(20 * 20 * 6 / 1000)  # 20 x 20 mm x 3 slabs of 2 mm
    assert 0 < dvh.covered_volume_cc < dvh.volume_cc
    assert dvh.uncovered_volume_cc == pytest.approx(dvh.volume_cc - dvh.covered_volume_cc)
    assert any("outside the dose grid" in n for n in dvh.notes)
    assert dvh.mean_gy == pytest.approx(2.0, abs=1e-3)  # statistics of the covered part only


def _beam_case(folder: Path, beam_doses, *, shift_last: bool = False, same_uid: bool = False):
    frame = generate_uid()
    plan = b.rtplan(frame_uid=frame, beam_doses_gy=[1.0] * len(beam_doses))
    b.save(plan, folder / "rp.dcm")
    uid = generate_uid()
    for k, value in enumerate(beam_doses):
        origin = (-8.0 + (4.0 if shift_last and k == len(beam_doses) - 1 else 0.0), -8.0, 0.0)
        ds = b.rtdose(np.full((3, 8, 8), value), origin=origin, plan_uid=plan.SOPInstanceUID, frame_uid=frame,
                      summation="BEAM")
        if same_uid:
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
        b.save(ds, folder / f"rd_beam{k + 1}.dcm")
    return plan


def test_beam_doses_of_one_plan_are_summed(tmp_path):
    plan = _beam_case(tmp_path, [0.5, 0.75, 0.25])
    case = load(tmp_path)
    patient = case.patients[0]
    assert len(patient.doses) == 1 and len(case.links) == 1
    dose = case.links[0].dose
    assert dose.summation_type == "PLAN" and case.links[0].plan.sop_instance_uid == plan.SOPInstanceUID
    np.testing.assert_allclose(dose.dose_gy, 1.5, rtol=1e-6)
    assert dose.notes[0] == (f"sum of 3 BEAM doses of plan {plan.SOPInstanceUID} "
                             "(rd_beam1.dcm, rd_beam2.dcm, rd_beam3.dcm)")
    assert any(i.message == dose.notes[0] for i in case.report.warnings)


def test_beam_doses_on_different_grids_are_not_summed(tmp_path):
    _beam_case(tmp_path, [0.5, 0.75, 0.25], shift_last=True)
    case = load(tmp_path)
    doses = sorted(case.patients[0].doses, key=lambda d: d.path)
    assert len(doses) == 2  # beams 1 + 2 summed, beam 3 on its own grid
    assert doses[0].notes[0].startswith("sum of 2 BEAM doses") and float(doses[0].dose_gy.max()) == pytest.approx(1.25)
    assert any("dose of one beam only" in n and "other grids" in n for n in doses[1].notes)


def test_copies_of_one_beam_dose_are_not_summed(tmp_path):
    _beam_case(tmp_path, [0.5, 0.5], same_uid=True)
    case = load(tmp_path)
    assert len(case.patients[0].doses) == 2
    for dose in case.patients[0].doses:
        assert float(dose.dose_gy.max()) == pytest.approx(0.5)
        assert any("share its SOP Instance UID" in n for n in dose.notes)


def test_single_beam_dose_flagged(tmp_path):
    _beam_case(tmp_path, [0.5])
    case = load(tmp_path)
    assert any("dose of one beam only" in n for n in case.links[0].dose.notes)


def test_multi_frame_file_with_one_frame(tmp_path, reference_dicom):
    ds = b.rtdose(np.full((1, 4, 5), 3.0), offsets=[0.0])
    grid = read_dose(b.save(ds, tmp_path / "one.dcm"))
    assert grid.shape == (1, 4, 5) and grid.z_mm.tolist() == [0.0]
    ref = read_dose(reference_dicom / "pydicom-testdata" / "rtdose_1frame.dcm")
    assert ref.shape == (1, 10, 10) and ref.z_mm.size == 1
    roi = b.rtstruct([{"number": 1, "name": "R", "contours": [("CLOSED_PLANAR", b.roi_square(0.0, 1.5, -4, -5))]}])
    from rtreview.core.dicom.rtstruct import read_structure_set
    dvh = compute_dvh(read_structure_set(roi).roi(1), grid, DvhOptions(slice_thickness_mm=2.0))
    assert dvh.mean_gy == pytest.approx(3.0) and dvh.covered_volume_cc == pytest.approx(dvh.volume_cc)


@pytest.mark.parametrize("bits, representation, dtype", [(16, 0, np.uint16), (32, 0, np.uint32), (16, 1, np.int16)])
def test_integer_pixel_data(tmp_path, bits, representation, dtype):
    values = np.arange(60, dtype=dtype).reshape(3, 4, 5) * (3 if dtype != np.int16 else 1)
    ds = b.rtdose(np.ones((3, 4, 5)), scaling=0.01)
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = representation
    ds.PixelData = values.tobytes()
    grid = read_dose(b.save(ds, tmp_path / "d.dcm"))
    assert grid.dose_gy.dtype == np.float32
    np.testing.assert_allclose(grid.dose_gy, values * 0.01, rtol=1e-6)


def test_float_pixel_data(tmp_path):
    values = np.linspace(0.0, 2.5, 60, dtype=np.float32).reshape(3, 4, 5)
    ds = b.rtdose(np.ones((3, 4, 5)), scaling=2.0)
    del ds.PixelData
    ds.BitsAllocated = 32
    for keyword in ("BitsStored", "HighBit", "PixelRepresentation"):
        delattr(ds, keyword)
    ds.FloatPixelData = values.tobytes()
    grid = read_dose(b.save(ds, tmp_path / "f.dcm"))
    np.testing.assert_allclose(grid.dose_gy, values * 2.0, rtol=1e-6)
    bad = values.copy()
    bad[1, 2, 3] = np.nan
    ds.FloatPixelData = bad.tobytes()
    b.save(ds, tmp_path / "f.dcm")
    assert [i.message for i in load(tmp_path).report.errors] == ["dose values are not finite (1 NaN or infinite voxels)"]


def test_relative_dose_units_recorded_with_a_note(tmp_path, reference_dicom):
    grid = read_dose(b.save(b.rtdose(np.full((2, 3, 4), 95.0), units="RELATIVE", scaling=0.01), tmp_path / "r.dcm"))
    assert grid.units == "RELATIVE"
    assert any("DoseUnits RELATIVE" in n for n in grid.notes)
    ref = read_dose(reference_dicom / "pydicom-testdata" / "rtdose.dcm")
    assert ref.units == "RELATIVE" and any("DoseUnits RELATIVE" in n for n in ref.notes)
