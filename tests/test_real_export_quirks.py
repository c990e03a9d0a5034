"""Quirks of real planning-system exports, each on a file modified from a real one (in tmp_path):
POINT ROIs, a zero-area ROI, DVHDoseScaling, GridFrameOffsetVector relative or absolute, missing
ContourImageSequence, unevenly spaced CT slices (coronal / sagittal placed by position)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pydicom
import pytest
from pydicom.sequence import Sequence as DicomSequence

from conftest import REFERENCE_DICOM, REPO
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtdose import read_dose
from rtreview.core.dicom.rtstruct import read_structure_set
from rtreview.core.dvh import compute_dvhs
from rtreview.core.viewing import slicing
from rtreview.core.viewing.slicing import Plane

PINNACLE = REFERENCE_DICOM / "pinnacle-hn-anon99185"
EXAMPLE = REFERENCE_DICOM / "dicompyler-core-example"


def _copy(folder, tmp_path, *names):
    for name in names:
        shutil.copyfile(folder / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    return tmp_path


def _dvh_json(*paths) -> dict:
    proc = subprocess.run([sys.executable, "-m", "rtreview", "dvh", *map(str, paths)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def test_pinnacle_points_get_their_dose_and_a_zero_area_roi_is_skipped(tmp_path):
    """The Pinnacle plan's four POINT ROIs are listed with the dose at each point, not as skipped;
    a ROI added with contours that are lines (zero area) is skipped with the reason."""
    ds = pydicom.dcmread(PINNACLE / "RS.dcm")
    item = pydicom.Dataset()
    item.ROINumber, item.ROIName = 99, "flat helper"
    item.ReferencedFrameOfReferenceUID = ds.StructureSetROISequence[0].ReferencedFrameOfReferenceUID
    ds.StructureSetROISequence.append(item)
    contour_item = pydicom.Dataset()
    contour_item.ReferencedROINumber = 99
    contours = []
    for z in (279.5, 282.5):
        c = pydicom.Dataset()
        c.ContourGeometricType = "CLOSED_PLANAR"
        c.NumberOfContourPoints = 3
        c.ContourData = [0.0, 60.0, z, 10.0, 60.0, z, 20.0, 60.0, z]  # three points on a line
        contours.append(c)
    contour_item.ContourSequence = DicomSequence(contours)
    ds.ROIContourSequence.append(contour_item)
    ds.save_as(tmp_path / "RS.dcm")
    _copy(PINNACLE, tmp_path, "RD.dcm", "RP.dcm")
    dose = _dvh_json(tmp_path)["doses"][0]
    skipped = {s["roi_number"]: s["reason"] for s in dose["skipped"]}
    assert skipped == {99: "the contours enclose no area (each is a line or a point): no volume"}
    points = {p["name"]: p for p in dose["points"]}
    assert sorted(p["roi_number"] for p in dose["points"]) == [1, 2, 3, 4]
    assert 99 not in {s["roi_number"] for s in dose["structures"]}
    # "rx 1: H&N PTV 50 Gy: 250 cGy x 22 to 96%: pt: Shifted Isocenter": 22 x 2.5 Gy to the 96 %
    # isodose of the dose at the Shifted Isocenter point, so 55 / 0.96 = 57.29 Gy there.
    iso = points["Shifted Isocenter"]
    assert iso["position_mm"] == [50.0, 61.7645, 279.5]
    assert iso["dose_gy"] == pytest.approx(55.0 / 0.96, abs=0.05)
    # The dose read back independently: trilinear on the grid from the file.
    grid = read_dose(PINNACLE / "RD.dcm")
    assert iso["dose_gy"] == pytest.approx(slicing.dose_at(grid, 50.0, 61.7645, 279.5), abs=1e-4)


def test_point_outside_the_dose_grid_says_so(tmp_path):
    ds = pydicom.dcmread(PINNACLE / "RS.dcm")
    for item in ds.ROIContourSequence:
        if int(item.ReferencedROINumber) == 1:  # CT Isocenter: moved 2 m away
            item.ContourSequence[0].ContourData = [0.0, 2000.0, 279.5]
    ds.save_as(tmp_path / "RS.dcm")
    from rtreview.core.dvh import point_doses
    ss, grid = read_structure_set(tmp_path / "RS.dcm"), read_dose(PINNACLE / "RD.dcm")
    points = {n: json.loads(json.dumps(point_doses(ss.roi(n), grid)[0].to_json())) for n in (1, 2)}
    assert points[1]["dose_gy"] is None and points[1]["note"] == "outside the dose grid: no dose"
    assert points[1]["position_mm"] == [0.0, 2000.0, 279.5]
    assert points[2]["dose_gy"] > 50 and points[2]["note"] == ""


def _dvh_items_scaled(ds, factor: float, cgy: bool = False):
    for item in ds.DVHSequence:
        data = [float(v) for v in item.DVHData]
        widths = np.array(data[0::2]) / factor * (100.0 if cgy else 1.0)
        data[0::2] = [float(w) for w in widths]
        item.DVHData = data
        item.DVHDoseScaling = factor
        if cgy:
            item.DoseUnits = "CGY"


@pytest.mark.parametrize("factor, cgy", [(0.5, False), (2.5, False), (1.0, True), (0.1, True)])
def test_dvh_dose_scaling_is_applied_to_stored_dvhs(tmp_path, factor, cgy):
    """The example's stored DVHs rewritten with DVHDoseScaling (and in cGy) read back the same."""
    original = read_dose(EXAMPLE / "rtdose.dcm")
    ds = pydicom.dcmread(EXAMPLE / "rtdose.dcm")
    _dvh_items_scaled(ds, factor, cgy)
    ds.save_as(tmp_path / "rtdose.dcm")
    scaled = read_dose(tmp_path / "rtdose.dcm")
    assert sorted(scaled.stored_dvhs) == sorted(original.stored_dvhs)
    for number, (dose_gy, volume) in original.stored_dvhs.items():
        np.testing.assert_allclose(scaled.stored_dvhs[number][0], dose_gy, rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(scaled.stored_dvhs[number][1], volume)
    assert original.stored_dvhs[9][0][-1] == pytest.approx(14.57, abs=0.01)  # Tumor Bed's last bin


@pytest.mark.parametrize("folder, name", [(EXAMPLE, "rtdose.dcm"), (PINNACLE, "RD.dcm")])
def test_grid_frame_offsets_absolute_or_relative_give_the_same_grid(tmp_path, folder, name):
    """DICOM allows GridFrameOffsetVector relative to the first frame (option a, both files) or as
    absolute z (option b, when the first offset equals ImagePositionPatient z): both read alike."""
    ds = pydicom.dcmread(folder / name)
    z0 = float(ds.ImagePositionPatient[2])
    relative = [float(v) for v in ds.GridFrameOffsetVector]
    assert relative[0] == 0.0
    ds.GridFrameOffsetVector = [z0 + v for v in relative]
    ds.save_as(tmp_path / name)
    a, b = read_dose(folder / name), read_dose(tmp_path / name)
    np.testing.assert_array_equal(a.z_mm, b.z_mm)
    np.testing.assert_array_equal(a.dose_gy, b.dose_gy)
    assert not [n for n in b.notes if "GridFrameOffsetVector" in n]
    # ... a vector that is neither is read as offsets from its first value, with a note.
    ds.GridFrameOffsetVector = [5.0 + v for v in relative]
    ds.save_as(tmp_path / name)
    c = read_dose(tmp_path / name)
    np.testing.assert_array_equal(a.z_mm, c.z_mm)
    assert any("neither 0 nor the first frame's z" in n for n in c.notes)


def test_missing_contour_image_sequence_changes_nothing(tmp_path):
    """ContourImageSequence (which CT image each contour was drawn on) is optional: without it the
    example's structures and DVHs are the same, and nothing is reported."""
    ds = pydicom.dcmread(EXAMPLE / "rtss.dcm")
    removed = 0
    for roi in ds.ROIContourSequence:
        for contour in roi.get("ContourSequence", []):
            if "ContourImageSequence" in contour:
                del contour.ContourImageSequence
                removed += 1
    assert removed == 441
    ds.save_as(tmp_path / "rtss.dcm")
    _copy(EXAMPLE, tmp_path, "rtdose.dcm", "rtplan.dcm")
    case = load(tmp_path)
    assert not case.report.errors and not case.report.warnings
    ss_new = case.patients[0].structure_sets[0]
    ss_old = read_structure_set(EXAMPLE / "rtss.dcm")
    dose = read_dose(EXAMPLE / "rtdose.dcm")
    old, new = compute_dvhs(ss_old, dose), compute_dvhs(ss_new, case.links[0].dose)
    assert sorted(old) == sorted(new)
    for number in old:
        assert new[number].volume_cc == old[number].volume_cc
        assert new[number].mean_gy == old[number].mean_gy and new[number].min_gy == old[number].min_gy


def test_uneven_ct_slices_are_placed_by_position(tmp_path):
    """The example's real CT slice written at z = 0, 3, 6, 9, 15, 21, 24 mm (a missing slice
    twice; each copy's pixels offset by its index): coronal and sagittal rows sit at their z."""
    source = pydicom.dcmread(EXAMPLE / "ct.0.dcm")
    z_mm = [0.0, 3.0, 6.0, 9.0, 15.0, 21.0, 24.0]
    series = pydicom.uid.generate_uid()
    base = source.pixel_array.astype(np.int16)
    for k, z in enumerate(z_mm):
        ds = pydicom.dcmread(EXAMPLE / "ct.0.dcm")
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        ds.SeriesInstanceUID = series
        ds.ImagePositionPatient = [float(source.ImagePositionPatient[0]), float(source.ImagePositionPatient[1]), z]
        ds.InstanceNumber = k + 1
        ds.PixelData = (base + 100 * k).astype(np.int16).tobytes()
        ds.save_as(tmp_path / f"ct{k}.dcm")
    case = load(tmp_path)
    ct = case.patients[0].cts[0]
    assert list(ct.z_mm) == z_mm
    assert any("uneven" in w or "missing" in w or "gap" in w for w in ct.warnings)
    u, v = slicing.slice_axes(ct, Plane.CORONAL)
    assert np.allclose(np.diff(v), 3.0) and v[0] == 0.0 and v[-1] == 24.0  # even rows, 0..24 mm
    image = slicing.ct_slice(ct, Plane.CORONAL, 256)
    assert image.shape == (v.size, ct.x_mm.size)
    row_hu = image[:, 300] - ct.hu[0, 256, 300]  # the offset of the slice shown on each row
    for row, z in enumerate(v):
        nearest = int(np.argmin(np.abs(np.array(z_mm) - z + 1e-9)))  # ties: the lower slice
        assert row_hu[row] == 100 * nearest, z
    left, top, width, height = slicing.pixel_rect(u, v)
    assert (top, height) == (-1.5, 27.0)  # rows by position: 9 rows of 3 mm, not 7
    # The dose resampled onto the same rows, by position (a dose linear in z).
    from rtreview.core.dicom.dose_grid import DoseGrid
    zd = np.arange(-3.0, 28.0, 2.0)
    dose = DoseGrid("1.2.3", "virtual", (10.0 + zd[:, None, None] + 0 * ct.hu[:1, ::64, ::64]).astype(np.float32),
                    ct.x_mm[::64].copy(), ct.y_mm[::64].copy(), zd)
    plane = slicing.DoseResampler(dose, ct).plane(Plane.SAGITTAL, 200)
    assert plane.shape == slicing.ct_slice(ct, Plane.SAGITTAL, 200).shape
    inside = (ct.y_mm >= dose.y_mm[0]) & (ct.y_mm <= dose.y_mm[-1])
    np.testing.assert_allclose(plane[:, inside][:, 0], 10.0 + v, rtol=1e-5)
