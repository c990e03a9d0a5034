"""read_structure_set / read_dose on the reference files, checked against pydicom read directly."""
from pathlib import Path

import numpy as np
import pydicom
import pytest

from rtreview.core.dicom.rtdose import read_dose
from rtreview.core.dicom.rtstruct import read_structure_set


def _raw(path: Path) -> pydicom.Dataset:
    return pydicom.dcmread(path, force=True)


def test_nelms_structure_sets_all_load(nelms):
    files = sorted((nelms / "structures").glob("*.dcm"))
    assert len(files) == 50
    for path in files:
        ss = read_structure_set(path)
        raw = _raw(path)
        assert [r.number for r in ss.rois] == [int(i.ROINumber) for i in raw.StructureSetROISequence]
        assert [r.name for r in ss.rois] == [i.ROIName for i in raw.StructureSetROISequence]
        shape = ss.rois[-1]
        assert shape.name.replace("X", "").replace("Z", "").startswith(path.stem.split("_")[0])
        assert not shape.is_empty
        contours = next(i for i in raw.ROIContourSequence if int(i.ReferencedROINumber) == shape.number)
        assert sum(len(v) for v in shape.planes.values()) == len(contours.ContourSequence)


def test_nelms_contour_points_match_pydicom(nelms):
    path = nelms / "structures" / "Cone_02_0.dcm"
    ss = read_structure_set(path)
    raw = _raw(path)
    roi = ss.roi("Cone_02_0")
    item = next(i for i in raw.ROIContourSequence if int(i.ReferencedROINumber) == roi.number)
    contour = item.ContourSequence[0]
    xyz = np.array(contour.ContourData, dtype=float).reshape(-1, 3)
    if np.allclose(xyz[0], xyz[-1]):
        xyz = xyz[:-1]
    z = round(float(xyz[0, 2]), 3)
    assert any(np.array_equal(poly, xyz[:, :2]) for poly in roi.planes[z])
    assert all(poly.dtype == np.float64 and poly.shape[1] == 2 for polys in roi.planes.values() for poly in polys)


def test_nelms_doses_load_with_shared_uids(nelms):
    files = sorted((nelms / "dose_grids").glob("*.dcm"))
    assert len(files) == 6
    grids = [read_dose(p) for p in files]
    by_name = {Path(g.path).name: g for g in grids}
    ap, si = by_name["Linear_AntPost_2mm_Aligned.dcm"], by_name["Linear_SupInf_2mm_Aligned.dcm"]
    assert ap.sop_instance_uid == si.sop_instance_uid  # the benchmark's quirk
    assert not np.array_equal(ap.dose_gy, si.dose_gy)
    for path, grid in zip(files, grids):
        raw = _raw(path)
        expected = raw.pixel_array.astype(np.float64) * float(raw.DoseGridScaling)
        assert grid.shape == (int(raw.NumberOfFrames), raw.Rows, raw.Columns)
        assert grid.dose_gy.dtype == np.float32
        np.testing.assert_allclose(grid.dose_gy, expected, rtol=1e-6)
        assert grid.x_mm[0] == pytest.approx(float(raw.ImagePositionPatient[0]))
        assert grid.y_mm[0] == pytest.approx(float(raw.ImagePositionPatient[1]))
        assert grid.z_mm[0] == pytest.approx(float(raw.ImagePositionPatient[2]))
        assert grid.spacing_mm == pytest.approx((float(raw.PixelSpacing[1]), float(raw.PixelSpacing[0]),
                                                 float(raw.GridFrameOffsetVector[1])))
        assert grid.summation_type == "FRACTION" and grid.units == "GY"


def test_dicompyler_example_dose(reference_dicom):
    path = reference_dicom / "dicompyler-core-example" / "rtdose.dcm"
    grid = read_dose(path)
    raw = _raw(path)
    assert grid.shape == (98, 129, 194)
    assert grid.spacing_mm == pytest.approx((2.5, 2.5, 3.0))
    assert grid.max_gy == pytest.approx(float(raw.pixel_array.max()) * float(raw.DoseGridScaling), rel=1e-6)
    assert grid.referenced_plan_uid == raw.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID
    assert grid.frame_of_reference_uid == raw.FrameOfReferenceUID
    assert grid.z_mm[-1] == pytest.approx(float(raw.ImagePositionPatient[2]) + float(raw.GridFrameOffsetVector[-1]))


def test_dicompyler_example_structures(reference_dicom):
    ss = read_structure_set(reference_dicom / "dicompyler-core-example" / "rtss.dcm")
    assert len(ss.rois) == 10
    assert ss.roi(2).name == "Areola" and ss.roi(2).is_empty
    assert [r.name for r in ss.empty_rois] == ["Areola"]
    heart = ss.roi("Heart")
    assert heart.number == 5 and heart.type == "ORGAN" and heart.color_rgb == (255, 128, 0)
    assert len(heart.planes) == 33


def test_pydicom_testdata_variants_equal(reference_dicom):
    folder = reference_dicom / "pydicom-testdata"
    base = read_dose(folder / "rtdose.dcm")
    assert base.units == "RELATIVE" and base.summation_type == "BEAM"
    assert base.shape == (15, 10, 10)
    for name in ("rtdose_rle.dcm", "rtdose_expb.dcm"):
        other = read_dose(folder / name)
        np.testing.assert_array_equal(other.dose_gy, base.dose_gy)
        np.testing.assert_array_equal(other.z_mm, base.z_mm)
    one = read_dose(folder / "rtdose_1frame.dcm")
    assert one.shape == (1, 10, 10)
    np.testing.assert_array_equal(one.dose_gy[0], base.dose_gy[0])


def test_pydicom_rtstruct_without_preamble(reference_dicom):
    ss = read_structure_set(reference_dicom / "pydicom-testdata" / "rtstruct.dcm")
    assert [r.name for r in ss.rois] == ["patient", "Isocenter 1", "Isocenter 2"]
    assert ss.roi("patient").type == "EXTERNAL"
    assert sorted(ss.roi("patient").planes) == [-200.0, -190.0, -180.0]
    assert ss.roi(2).points_mm == [(0.0, 0.0, 0.0)] and ss.roi(2).is_empty
