"""Bad inputs: each is reported with a specific message and never aborts the whole load."""
import builtins
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

import dicom_builders as b
from rtreview.core.dicom.errors import DicomReadError
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtdose import read_dose
from rtreview.core.dicom.rtstruct import read_structure_set


def _issues(case, severity=None):
    return {Path(i.path).name: i.message for i in case.report.issues if severity in (None, i.severity)}


def test_text_file_is_skipped_and_reported(tmp_path):
    b.small_case(tmp_path)
    (tmp_path / "notes.txt").write_text("not DICOM\n")
    case = load(tmp_path)
    assert "not a DICOM file" in _issues(case, "ignored")["notes.txt"]
    assert len(case.links) == 1 and not case.report.errors
    with pytest.raises(DicomReadError, match="notes.txt: not a DICOM file"):
        read_dose(tmp_path / "notes.txt")


@pytest.mark.parametrize("keep", [200, 3000, -1000])
def test_truncated_file(tmp_path, reference_dicom, keep):
    data = (reference_dicom / "dicompyler-core-example" / "rtdose.dcm").read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[:keep])
    case = load(tmp_path)
    assert _issues(case, "error") == {"cut.dcm": "truncated DICOM file (it ends in the middle of an element)"}
    assert case.patients == []
    with pytest.raises(DicomReadError, match="truncated DICOM file"):
        read_dose(tmp_path / "cut.dcm")


def test_truncated_headerless_file(tmp_path, reference_dicom):
    data = (reference_dicom / "pydicom-testdata" / "rtstruct.dcm").read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[:600])
    assert _issues(load(tmp_path), "error")["cut.dcm"].startswith("truncated or corrupt DICOM file without header")


def test_dose_without_pixel_data(tmp_path):
    parts = b.small_case(tmp_path)
    dose = parts["rtdose"]
    del dose.PixelData
    b.save(dose, tmp_path / "rtdose.dcm")
    case = load(tmp_path)
    assert _issues(case, "error") == {"rtdose.dcm": "RT Dose has no pixel data (PixelData (7FE0,0010) missing)"}
    patient = case.patients[0]
    assert patient.doses == [] and len(patient.plans) == 1 and len(patient.cts) == 1  # the rest still loads


@pytest.mark.parametrize("keyword, tag", [("PixelSpacing", "(0028,0030)"), ("ImagePositionPatient", "(0020,0032)"),
                                          ("ImageOrientationPatient", "(0020,0037)")])
def test_dose_missing_required_tag(tmp_path, keyword, tag):
    ds = b.rtdose(np.ones((2, 3, 4)))
    delattr(ds, keyword)
    b.save(ds, tmp_path / "dose.dcm")
    with pytest.raises(DicomReadError) as info:
        read_dose(tmp_path / "dose.dcm")
    assert info.value.message == f"RT Dose is missing required tag {keyword} {tag}"
    assert _issues(load(tmp_path), "error") == {"dose.dcm": info.value.message}


def test_ct_slice_missing_tag_is_skipped_with_warning(tmp_path):
    parts = b.small_case(tmp_path)
    bad = parts["ct"][4]
    del bad.ImagePositionPatient
    b.save(bad, tmp_path / "ct" / "ct4.dcm")
    case = load(tmp_path)
    ct = case.patients[0].cts[0]
    assert ct.hu.shape == (4, 8, 8)
    assert any("CT image is missing required tag ImagePositionPatient" in w for w in ct.warnings)
    assert any("ct4.dcm" in i.message for i in case.report.warnings)


@pytest.mark.parametrize("orientation", [(0.0, 1.0, 0.0, 0.0, 0.0, -1.0), (0.866, 0.5, 0.0, -0.5, 0.866, 0.0)])
def test_non_axial_dose_refused(tmp_path, orientation):
    b.save(b.rtdose(np.ones((2, 3, 4)), orientation=orientation), tmp_path / "oblique.dcm")
    with pytest.raises(DicomReadError, match="non-axial dose grid orientation .*only axial"):
        read_dose(tmp_path / "oblique.dcm")
    assert "non-axial dose grid orientation" in _issues(load(tmp_path), "error")["oblique.dcm"]


def test_non_axial_ct_reported(tmp_path):
    slices = b.ct_series([0.0, 2.0], orientation=(1.0, 0.0, 0.0, 0.0, 0.0, -1.0))
    for k, ds in enumerate(slices):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    case = load(tmp_path)
    assert case.patients == []
    message = _issues(case, "error")["ct0.dcm"]
    assert message.startswith("no usable slice in the CT series of 2 file(s); first problem: ")
    assert "non-axial CT image orientation (ImageOrientationPatient 1, 0, 0, 0, 0, -1)" in message


def test_zip_with_nested_folders(tmp_path):
    src = tmp_path / "src"
    b.small_case(src)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, "patient/deep/" + path.relative_to(src).as_posix())
        zf.writestr("patient/readme.txt", "hello")
    case = load(archive)
    link = case.links[0]
    assert link.plan.label == "PLAN" and link.ct.hu.shape == (5, 8, 8) and link.structure_set.roi("PTV")
    assert link.dose.path == f"{archive}/patient/deep/rtdose.dcm"
    assert link.ct.paths[0] == f"{archive}/patient/deep/ct/ct0.dcm"
    assert [str(i) for i in case.report.ignored] == [f"{archive}/patient/readme.txt: not a DICOM file (no DICOM "
                                                     "header and no SOP Class UID); skipped"]


def test_corrupt_zip(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    case = load(tmp_path)
    assert _issues(case, "error")["broken.zip"].startswith("cannot open the zip archive")


def test_symlink_loop_terminates(tmp_path):
    b.small_case(tmp_path / "data")
    os.symlink(tmp_path, tmp_path / "data" / "loop")
    os.symlink(tmp_path / "data", tmp_path / "again")
    case = load(tmp_path)
    assert len(case.links) == 1 and len(case.patients[0].cts[0].paths) == 5  # each file once
    assert any("loop" in i.path and "already scanned" in i.message for i in case.report.ignored)


def test_unreadable_file(tmp_path, monkeypatch):
    b.small_case(tmp_path)
    target = str(tmp_path / "rtplan.dcm")
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if os.fspath(file) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    case = load(tmp_path)
    assert _issues(case, "error") == {"rtplan.dcm": "cannot read the file: permission denied"}
    assert len(case.links) == 1 and case.links[0].plan is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads mode-000 files")
def test_unreadable_file_chmod(tmp_path):
    b.small_case(tmp_path)
    (tmp_path / "rtplan.dcm").chmod(0)
    try:
        assert _issues(load(tmp_path), "error") == {"rtplan.dcm": "cannot read the file: permission denied"}
    finally:
        (tmp_path / "rtplan.dcm").chmod(0o644)


def test_mr_image_ignored(tmp_path):
    b.small_case(tmp_path)
    b.save(b.mr_image(), tmp_path / "mr.dcm")
    case = load(tmp_path)
    assert _issues(case, "ignored")["mr.dcm"] == ("MR Image Storage is not reviewed (not CT, RT Structure Set, "
                                                 "RT Plan, RT Dose or Spatial Registration); ignored")
    assert len(case.links) == 1 and not case.report.errors


def test_two_patients(tmp_path):
    b.small_case(tmp_path / "a", patient_id="A1", patient_name="Alpha^Ann")
    b.small_case(tmp_path / "b", patient_id="B2", patient_name="Beta^Bob")
    case = load(tmp_path)
    assert [(p.patient_id, p.name) for p in case.patients] == [("A1", "Alpha^Ann"), ("B2", "Beta^Bob")]
    for patient in case.patients:
        assert len(patient.links) == 1 and patient.links[0].plan.patient_id == patient.patient_id
        assert patient.links[0].ct.patient_id == patient.patient_id


def test_frame_of_reference_mismatch_warns(tmp_path):
    parts = b.small_case(tmp_path)
    dose = parts["rtdose"]
    dose.FrameOfReferenceUID = "1.2.3.4.5"
    b.save(dose, tmp_path / "rtdose.dcm")
    case = load(tmp_path)
    warnings = [i.message for i in case.report.warnings if i.path.endswith("rtdose.dcm")]
    assert any(w.startswith("frame of reference mismatch: dose 1.2.3.4.5 vs structure set") for w in warnings)
    assert any("frame of reference mismatch" in n for n in case.links[0].notes)


def test_missing_path_reported(tmp_path):
    case = load([tmp_path / "nowhere"])
    assert _issues(case) == {"nowhere": "no such file or folder"}


def test_not_a_structure_set(tmp_path):
    b.save(b.rtplan(), tmp_path / "plan.dcm")
    with pytest.raises(DicomReadError, match="not an RT Structure Set"):
        read_structure_set(tmp_path / "plan.dcm")


def test_inputs_never_written(tmp_path, reference_dicom):
    import hashlib
    b.small_case(tmp_path / "syn")
    shutil.copytree(reference_dicom / "pydicom-testdata", tmp_path / "pyd")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.write(tmp_path / "syn" / "rtdose.dcm", "x/rtdose.dcm")
    roots = [tmp_path, reference_dicom / "dicompyler-core-example"]

    def state():
        return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for root in roots for p in sorted(root.rglob("*")) if p.is_file()}

    before = state()
    case = load(roots)
    assert len(case.links) >= 7
    assert state() == before
