"""Absurd header values and oversized grids: refused with a message before memory is spent.

Each case here was first found by the fuzz harness (tests/fuzz_harness.py) as an unhandled
exception or as a loaded object with NaN / non-increasing coordinates; now each is a clear
LoadReport entry.
"""
import numpy as np
import pytest

import dicom_builders as b
from rtreview.core.dicom import limits
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtplan import read_plan
from fuzz_mutate import _raw


def _only_error(case) -> str:
    errors = [i.message for i in case.report.errors]
    assert len(errors) == 1, case.report.issues
    return errors[0]


def _raw_dose(tmp_path, keyword, vr, value: bytes, dose=None):
    ds = b.rtdose(np.ones((3, 4, 5)) if dose is None else dose)
    _raw(ds, ds.data_element(keyword).tag if keyword in ds else keyword, vr, value)
    b.save(ds, tmp_path / "rd.dcm")
    return load(tmp_path)


@pytest.mark.parametrize("keyword, vr, value, message", [
    ("PixelSpacing", "DS", b"nan\\2", "RT Dose PixelSpacing is not finite (nan, 2)"),
    ("PixelSpacing", "DS", b"0\\2", "RT Dose PixelSpacing [0.0, 2.0] is not positive"),
    ("PixelSpacing", "DS", b"-2.5\\-2.5", "RT Dose PixelSpacing [-2.5, -2.5] is not positive"),
    ("PixelSpacing", "DS", b"1e-300\\1e-300", "implausibly small"),
    ("PixelSpacing", "DS", b"2", "RT Dose PixelSpacing has 1 value(s), 2 expected"),
    ("ImagePositionPatient", "DS", b"0\\inf\\0", "RT Dose ImagePositionPatient is not finite (0, inf, 0)"),
    ("DoseGridScaling", "DS", b"NaN", "RT Dose DoseGridScaling is not a finite number"),
    ("DoseGridScaling", "DS", b"inf", "RT Dose DoseGridScaling is not a finite number"),
    ("DoseGridScaling", "DS", b"-1", "DoseGridScaling -1 is negative"),
    ("DoseGridScaling", "DS", b"1e6", "implausible (above 10000 Gy; wrong DoseGridScaling"),
    ("GridFrameOffsetVector", "DS", b"0\\nan\\4", "GridFrameOffsetVector has values that are not finite"),
    ("Rows", "US", b"\xff\xff", "RT Dose grid 3 x 65535 x 5 = 983,025 voxels"),
    ("NumberOfFrames", "IS", b"1000000", "RT Dose grid 1000000 x 4 x 5"),
])
def test_absurd_dose_values_refused(tmp_path, keyword, vr, value, message, monkeypatch):
    monkeypatch.setenv(limits.ENV_MAX_VOXELS, "500000")
    case = _raw_dose(tmp_path, keyword, vr, value)
    assert message in _only_error(case)
    assert case.patients == []


def test_voxel_budget_default_and_override(tmp_path, monkeypatch):
    monkeypatch.delenv(limits.ENV_MAX_VOXELS, raising=False)
    assert limits.max_voxels() == limits.DEFAULT_MAX_VOXELS == 300_000_000
    b.save(b.rtdose(np.ones((4, 10, 10))), tmp_path / "rd.dcm")
    assert len(load(tmp_path).patients[0].doses) == 1
    monkeypatch.setenv(limits.ENV_MAX_VOXELS, "399")
    message = _only_error(load(tmp_path))
    assert message == ("RT Dose grid 4 x 10 x 10 = 400 voxels exceeds the limit of 399 voxels; not loaded "
                       "(set RTREVIEW_MAX_VOXELS to raise the limit)")


def test_ct_series_over_budget_refused(tmp_path, monkeypatch):
    for k, ds in enumerate(b.ct_series([0.0, 2.0, 4.0, 6.0])):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    monkeypatch.setenv(limits.ENV_MAX_VOXELS, str(3 * 64))
    message = _only_error(load(tmp_path))
    assert "CT series grid 4 x 8 x 8 = 256 voxels exceeds the limit of 192 voxels" in message


@pytest.mark.parametrize("keyword, value, words", [
    ("RescaleIntercept", b"nan", "CT image RescaleIntercept is not a finite number"),
    ("RescaleSlope", b"inf", "CT image RescaleSlope is not a finite number"),
    ("RescaleSlope", b"1e308", "CT values overflow after RescaleSlope / RescaleIntercept"),
    ("PixelSpacing", b"0\\0", "CT image PixelSpacing [0.0, 0.0] is not positive"),
    ("ImageOrientationPatient", b"1\\0\\0\\0\\nan\\0", "CT image ImageOrientationPatient is not finite"),
])
def test_absurd_ct_values_skip_the_slice(tmp_path, keyword, value, words):
    slices = b.ct_series([0.0, 2.0, 4.0])
    _raw(slices[1], slices[1].data_element(keyword).tag, "DS", value)
    for k, ds in enumerate(slices):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    case = load(tmp_path)
    ct = case.patients[0].cts[0]
    assert ct.hu.shape == (2, 8, 8) and np.all(np.isfinite(ct.hu))
    assert any(words in w and "ct1.dcm" in w for w in ct.warnings), ct.warnings


def test_plan_nan_prescription_and_absurd_fractions(tmp_path):
    plan = b.rtplan(rx_gy=50.0, fractions=25)
    _raw(plan.DoseReferenceSequence[0], 0x300A0026, "DS", b"nan")
    _raw(plan.FractionGroupSequence[0], 0x300A0078, "IS", b"1000000")
    read = read_plan(b.save(plan, tmp_path / "rp.dcm"))
    assert read.prescription_gy is None and read.fractions == 1_000_000
    assert read.prescription_source is None and "no prescription dose" in read.prescription_note
    assert any("NumberOfFractionsPlanned 1000000 is implausible" in n for n in read.notes)


def test_damaged_identifier_element_does_not_abort(tmp_path):
    """A header element with an unknown VR (byte damage) used to raise from PatientID access."""
    b.small_case(tmp_path)
    for name, tag in [("ct/ct1.dcm", b"\x20\x00\x0d\x00UI"), ("rtplan.dcm", b"\x10\x00\x30\x00DA"),
                      ("rtstruct.dcm", b"\x10\x00\x20\x00LO")]:
        path = tmp_path / name
        data = path.read_bytes()
        at = data.index(tag)
        vr = b"UL" if name == "rtstruct.dcm" else b"Ua"  # PatientID "SYN001" as UL: 6 bytes, not 4n
        path.write_bytes(data[:at + 4] + vr + data[at + 6:])
    case = load(tmp_path)
    assert case.links[0].ct.hu.shape == (5, 8, 8) and case.links[0].plan is not None
    warned = {i.path.rsplit("/", 1)[-1]: i.message for i in case.report.warnings}
    assert warned["rtstruct.dcm"] == "damaged element(s) PatientID cannot be decoded; treated as empty"
    assert warned["ct1.dcm"] == "damaged element(s) StudyInstanceUID cannot be decoded; treated as empty"


def test_non_finite_contour_points_skipped(tmp_path):
    square = b.roi_square(0.0)
    square[1, 0] = np.nan
    ss = b.rtstruct([{"number": 1, "name": "Bad", "contours": [("CLOSED_PLANAR", square),
                                                               ("CLOSED_PLANAR", b.roi_square(2.0))]}])
    roi = load(b.save(ss, tmp_path / "rs.dcm")).patients[0].structure_sets[0].roi(1)
    assert sorted(roi.planes) == [2.0]
    assert any("not finite" in n for n in roi.notes)


def test_ct_series_budget_checked_before_any_slice_is_decoded(tmp_path, monkeypatch):
    from rtreview.core.dicom import ct as ct_module
    from rtreview.core.dicom.ct import read_ct_series
    slices = b.ct_series([0.0, 2.0, 4.0, 6.0])
    for k, ds in enumerate(slices):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    monkeypatch.setenv(limits.ENV_MAX_VOXELS, "200")
    decoded = []
    real = ct_module._read_slice
    monkeypatch.setattr(ct_module, "_read_slice", lambda *a: decoded.append(a) or real(*a))
    assert "CT series grid 4 x 8 x 8 = 256 voxels exceeds" in _only_error(load(tmp_path))
    assert decoded == []  # the loader refused from the scanned headers
    with pytest.raises(Exception, match="CT series grid 4 x 8 x 8"):
        read_ct_series(slices)  # used directly: refused after the first slice, not after all
    assert len(decoded) == 1


def test_damaged_columns_element_in_a_ct_header(tmp_path):
    """Fuzz seed 37 case 776: a flipped VR byte made Columns undecodable; the series budget
    check (from the headers) raised NotImplementedError out of load()."""
    slices = b.ct_series([0.0, 2.0])
    for k, ds in enumerate(slices):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    data = (tmp_path / "ct0.dcm").read_bytes()
    at = data.index(b"\x28\x00\x11\x00US")
    (tmp_path / "ct0.dcm").write_bytes(data[:at + 4] + b"U\x5b" + data[at + 6:])
    case = load(tmp_path)
    assert case.patients[0].cts[0].hu.shape == (1, 8, 8)
    assert any("ct0.dcm" in i.message for i in case.report.warnings)
