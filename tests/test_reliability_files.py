"""File-level variety: encodings, compression, DICOMDIR, big folders, archives, links, permissions."""
import builtins
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from pydicom.encaps import encapsulate
from pydicom.fileset import FileSet
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian,
                         JPEG2000Lossless, JPEGBaseline8Bit, JPEGLSLossless, RLELossless)

import dicom_builders as b
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.scan import scan


def _issues(case, severity=None):
    return {Path(i.path).name: i.message for i in case.report.issues if severity in (None, i.severity)}


# (Explicit VR Big Endian: the reference set's rtdose_expb.dcm, test_dicom_reference_sets.py)
@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian])
def test_transfer_syntaxes_of_a_whole_case(tmp_path, syntax):
    parts = b.small_case(tmp_path / "ref")
    for kind in ("rtstruct", "rtplan", "rtdose"):
        parts[kind].file_meta.TransferSyntaxUID = syntax
        b.save(parts[kind], tmp_path / "case" / f"{kind}.dcm")
    for k, ds in enumerate(parts["ct"]):
        ds.file_meta.TransferSyntaxUID = syntax
        b.save(ds, tmp_path / "case" / f"ct{k}.dcm")
    case, reference = load(tmp_path / "case"), load(tmp_path / "ref")
    assert not case.report.issues
    link, ref = case.links[0], reference.links[0]
    np.testing.assert_array_equal(link.ct.hu, ref.ct.hu)
    np.testing.assert_array_equal(link.dose.dose_gy, ref.dose.dose_gy)
    assert link.plan.label == "PLAN" and link.structure_set.roi("PTV").plane_z_mm.tolist() == [2.0, 4.0, 6.0]


def test_rle_compressed_ct_decodes(tmp_path):
    slices = b.ct_series([0.0, 2.0])
    for k, ds in enumerate(slices):
        ds.compress(RLELossless)
        b.save(ds, tmp_path / f"ct{k}.dcm")
    ct = load(tmp_path).patients[0].cts[0]
    np.testing.assert_array_equal(ct.hu[1], np.arange(64, 128).reshape(8, 8) - 500)


@pytest.mark.parametrize("syntax", [JPEGBaseline8Bit, JPEG2000Lossless, JPEGLSLossless])
def test_jpeg_compressed_ct_without_a_decoder_is_refused_naming_the_syntax(tmp_path, monkeypatch, syntax):
    """Without the 'codecs' extra's decoders (simulated: none available), such CT is refused clearly;
    with them, data that is not what it claims is a clear decoding error (tests/test_compressed_ct.py
    reads real compressed CT)."""
    from pydicom.pixels import get_decoder
    ds = b.ct_series([0.0])[0]
    ds.file_meta.TransferSyntaxUID = syntax
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xe0 not really compressed \xff\xd9"])
    ds["PixelData"].VR = "OB"
    b.save(ds, tmp_path / "ct.dcm")
    message = _issues(load(tmp_path), "error")["ct.dcm"]
    assert "cannot decode the CT pixel data" in message and "ct.dcm" in message
    monkeypatch.setattr(get_decoder(syntax), "_available", {})
    message = _issues(load(tmp_path), "error")["ct.dcm"]
    assert f"CT image pixel data is compressed as {syntax.name} ({syntax}), and no decoder for it is installed" \
        in message
    assert "pip install 'rtreview[codecs]'" in message and "export the images uncompressed" in message


def test_files_without_preamble_or_file_meta(tmp_path):
    parts = b.small_case(tmp_path / "ref")
    data = (tmp_path / "ref" / "rtdose.dcm").read_bytes()
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "no_preamble.dcm").write_bytes(data[128:])  # starts with 'DICM'
    ds = parts["rtplan"]
    del ds.file_meta
    ds.preamble = None
    ds.save_as(tmp_path / "case" / "raw_plan.dcm", implicit_vr=True, little_endian=True)  # bare data set
    assert (tmp_path / "case" / "raw_plan.dcm").read_bytes()[:2] == b"\x08\x00"  # group 0008 first
    case = load(tmp_path / "case")
    assert not case.report.errors, case.report.issues
    patient = case.patients[0]
    assert len(patient.doses) == 1 and patient.plans[0].label == "PLAN"


def test_dicomdir_is_ignored_and_its_files_are_read(tmp_path):
    parts = b.small_case(tmp_path / "src")
    fileset = FileSet()
    for k, ds in enumerate([*parts["ct"], parts["rtstruct"], parts["rtplan"], parts["rtdose"]]):
        ds.StudyDate, ds.StudyTime, ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = "20240102", "1200", "1", 1, k + 1
        fileset.add(ds)
    fileset.write(tmp_path / "media")
    assert (tmp_path / "media" / "DICOMDIR").is_file()
    case = load(tmp_path / "media")
    assert _issues(case, "ignored")["DICOMDIR"] == ("Media Storage Directory Storage is not reviewed (not CT, RT "
                                                    "Structure Set, RT Plan or RT Dose); ignored")
    assert not case.report.errors and len(case.links) == 1 and case.links[0].ct.hu.shape == (5, 8, 8)


def test_three_thousand_files_scan_fast(tmp_path):
    """3000 tiny files (2500 non-DICOM beside an export, 500 DICOM): scan and load timed and bounded."""
    b.small_case(tmp_path / "case")
    folder = tmp_path / "case" / "many"
    folder.mkdir()
    template = (tmp_path / "case" / "ct" / "ct0.dcm").read_bytes()
    for k in range(2500):
        (folder / f"note{k:04d}.txt").write_bytes(b"x" * 64)
    for k in range(492):  # copies of one slice: same SOP instance, same position -> duplicates
        (folder / f"copy{k:04d}.dcm").write_bytes(template)
    start = time.perf_counter()
    result = scan([tmp_path / "case"])
    seconds = time.perf_counter() - start
    assert len(result.entries) == 500 and len(result.report.ignored) == 2500
    assert seconds < 20.0, f"scanning 3000 files took {seconds:.1f} s"
    start = time.perf_counter()
    case = load(tmp_path / "case")
    load_seconds = time.perf_counter() - start
    assert case.links[0].ct.hu.shape == (5, 8, 8)
    assert load_seconds < 40.0, f"loading 3000 files took {load_seconds:.1f} s"
    print(f"3000 files: scan {seconds:.2f} s, load {load_seconds:.2f} s")


def test_zip_with_nested_folders_two_patients_and_a_zip_inside(tmp_path):
    b.small_case(tmp_path / "a", patient_id="A1", patient_name="Alpha^Ann")
    b.small_case(tmp_path / "b", patient_id="B2", patient_name="Beta^Bob")
    archive = tmp_path / "drop.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for root in ("a", "b"):
            for path in sorted((tmp_path / root).rglob("*.dcm")):
                zf.write(path, f"export/{root}/deep/er/{path.relative_to(tmp_path / root).as_posix()}")
        zf.writestr("export/inner.zip", b"PK\x05\x06" + b"\x00" * 18)
    case = load(archive)
    assert [p.patient_id for p in case.patients] == ["A1", "B2"]
    assert all(len(p.links) == 1 and p.links[0].ct is not None for p in case.patients)
    assert "zip archive inside a zip archive; not opened" in _issues(case, "ignored")["inner.zip"]


def test_symlink_loops_and_dangling_links(tmp_path):
    b.small_case(tmp_path / "data")
    os.symlink(tmp_path / "data", tmp_path / "data" / "ct" / "up")  # directory loop
    os.symlink(tmp_path / "x1", tmp_path / "data" / "x2")  # file link loop: x2 -> x1 -> x2
    os.symlink(tmp_path / "data" / "x2", tmp_path / "x1")
    os.symlink(tmp_path / "nowhere.dcm", tmp_path / "data" / "dangling.dcm")
    case = load(tmp_path)
    assert len(case.links) == 1 and len(case.links[0].ct.paths) == 5
    ignored = _issues(case, "ignored")
    assert "already scanned" in ignored["up"]
    assert ignored["dangling.dcm"] == "broken symbolic link; skipped" and "broken symbolic link" in ignored["x2"]


def test_unreadable_folder_and_file(tmp_path, monkeypatch):
    """We run as root (chmod 000 does not stop root): permission errors are injected."""
    b.small_case(tmp_path)
    locked_dir, locked_file = str(tmp_path / "ct"), str(tmp_path / "rtstruct.dcm")
    real_listdir, real_open = os.listdir, builtins.open

    def listdir(path="."):
        if os.fspath(path) == locked_dir:
            raise PermissionError(13, "Permission denied", locked_dir)
        return real_listdir(path)

    def guarded_open(file, mode="r", *args, **kwargs):
        if os.fspath(file) == locked_file:
            raise PermissionError(13, "Permission denied", locked_file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(builtins, "open", guarded_open)
    case = load(tmp_path)
    errors = _issues(case, "error")
    assert errors == {"ct": "cannot list the folder (Permission denied)",
                      "rtstruct.dcm": "cannot read the file: permission denied"}
    link = case.links[0]
    assert link.plan is not None and link.structure_set is None and link.ct is None


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_ct_slice_and_structure_set(tmp_path, cut):
    parts = b.small_case(tmp_path)
    for name in ("ct/ct2.dcm", "rtstruct.dcm"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(data[:int(len(data) * cut)])
    case = load(tmp_path)
    assert _issues(case)["rtstruct.dcm"].startswith("truncated")
    ct = case.links[0].ct
    assert ct.hu.shape == (4, 8, 8)
    assert any("ct2.dcm" in f"{i.path} {i.message}" and "truncated" in i.message for i in case.report.issues)
    assert parts  # the rest of the case still loads
