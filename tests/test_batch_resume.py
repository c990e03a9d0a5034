"""rtreview batch resumes: a run killed or failing after some patients keeps them, and the next run
computes only the rest, giving the same tables as an uninterrupted run; --recompute redoes all."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rtreview.core.cohort import store_sqlite
from rtreview.core.cohort.batch import run_batch
from cohort_support import REPO, cohorts, good_ids, reference, run_cli, tables


def _done_count(db) -> int:
    try:
        with sqlite3.connect(db, timeout=1.0) as conn:
            return conn.execute("SELECT COUNT(*) FROM patients WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or locked by the writer
        return 0


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The good cohort's root and the tables of the uninterrupted serial CLI run."""
    out, _ = reference(tmp_path_factory)
    return cohorts(tmp_path_factory)["good"], tables(Path(f"{out}.sqlite"))


def test_killed_run_resumes_to_the_same_tables(expected, tmp_path):
    root, want = expected
    db = tmp_path / "killed.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    proc = subprocess.Popen([sys.executable, "-m", "rtreview.cli.main", "batch", str(root), "--out", str(db),
                             "--workers", "1"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while _done_count(db) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no clean-up at all: only committed transactions survive
    proc.wait()
    kept = _done_count(db)
    assert 2 <= kept < len(good_ids()), "the run must be killed part-way"
    resumed = run_cli(root, "--out", db, "--workers", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(good_ids()) - kept} done, {kept} skipped" in resumed.stdout
    assert tables(db) == want


def test_exception_after_first_transaction_then_resume_and_recompute(expected, tmp_path, monkeypatch):
    """In-process runs with the process pool (its workers use one BLAS thread, like the CLI)."""
    root, want = expected
    db = tmp_path / "injected.sqlite"
    real_write = store_sqlite.SqliteStore.write_patient
    calls = []

    def failing_write(self, result, run_id):
        if calls:
            raise RuntimeError("injected failure after the first transaction")
        calls.append(result.patient_id)
        real_write(self, result, run_id)

    monkeypatch.setattr(store_sqlite.SqliteStore, "write_patient", failing_write)
    with pytest.raises(RuntimeError, match="injected"):
        run_batch(root, db, workers=2, tty=False)
    monkeypatch.setattr(store_sqlite.SqliteStore, "write_patient", real_write)
    assert _done_count(db) == 1
    summary = run_batch(root, db, workers=2, tty=False)
    assert summary.skipped == calls and len(summary.done) == len(good_ids()) - 1 and summary.ok
    assert tables(db) == want
    again = run_batch(root, db, workers=2, tty=False, recompute=True)
    assert sorted(again.done) == good_ids() and not again.skipped
    assert tables(db) == want
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT n_done, n_skipped, n_failed, finished_utc FROM runs ORDER BY run_id").fetchall()
    assert [r[:3] for r in runs[1:]] == [(len(good_ids()) - 1, 1, 0), (len(good_ids()), 0, 0)]
    assert all(r[3] for r in runs)
