"""Loading with the raw reader gives exactly what loading with pydicom gives.

``raw.ENABLED = False`` (what ``RTREVIEW_DICOM_READER=pydicom`` sets) reads every file with
pydicom, as before the raw reader existed. For the sample case and every vendored reference set
(folder and zip): the whole loaded Case (every dataclass field, every array bit for bit, the
load report) and the ``rtreview dvh`` JSON are the same both ways.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from rtreview.cli.main import main
from rtreview.core.dicom import raw
from rtreview.core.dicom.loader import load
from tests.reference_data import REPO, VENDORED, unpacked_reference_dicom

SAMPLE = str(REPO / "sample_dicom")
SETS = sorted(p.stem for p in VENDORED.glob("*.zip"))


def _differences(a, b, where: str = "case", seen: set | None = None) -> list[str]:
    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen:
        return []
    seen.add((id(a), id(b)))
    if type(a) is not type(b):
        return [f"{where}: {type(a).__name__} != {type(b).__name__}"]
    if isinstance(a, np.ndarray):
        same = a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        return [] if same else [f"{where}: arrays differ"]
    if dataclasses.is_dataclass(a):
        out = []
        for f in dataclasses.fields(a):
            out += _differences(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}", seen)
        return out
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} != {list(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}[{k!r}]", seen)]
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{where}[{i}]", seen)]
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return []
    if hasattr(a, "__dict__") and not isinstance(a, (str, int, float)):
        return _differences(vars(a), vars(b), where, seen)
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _inputs() -> list[str]:
    unpacked = unpacked_reference_dicom()
    return [SAMPLE] + [str(unpacked / name) for name in SETS] + [str(VENDORED / f"{name}.zip") for name in SETS]


@pytest.fixture
def pydicom_only(monkeypatch):
    monkeypatch.setattr(raw, "ENABLED", False)


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: os.path.basename(p))
def test_load_is_the_same_with_pydicom(path, monkeypatch):
    fast = load(path)
    monkeypatch.setattr(raw, "ENABLED", False)
    slow = load(path)
    assert [str(i) + i.severity for i in fast.report.issues] == [str(i) + i.severity for i in slow.report.issues]
    assert fast.patients and _differences(fast, slow) == []


@pytest.mark.parametrize("path", _inputs()[:1 + len(SETS)], ids=lambda p: os.path.basename(p))
def test_dvh_json_is_the_same_with_pydicom(path, capsys, monkeypatch):
    status = main(["dvh", path])
    fast = capsys.readouterr()
    monkeypatch.setattr(raw, "ENABLED", False)
    assert main(["dvh", path]) == status
    slow = capsys.readouterr()
    assert json.loads(fast.out)["doses"] and (fast.out, fast.err) == (slow.out, slow.err)
    # pydicom-testdata has doses but no structure set: exit 1 ("no DVH computed"), both ways
    assert status == (1 if path.endswith("pydicom-testdata") else 0)
    if status == 0:
        assert any(d["structures"] for d in json.loads(fast.out)["doses"])


def test_the_comparison_sees_a_changed_voxel():
    case = load(SAMPLE)
    other = load(SAMPLE)
    dose = other.patients[0].doses[0].dose_gy
    dose.flat[dose.size // 2] = np.nextafter(dose.flat[dose.size // 2], np.float32(np.inf))
    assert len(_differences(case, other)) >= 1


def test_environment_switch_turns_the_raw_reader_off():
    code = "from rtreview.core.dicom import raw; print(raw.ENABLED)"
    for value, expected in (("pydicom", "False"), ("", "True")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "RTREVIEW_DICOM_READER": value}, check=True)
        assert out.stdout.strip() == expected
