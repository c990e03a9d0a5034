"""Structures computed on several threads give the very same DVHs as one after the other (every
curve, sample and statistic bit for bit), in the same order, with the same progress, skipped
ROIs, cancellation and errors."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import REFERENCE_DICOM, SAMPLE_DICOM
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import DvhCancelled, compute_dvhs, iter_dvhs
from rtreview.core.dvh.compute import dvh_threads

ARRAYS = ("dose_gy", "cumulative_cc", "differential_cc", "sample_dose_gy", "sample_volume_cc")
SCALARS = ("roi_number", "name", "volume_cc", "covered_volume_cc", "min_gy", "mean_gy", "max_gy", "bin_width_gy",
           "notes", "prescription_gy")


def _assert_identical(a, b):
    assert list(a) == list(b) and a.skipped == b.skipped
    assert repr(a.points) == repr(b.points)  # POINT ROIs' doses (filed in order, on the caller's thread)
    for number in a:
        x, y = a[number], b[number]
        for key in ARRAYS:
            u, v = getattr(x, key), getattr(y, key)
            assert u.dtype == v.dtype and np.array_equal(u.view(np.uint8), v.view(np.uint8)), (number, key)
        for key in SCALARS:
            assert repr(getattr(x, key)) == repr(getattr(y, key)), (number, key)


@pytest.mark.parametrize("where", ["sample", "dicompyler-core-example", "pinnacle-hn-anon99185",
                                   "raystation-brain-srs"])  # (the last two with POINT ROIs)
def test_threaded_equals_serial_bit_for_bit(where):
    path = SAMPLE_DICOM if where == "sample" else REFERENCE_DICOM / where
    for link in load(str(path)).links:
        rx = link.plan.prescription_gy if link.plan is not None else None
        serial = compute_dvhs(link.structure_set, link.dose, prescription_gy=rx, threads=1)
        assert len(serial) >= 9 and (where in ("sample", "dicompyler-core-example") or serial.points)
        for threads in (2, 3):
            _assert_identical(serial, compute_dvhs(link.structure_set, link.dose, prescription_gy=rx,
                                                   threads=threads))


def test_threads_keep_order_progress_skipped_and_cancel():
    link = load(str(SAMPLE_DICOM)).links[1]
    names = []
    results = compute_dvhs(link.structure_set, link.dose, threads=2,
                           progress=lambda done, total, name: names.append(name))
    assert names == [r.name for r in link.structure_set.rois] and list(results) == [
        r.number for r in link.structure_set.rois if not r.is_empty]
    polls = []
    with pytest.raises(DvhCancelled):
        for _ in iter_dvhs(link.structure_set, link.dose, threads=2,
                           cancel=lambda: polls.append(1) or len(polls) > 3):
            pass
    assert len(polls) == 4  # polled once per structure, as without threads


def test_a_failing_structure_raises_in_order(monkeypatch):
    import rtreview.core.dvh.compute as compute

    link = load(str(SAMPLE_DICOM)).links[0]
    bad = link.structure_set.rois[2].number
    real = compute._compute_dvh

    def flaky(roi, *args):
        if roi.number == bad:
            raise RuntimeError("broken structure")
        return real(roi, *args)

    monkeypatch.setattr(compute, "_compute_dvh", flaky)
    seen = []
    with pytest.raises(RuntimeError, match="broken structure"):
        for index, _total, roi, _dvh in iter_dvhs(link.structure_set, link.dose, threads=2):
            seen.append(index)
    assert seen == [0, 1]


def test_thread_count_setting(monkeypatch):
    monkeypatch.setenv("RTREVIEW_DVH_THREADS", "1")
    assert dvh_threads() == 1
    monkeypatch.setenv("RTREVIEW_DVH_THREADS", "3")
    assert dvh_threads() == 3
    monkeypatch.setenv("RTREVIEW_DVH_THREADS", "many")
    assert dvh_threads() == 1  # the default: threads measured no faster (bench/README.md)
    monkeypatch.delenv("RTREVIEW_DVH_THREADS")
    assert dvh_threads() == 1
