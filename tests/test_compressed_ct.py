"""Compressed CT (JPEG Baseline / Extended / Lossless, JPEG-LS, JPEG 2000) read with the permissively
licensed decoders of the ``codecs`` extra (rtreview.core.dicom.codecs).

Each series is the real CT slice of the dicompyler-core example written at three positions
(pixels shifted per slice), compressed here: JPEG-LS and JPEG 2000 by pydicom's encoders (pyjpegls,
pylibjpeg-openjpeg), JPEG Lossless and Extended by GDCM, JPEG Baseline by Pillow. The HU read
back equal the uncompressed series' exactly (lossless) or within the codec's error (lossy).
"""
from __future__ import annotations

import importlib.metadata as md
import io
import re
import tomllib

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate
from pydicom.uid import (JPEG2000, ExplicitVRLittleEndian, JPEG2000Lossless, JPEGBaseline8Bit, JPEGExtended12Bit,
                         JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless, generate_uid)

from conftest import REFERENCE_DICOM, REPO
from rtreview.core.dicom import codecs
from rtreview.core.dicom.loader import load

SOURCE = REFERENCE_DICOM / "dicompyler-core-example" / "ct.0.dcm"
Z_MM = (0.0, 3.0, 6.0)


def _series(folder, transform=None) -> list[pydicom.Dataset]:
    """The real slice at Z_MM, as 12-bit unsigned CT (HU + 1024, the common CT storage), uncompressed."""
    series, out = generate_uid(), []
    hu = pydicom.dcmread(SOURCE).pixel_array.astype(np.int32)  # intercept 0: stored = HU
    for k, z in enumerate(Z_MM):
        ds = pydicom.dcmread(SOURCE)
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SeriesInstanceUID = series
        ds.ImagePositionPatient = [float(ds.ImagePositionPatient[0]), float(ds.ImagePositionPatient[1]), z]
        ds.InstanceNumber = k + 1
        stored = np.clip(hu + 1024 + 40 * k, 0, 4095).astype(np.uint16)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        ds.PixelData = stored.tobytes()
        if transform is not None:
            transform(ds)
        ds.save_as(folder / f"ct{k}.dcm", enforce_file_format=True)
        out.append(ds)
    return out


def _gdcm(syntax_name: str):
    def transform(ds):
        import gdcm
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        path = f"/tmp/rtreview-gdcm-{generate_uid()}.dcm"
        with open(path, "wb") as f:
            f.write(buffer.getvalue())
        reader = gdcm.ImageReader()
        reader.SetFileName(path)
        assert reader.Read()
        change = gdcm.ImageChangeTransferSyntax()
        change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax_name)))
        change.SetInput(reader.GetImage())
        assert change.Change()
        writer = gdcm.ImageWriter()
        writer.SetFileName(path)
        writer.SetFile(reader.GetFile())
        writer.SetImage(change.GetOutput())
        assert writer.Write()
        done = pydicom.dcmread(path)
        ds.file_meta.TransferSyntaxUID = done.file_meta.TransferSyntaxUID
        ds.PixelData = done.PixelData
        ds["PixelData"].VR = "OB"
        if "LossyImageCompression" in done:
            ds.LossyImageCompression = done.LossyImageCompression
        import os
        os.unlink(path)
    return transform


def _pydicom(syntax, **kwargs):
    return lambda ds: ds.compress(syntax, **kwargs)


def _baseline(ds):
    """JPEG Baseline is 8-bit: stored = (HU + 1024) / 16, slope 16 (a lossy 8-bit CT), by Pillow."""
    from PIL import Image
    stored = np.frombuffer(ds.PixelData, np.uint16).reshape(ds.Rows, ds.Columns)
    eight = np.clip(np.round(stored / 16.0), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(eight, mode="L").save(buffer, format="JPEG", quality=95)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.RescaleSlope, ds.RescaleIntercept = 16, -1024
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.LossyImageCompression = "01"


CASES = [  # (id, transform, transfer syntax, max |HU error|, mean |HU error|)
    ("jpeg-ls lossless", _pydicom(JPEGLSLossless), JPEGLSLossless, 0, 0),
    ("jpeg-ls near-lossless", _pydicom(JPEGLSNearLossless, jls_error=3), JPEGLSNearLossless, 3, 2),
    ("jpeg 2000 lossless", _pydicom(JPEG2000Lossless), JPEG2000Lossless, 0, 0),
    ("jpeg 2000 lossy 1:20", _pydicom(JPEG2000, j2k_cr=[20]), JPEG2000, 120, 8),
    ("jpeg lossless sv1", _gdcm("JPEGLosslessProcess14_1"), JPEGLosslessSV1, 0, 0),
    ("jpeg extended 12-bit", _gdcm("JPEGExtendedProcess2_4"), JPEGExtended12Bit, 60, 4),
    ("jpeg baseline 8-bit", _baseline, JPEGBaseline8Bit, 16 * 12, 16),
]


@pytest.mark.parametrize("transform, syntax, max_err, mean_err", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compressed_ct_reads_back(tmp_path, transform, syntax, max_err, mean_err):
    (tmp_path / "plain").mkdir()
    (tmp_path / "packed").mkdir()
    _series(tmp_path / "plain")
    _series(tmp_path / "packed", transform)
    assert pydicom.dcmread(tmp_path / "packed" / "ct0.dcm").file_meta.TransferSyntaxUID == syntax
    plain, packed = load(tmp_path / "plain"), load(tmp_path / "packed")
    assert not packed.report.errors, packed.report.issues
    a, b = plain.patients[0].cts[0].hu.astype(np.int32), packed.patients[0].cts[0].hu.astype(np.int32)
    assert a.shape == b.shape == (3, 512, 512)
    if syntax is JPEGBaseline8Bit:  # the 8-bit image itself loses 4 bits: compare with what it holds
        a = np.round((a + 1024) / 16.0).clip(0, 255) * 16 - 1024
    error = np.abs(a - b)
    assert error.max() <= max_err and error.mean() <= mean_err
    if max_err == 0:
        np.testing.assert_array_equal(a, b)
    assert np.array_equal(b[1] - b[0] > 0, a[1] - a[0] > 0) or max_err > 0  # the slices stay apart


def test_missing_decoder_is_named_in_the_load_report(tmp_path, monkeypatch):
    """Without the codecs extra (simulated: no plugin available), the load report names the file,
    the transfer syntax and what to install."""
    _series(tmp_path, _pydicom(JPEGLSLossless))
    from pydicom.pixels import get_decoder
    decoder = get_decoder(JPEGLSLossless)
    monkeypatch.setattr(decoder, "_available", {})
    case = load(tmp_path)
    errors = [i for i in case.report.errors]
    assert errors and not case.patients
    message = errors[0].message
    assert errors[0].path.endswith(".dcm")
    assert f"compressed as {JPEGLSLossless.name} ({JPEGLSLossless})" in message
    assert "pip install 'rtreview[codecs]'" in message and "uncompressed" in message


def test_damaged_compressed_data_is_a_clear_error(tmp_path):
    ds = _series(tmp_path, _pydicom(JPEG2000Lossless))[0]
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51 not a codestream"])
    ds.save_as(tmp_path / "ct0.dcm", enforce_file_format=True)
    case = load(tmp_path)
    warnings = [i.message for i in case.report.warnings]
    assert any("ct0.dcm" in w and "cannot decode the CT pixel data" in w for w in warnings), warnings
    assert case.patients[0].cts[0].hu.shape == (2, 512, 512)  # the other two slices are read


def test_codecs_extra_is_installed_by_run_and_test_and_permissive():
    """The extra lists only permissively licensed decoders (never the GPL pylibjpeg-libjpeg), the
    test extra has them too, and tools/bootstrap.sh installs the extra for ./run.sh."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extra = project["optional-dependencies"]["codecs"]
    names = {re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower() for r in extra}
    assert names == {"pillow", "python-gdcm", "pyjpegls", "pylibjpeg", "pylibjpeg-openjpeg"}
    test_names = {re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower() for r in project["optional-dependencies"]["test"]}
    assert names <= test_names and "pylibjpeg-libjpeg" not in names | test_names
    bootstrap = (REPO / "tools" / "bootstrap.sh").read_text()
    assert "[codecs]" in bootstrap
    for name in names:
        meta = md.metadata(name)
        licence = " ".join([meta.get("License") or "", meta.get("License-Expression") or "",
                            *[c for c in meta.get_all("Classifier") or [] if "License" in c]])
        assert licence.strip() and "GPL" not in licence.upper().replace("LGPL", ""), (name, licence)
    assert codecs.HAVE_GDCM
