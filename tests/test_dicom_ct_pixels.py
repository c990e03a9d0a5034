"""CT slices read from the scanned header plus their native Pixel Data element (pixel_element)
give the very same CT as reading each whole file again: HU arrays bit for bit, axes, warnings;
files that do not fit (compressed, big endian, damaged, truncated, without preamble, in a zip)
are read whole as before, with the same outcome."""
from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian, RLELossless

import dicom_builders as b
from conftest import SAMPLE_DICOM
import rtreview.core.dicom.scan as scan_module
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.pixel_element import with_pixel_data


def _both(path):
    """(fast case, whole-file case, number of slices read the fast way)."""
    calls = []
    real = scan_module.with_pixel_data

    def counting(file_path, header):
        full = real(file_path, header)
        calls.append(full is not None)
        return full

    scan_module.with_pixel_data = counting
    try:
        fast = load(str(path))
    finally:
        scan_module.with_pixel_data = real
    scan_module.with_pixel_data = lambda file_path, header: None
    try:
        whole = load(str(path))
    finally:
        scan_module.with_pixel_data = real
    return fast, whole, sum(calls)


def _same_ct(fast, whole):
    assert [str(i) for i in fast.report.issues] == [str(i) for i in whole.report.issues]
    for a, b_ in zip(fast.patients, whole.patients):
        assert len(a.cts) == len(b_.cts)
        for x, y in zip(a.cts, b_.cts):
            assert x.hu.dtype == y.hu.dtype and np.array_equal(x.hu, y.hu)
            for axis in ("x_mm", "y_mm", "z_mm"):
                assert np.array_equal(getattr(x, axis), getattr(y, axis))
            assert x.warnings == y.warnings and x.paths == y.paths and x.series_instance_uid == y.series_instance_uid


def test_sample_ct_read_from_the_header_plus_pixel_element(tmp_path):
    fast, whole, used = _both(SAMPLE_DICOM)
    assert [len(ct.paths) for ct in fast.patients[0].cts] in ([117, 67], [67, 117])  # the two-CT sample
    assert used == 117 + 67  # every slice of both CTs took the short way
    _same_ct(fast, whole)


@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, ExplicitVRBigEndian, RLELossless])
def test_other_transfer_syntaxes(tmp_path, syntax):
    for k, ds in enumerate(b.ct_series([0.0, 2.0, 4.0], rows=6, cols=5)):
        if syntax == RLELossless:
            ds.compress(RLELossless)
        else:
            ds.file_meta.TransferSyntaxUID = syntax
        b.save(ds, tmp_path / f"ct{k}.dcm")
    fast, whole, used = _both(tmp_path)
    assert used == (3 if syntax == ImplicitVRLittleEndian else 0)
    assert fast.patients[0].cts[0].hu.shape == (3, 6, 5)
    _same_ct(fast, whole)


def test_damaged_and_truncated_slices_are_read_whole(tmp_path):
    parts = b.ct_series([0.0, 2.0, 4.0, 6.0])
    for k, ds in enumerate(parts):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    data = (tmp_path / "ct1.dcm").read_bytes()
    (tmp_path / "ct1.dcm").write_bytes(data[:-20])  # cut inside the pixel data
    data = bytearray((tmp_path / "ct2.dcm").read_bytes())
    at = data.rindex(b"\xe0\x7f\x10\x00")
    data[at + 8:at + 12] = (999).to_bytes(4, "little")  # a pixel data length the file does not have
    (tmp_path / "ct2.dcm").write_bytes(bytes(data))
    fast, whole, used = _both(tmp_path)
    assert used == 2
    assert any("ct1.dcm" in str(i) and "truncated" in str(i) for i in fast.report.issues)
    _same_ct(fast, whole)


def test_zip_members_and_the_header_is_not_changed(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    for name in sorted(SAMPLE_DICOM.glob("CT_*.dcm"))[:3]:
        shutil.copy(name, folder / name.name)
    with zipfile.ZipFile(tmp_path / "ct.zip", "w") as archive:
        for name in sorted(folder.iterdir()):
            archive.write(name, name.name)
    fast, whole, used = _both(tmp_path / "ct.zip")
    assert used == 0
    _same_ct(fast, whole)
    path = str(sorted(folder.iterdir())[0])
    from rtreview.core.dicom.source import read_dataset
    header = read_dataset(path, stop_before_pixels=True)[0]
    full = with_pixel_data(path, header)
    assert "PixelData" in full and "PixelData" not in header
    assert full["PixelData"].value == pydicom.dcmread(path).PixelData


@pytest.mark.parametrize("where", ["sample", "uneven"])
def test_headers_only_ct_links_and_geometry_as_with_pixels(tmp_path, where):
    """load(ct_pixels=False) (rtreview dvh): the same CT series, axes, order, warnings, links and
    notes as the full load; only the image is not read."""
    path = SAMPLE_DICOM
    if where == "uneven":
        path = tmp_path
        for k, ds in enumerate(b.ct_series([0.0, 2.0, 2.0, 6.0, 8.5], rows=6, cols=5)):
            b.save(ds, tmp_path / f"ct{k}.dcm")
    full, headers = load(str(path)), load(str(path), ct_pixels=False)
    assert [str(i) for i in full.report.issues] == [str(i) for i in headers.report.issues]
    for a, b_ in zip(full.patients, headers.patients):
        assert len(a.cts) == len(b_.cts) == (2 if where == "sample" else 1)  # the sample has two CTs
        for x, y in zip(a.cts, b_.cts):
            assert y.hu is None and x.hu is not None
            for axis in ("x_mm", "y_mm", "z_mm"):
                assert np.array_equal(getattr(x, axis), getattr(y, axis))
            assert (x.warnings, x.paths, x.series_instance_uid, x.frame_of_reference_uid) == \
                (y.warnings, y.paths, y.series_instance_uid, y.frame_of_reference_uid)
        assert [link.notes for link in a.links] == [link.notes for link in b_.links]
        assert [link.ct is not None for link in a.links] == [link.ct is not None for link in b_.links]
    if where == "uneven":
        assert any("duplicates" in w for w in y.warnings) and any("uneven" in w or "missing" in w for w in y.warnings)
