"""Contour data parsed from the raw DS bytes with numpy (core/dicom/ds_values.parse_ds, used by
rtstruct._contour_values_of for all contours of a ROI at once) gives exactly the floats of the
text path (``float()`` of each value; ``rtstruct._contour_values``): on every real planning-system
RT Structure Set we have, on the sample, and on generated values of every plain form; anything
that is not plain decimals is refused (None), so the text path handles it."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest

from conftest import REFERENCE_DICOM, SAMPLE_DICOM
from reference_data import NELMS
from rtreview.core.dicom import rtstruct
from rtreview.core.dicom.ds_values import parse_ds
from rtreview.core.dicom.source import read_dataset


def _bitwise_equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == b.dtype == np.float64 and a.shape == b.shape and \
        np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _structure_sets():
    files = sorted(REFERENCE_DICOM.glob("*/rtss.dcm")) + sorted(REFERENCE_DICOM.glob("*/RS*.dcm")) \
        + sorted(REFERENCE_DICOM.glob("*/rtstruct.dcm")) + sorted(SAMPLE_DICOM.glob("RS*.dcm"))
    files += sorted((NELMS / "structures").glob("*.dcm"))[:6]
    return files


@pytest.mark.parametrize("path", _structure_sets(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_batch_parse_equals_the_text_path_on_real_files(path):
    contours = contours_of(read_dataset(str(path))[0])
    assert contours
    raws = [bytes(c.get_item("ContourData").value) for c in contours if "ContourData" in c]
    assert parse_ds(b"\\".join(r.strip(b" \x00") for r in raws)) is not None  # the numpy path is taken
    expected = [rtstruct._contour_values(c) for c in contours_of(read_dataset(str(path))[0])]  # its own copy
    got = rtstruct._contour_values_of(contours)
    assert len(got) == len(expected)
    assert all(_bitwise_equal(e, g) for e, g in zip(expected, got))


def contours_of(ds):
    return [c for item in ds.get("ROIContourSequence", []) for c in (item.get("ContourSequence", None) or [])]


def _text_floats(raw: bytes) -> list[float]:
    text = raw.decode("ascii").strip(" \x00")
    return [float(v) for v in text.split("\\")] if text else []


def test_generated_values_equal_float_of_the_text():
    rng = random.Random(20261204)
    fixed = ["-0.0", "0", "+1.5", ".5", "-.5", "5.", "0.000", "-0", "00012.50", "123456789012345",
             "-12345678901234", "99999999999999.9", "-177.00", "151.22"]
    refused = 0
    for _ in range(3000):
        values = []
        for _ in range(rng.randint(1, 40)):
            x = rng.uniform(-1, 1) * 10 ** rng.randint(-7, 7)
            form = rng.random()
            if form < 0.5:
                values.append(f"{x:.{rng.randint(0, 6)}f}")
            elif form < 0.7:
                values.append(repr(x))
            elif form < 0.8:
                values.append(f"{x:.{rng.randint(0, 9)}{rng.choice('gGeE')}}")
            else:
                values.append(rng.choice(fixed))
        raw = "\\".join(values).encode() + rng.choice([b"", b" ", b"\x00"])
        got = parse_ds(raw)
        if got is None:
            refused += 1
            continue
        expected = np.array(_text_floats(raw))
        assert _bitwise_equal(expected, got), raw
    assert refused == 0  # every generated value is a decimal number


@pytest.mark.parametrize("raw", [b"1.2.3", b"--1", b"+-1", b"1-2", b"e5", b"1e", b"1e+", b"1e5.0", b"1.2e3e4",
                                 b"1e-+5", b".", b"-", b"+", b".e1", b"1\\\\2", b"\\1", b"1\\", b"1 2",
                                 b"1\\ 2", b"nan", b"inf", b"1_0", b"\xff1", b"0x10"])
def test_anything_but_decimal_numbers_is_refused(raw):
    assert parse_ds(raw) is None


def test_exponents_and_long_mantissas_are_float_of_the_text():
    raw = (b"6.2e-1\\-3.0e-2\\4.22503146E-016\\-1.8369702E-018\\1e5\\1E+05\\-2.5E3\\12345678901234567\\"
           b"1234567890123456\\0.12345678901234567890\\-177.00")
    assert _bitwise_equal(np.array(_text_floats(raw)), parse_ds(raw))


def test_empty_and_padded_elements():
    assert parse_ds(b"").size == 0 and parse_ds(b"  \x00").size == 0
    got = parse_ds(b" -0.00\\12.5\\-3 \x00")
    assert got.tolist() == [-0.0, 12.5, -3.0] and math.copysign(1.0, got[0]) == -1.0


def test_a_roi_with_odd_bytes_falls_back_to_the_text_path(tmp_path):
    from pydicom.dataset import Dataset
    from pydicom.dataelem import RawDataElement
    from pydicom.tag import Tag

    def contour(raw: bytes) -> Dataset:
        ds = Dataset()
        ds._dict[Tag(0x3006, 0x0050)] = RawDataElement(Tag(0x3006, 0x0050), "DS", len(raw), raw, 0, False, True)
        return ds

    plain, odd = contour(b"1.5\\2\\3 "), contour(b"1.0E1\\ 2\\3")  # an exponent and a space inside
    got = rtstruct._contour_values_of([plain, odd])
    assert got[0].tolist() == [1.5, 2.0, 3.0] and got[1].tolist() == [10.0, 2.0, 3.0]
