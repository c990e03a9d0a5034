"""The raw DICOM reader (rtreview.core.dicom.raw) against pydicom, on every real file we have.

For each DICOM file of sample_dicom/, of the vendored reference sets (Pinnacle, RayStation,
dicompyler-core, pydicom test data) and of the Nelms benchmark when present: every keyword the
readers use (raw.keywords) has the same presence and value (``==``, ``str``, ``repr``) in the
raw data set as in pydicom's, inside sequences too; the header read stops at the same offset;
the pixel arrays are equal. Files the raw reader leaves to pydicom are listed and must be the
ones expected (no preamble in the pydicom test data).
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.pixels import pixel_array as pydicom_pixels

from rtreview.core.dicom import raw
from rtreview.core.dicom.errors import DicomReadError
from rtreview.core.dicom.pixel_element import OFFSET_ATTRIBUTE
from rtreview.core.dicom.raw.keywords import KEYWORDS
from rtreview.core.dicom.source import read_stream
from tests.reference_data import NELMS, REPO, unpacked_reference_dicom


def _dicom_files() -> list[Path]:
    folders = [REPO / "sample_dicom", unpacked_reference_dicom()]
    if NELMS.is_dir():
        folders.append(NELMS)
    files = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" in path.parts:  # sample_dicom is a package: its bytecode, once imported
                continue
            if path.is_file() and path.suffix.lower() not in (".md", ".txt", ".json", ".zip", ".csv", ".py", ".pyc"):
                files.append(path)
    return files


FILES = _dicom_files()
# Read by pydicom on purpose (pydicom-testdata): a data set written without preamble and File Meta,
# Explicit VR Big Endian, RLE-compressed pixel data (a full read).
EXPECTED_PYDICOM = {"rtstruct.dcm", "rtdose_expb.dcm", "rtdose_rle.dcm"}


def test_keyword_table_is_ps36_as_in_pydicom():
    for keyword, (tag, vr) in KEYWORDS.items():
        assert tag_for_keyword(keyword) == tag, keyword
        assert dictionary_VR(tag) == vr, keyword


def test_every_file_is_read_raw_unless_expected():
    assert len(FILES) > 190
    left: set[str] = set()
    for path in FILES:
        data = path.read_bytes()
        try:
            raw.read_raw(io.BytesIO(data))
        except raw.Unsupported:
            left.add(path.name)
    assert left == EXPECTED_PYDICOM, sorted(left)


def _same(ours, theirs, where: str) -> None:
    if isinstance(theirs, list) or type(theirs).__name__ == "Sequence":  # pydicom Sequence
        assert isinstance(ours, list) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if hasattr(b, "dir"):
                _same_datasets(a, b, f"{where}[{i}]")
            else:
                assert a == b, f"{where}[{i}]"
        return
    if type(theirs).__name__ == "MultiValue":
        assert isinstance(ours, raw.dataset.MultiValue), where
        assert list(ours) == list(theirs), where
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"
    if theirs is None or isinstance(theirs, bytes):
        assert type(ours) is type(theirs), where
    else:
        assert str(ours) == str(theirs), where
        if type(theirs).__name__ not in ("PersonName", "UID"):
            assert repr(ours) == repr(theirs), where


def _same_datasets(ours: raw.RawDataset, theirs, where: str) -> int:
    compared = 0
    for keyword in KEYWORDS:
        assert (keyword in ours) == (keyword in theirs), f"{where}.{keyword} presence"
        if keyword not in theirs:
            continue
        compared += 1
        if keyword == "ContourData":  # rtstruct parses the raw bytes: the same as pydicom's raw element
            theirs_raw = theirs.get_item(keyword)
            assert ours.get_item(keyword).value == theirs_raw.value and ours.get_item(keyword).VR == "DS", where
            assert theirs_raw.VR in ("DS", None), where
        _same(ours.get(keyword), theirs.get(keyword), f"{where}.{keyword}")
    return compared


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_values_equal_pydicom(path):
    data = path.read_bytes()
    for header in (True, False):
        try:
            ours = raw.read_raw(io.BytesIO(data), stop_before_pixels=header)
        except raw.Unsupported:
            assert path.name in EXPECTED_PYDICOM
            continue
        theirs = read_stream(io.BytesIO(data), str(path), stop_before_pixels=header)
        assert _same_datasets(ours, theirs, path.name) >= 5
        _same_datasets(ours.file_meta, theirs.file_meta, f"{path.name}.file_meta")
        assert ours.file_meta.get("TransferSyntaxUID").is_compressed == \
            theirs.file_meta.TransferSyntaxUID.is_compressed
        if header:
            assert ours.pixel_offset == getattr(theirs, OFFSET_ATTRIBUTE)
        elif "PixelData" in theirs and ours.get("SOPClassUID") in raw.PIXEL_CLASSES:
            ours_pixels, theirs_pixels = raw.pixel_array(ours), pydicom_pixels(theirs)
            assert ours_pixels.dtype == theirs_pixels.dtype and ours_pixels.shape == theirs_pixels.shape
            assert np.array_equal(ours_pixels, theirs_pixels)


def test_fast_read_stream_falls_back_to_pydicom_for_bad_files(tmp_path):
    """Truncated: the raw reader refuses, pydicom's path gives its usual message."""
    source = next((REPO / "sample_dicom").glob("RD*.dcm")).read_bytes()
    with pytest.raises(raw.Unsupported):
        raw.read_raw(io.BytesIO(source[:-100]))
    with pytest.raises(DicomReadError, match="truncated"):
        read_stream(io.BytesIO(source[:-100]), "cut.dcm", fast=True)
    theirs = read_stream(io.BytesIO(source[:-100]), "cut.dcm", stop_before_pixels=True, fast=True)
    assert isinstance(theirs, raw.RawDataset)  # the header is whole: read raw


def test_values_converted_as_pydicom_does():
    from rtreview.core.dicom.raw.values import Unsupported, convert

    assert convert("DS", b" 1.50\\-2e3 ", "latin_1") == [1.5, -2000.0]
    assert repr(convert("DS", b"1.50 ", "latin_1")) == "'1.50'"
    assert convert("IS", b"12 ", "latin_1") == 12
    assert convert("CS", b"A \\B ", "latin_1") == ["A ", "B"]
    assert convert("LO", b"caf\xc3\xa9 ", "utf_8") == "caf\u00e9"
    assert convert("UI", b"1.2.3\x00", "latin_1") == "1.2.3"
    assert convert("US", b"\x01\x00\x02\x00", "latin_1") == [1, 2]
    assert convert("DS", b"", "latin_1") is None and convert("LO", b"", "latin_1") == ""
    for vr, data in (("DS", b"nan"), ("DS", b"1_0"), ("IS", b"1.0"), ("US", b"\x01"), ("LO", b"\xff\xfe")):
        with pytest.raises(Unsupported):
            convert(vr, data, "utf_8")


def test_every_keyword_the_readers_name_is_in_the_table():
    """A keyword missing from raw.keywords would raise KeyError in a reader (reported as malformed
    data): every DICOM keyword written in the reading modules must be in the table."""
    import re

    from pydicom.datadict import keyword_dict

    folder = REPO / "app" / "core" / "dicom"
    modules = ["ct", "rtstruct", "rtplan", "rtplan_beams", "rtdose", "registration", "dvh_sequence", "loader",
               "scan", "source", "pixel_element"]
    named = set()
    for name in modules:
        named |= set(re.findall(r"[\"'.]([A-Z][A-Za-z0-9]+)\b", (folder / f"{name}.py").read_text()))
    used = {k for k in named if k in keyword_dict} - {"UID"}  # pydicom's uid.UID class in scan.py, not (0040,A124)
    assert len(used) > 80
    assert sorted(used - set(KEYWORDS)) == []
