"""Bounded fuzz run (CI): mutated sample, reference and synthetic files never crash, hang or
raise; every outcome is a result or a LoadReport error. Long runs: bench/fuzz_long.py."""
import time

import pytest

import fuzz_harness as fh
from conftest import REFERENCE_DICOM, SAMPLE_DICOM

CASES = 250
SEED = 20261126


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz_seeds")
    seeds, weights = fh.default_seeds(SAMPLE_DICOM, REFERENCE_DICOM, folder / "syn")
    return seeds, weights, fh.default_context(folder / "syn")


def test_mutations_are_reproducible():
    import random
    data = bytes(range(256)) * 8
    first = [fh.mutate(data, random.Random(f"1:{k}")) for k in range(20)]
    assert first == [fh.mutate(data, random.Random(f"1:{k}")) for k in range(20)]


def test_bounded_fuzz_run(corpus, tmp_path):
    seeds, weights, context = corpus
    start = time.monotonic()
    run = fh.fuzz(seeds, context, CASES, SEED, weights=weights, timeout_s=20.0, workdir=str(tmp_path))
    seconds = time.monotonic() - start
    counts = run.counts()
    print(f"fuzz: {CASES} cases, seed {SEED}, {len(seeds)} seed files, {seconds:.1f} s: {counts}")
    assert not run.bad, "\n".join(f"case {o.case} ({o.seed}, {o.mutation}): {o.outcome}: {o.detail[-600:]}"
                                  for o in run.bad)
    assert counts.get("ok", 0) > 0 and counts.get("reported", 0) > 0
    assert seconds < 90, f"bounded fuzz run took {seconds:.0f} s"


def test_harness_classifies_a_crash_and_a_hang(tmp_path, monkeypatch):
    """The harness itself: a child killed by a signal is a crash, a stuck child a timeout."""
    import os
    import signal
    path = tmp_path / "x.dcm"
    path.write_bytes(b"")
    monkeypatch.setattr(fh, "check_case", lambda p, c: os.kill(os.getpid(), signal.SIGSEGV))
    assert fh.run_forked(path, {}, 5.0, 1 << 30)[0] == "crash"
    monkeypatch.setattr(fh, "check_case", lambda p, c: time.sleep(30))
    assert fh.run_forked(path, {}, 0.5, 1 << 30) == ("timeout", "no result within 0.5 s")
