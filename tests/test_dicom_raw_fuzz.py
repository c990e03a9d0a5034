"""Damaged files load the same with the raw reader as with pydicom (differential fuzzing).

Seeded mutations (tests/fuzz_mutate.py: byte flips, truncation, splices, removed elements, wrong
VR, wrong VM, absurd values) of one file of each kind from the sample; each mutated file is loaded
with the raw reader on and off (``raw.ENABLED``): the load report and the whole Case must be
identical. The raw reader either reads a file exactly as pydicom does or leaves it to pydicom.
Longer runs: ``RTREVIEW_RAW_FUZZ_CASES=2000``.
"""
from __future__ import annotations

import os
import random
import warnings

import pytest

from fuzz_mutate import mutate
from rtreview.core.dicom import raw
from rtreview.core.dicom.loader import load
from tests.reference_data import REPO
from tests.test_dicom_raw_loader import _differences

SEEDS = ["RS_L_ILIUM_CT2.dcm", "RP_LIVER.dcm", "RD_L_ILIUM.dcm", "CT_050.dcm", "REG_CT2_TO_CT1.dcm"]
CASES = int(os.environ.get("RTREVIEW_RAW_FUZZ_CASES", "120"))


def _load_both(path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = load(str(path))
        monkeypatch.setattr(raw, "ENABLED", False)
        slow = load(str(path))
        monkeypatch.setattr(raw, "ENABLED", True)
    return fast, slow


def test_mutated_files_load_the_same_with_pydicom(tmp_path, monkeypatch):
    rng = random.Random(18)
    seeds = {name: (REPO / "sample_dicom" / name).read_bytes() for name in SEEDS}
    read_raw = 0
    for case in range(CASES):
        name = SEEDS[case % len(SEEDS)]
        data, what = mutate(seeds[name], rng)
        path = tmp_path / f"{case}_{name}"
        path.write_bytes(data)
        fast, slow = _load_both(path, monkeypatch)
        fast_report = [(i.path, i.message, i.severity) for i in fast.report.issues]
        slow_report = [(i.path, i.message, i.severity) for i in slow.report.issues]
        assert fast_report == slow_report, f"case {case} {name}: {what}"
        assert _differences(fast, slow) == [], f"case {case} {name}: {what}"
        try:
            with open(path, "rb") as stream:
                raw.read_raw(stream)
            read_raw += 1
        except raw.Unsupported:
            pass
        path.unlink()
    assert read_raw > CASES // 4  # the raw reader read many of the damaged files itself


@pytest.mark.parametrize("name", SEEDS)
def test_the_seeds_load_the_same(name, monkeypatch):
    fast, slow = _load_both(REPO / "sample_dicom" / name, monkeypatch)
    assert fast.patients and _differences(fast, slow) == []
