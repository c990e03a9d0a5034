"""rtreview batch inputs: patients by Patient ID across folders and zips, broken patients and
inputs reported with reasons while the run goes on, exit codes, progress bar, usage errors."""
from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path

import pytest

from rtreview.core.cohort import discover
from rtreview.core.cohort.batch import run_batch
from rtreview.core.cohort.job import PatientResult
from rtreview.core.cohort.progress import BatchProgress
from rtreview.core.cohort.runners import SINGLE_THREAD_ENV
from cohort_support import cohorts, good_ids, reference, run_cli, tables


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    return cohorts(tmp_path_factory)


def test_patients_are_recognised_by_id_across_folders_and_zips(roots):
    found = discover(roots["mixed"])
    jobs = {j.patient_id: j for j in found.jobs}
    assert sorted(jobs) == good_ids()  # P0001 split in two inputs is one patient; 'both' holds two
    first, second, fourth = jobs[good_ids()[0]], jobs[good_ids()[1]], jobs[good_ids()[3]]
    assert first.inputs == ("P0001", "P0001-plans.zip")
    assert second.inputs == fourth.inputs == ("both",)
    assert not found.failed_inputs


def test_loose_files_in_root_and_root_as_a_zip(roots, tmp_path):
    flat = tmp_path / "flat"
    shutil.copytree(roots["good"] / "P0001", flat)
    (flat / "README.txt").write_text("export notes\n")
    found = discover(flat)
    assert [(j.patient_id, j.inputs) for j in found.jobs] == [(good_ids()[0], (".",))]
    assert not found.failed_inputs and found.ignored and found.ignored[0].startswith("README.txt")
    assert all(not p.split("/")[-1].startswith("CT_") for p in found.jobs[0].paths)  # CT images not loaded
    found = discover(roots["good"] / "P0003.zip")
    assert [(j.patient_id, j.inputs) for j in found.jobs] == [(good_ids()[2], ("P0003.zip",))]


def test_mixed_layout_gives_the_same_numbers(roots, tmp_path, tmp_path_factory):
    out, _ = reference(tmp_path_factory)
    assert run_batch(roots["mixed"], tmp_path / "mixed.sqlite", workers=2, tty=False).ok  # pool: 1 BLAS thread
    ta, tb = tables(Path(f"{out}.sqlite")), tables(tmp_path / "mixed.sqlite")
    for table in ("metrics", "constraints", "dvh_curves"):  # no file names in these
        assert ta[table] == tb[table], table


def test_broken_patients_are_reported_and_the_run_goes_on(roots, tmp_path):
    db = tmp_path / "broken.sqlite"
    proc = run_cli(roots["broken"], "--out", db, "--workers", "2")
    assert proc.returncode == 1, proc.stderr  # some failed
    out = proc.stdout
    assert f"{len(good_ids())} done, 0 skipped" in out and "3 failed" in out
    assert "failed patient BROKEN-TRUNCATED-DOSE: TRUNCATED/RD_L_ILIUM.dcm: truncated" in out
    assert "failed patient BROKEN-NO-STRUCTURES: NO_RS/RD_L_ILIUM.dcm: no RT Structure Set" in out
    assert "failed input notes.zip: no usable DICOM RT file: notes.zip/notes/readme.txt: not a DICOM file" in out
    assert "README.txt" not in out  # a loose note beside the patients is not a failure
    with sqlite3.connect(db) as conn:
        status = dict(conn.execute("SELECT patient_id, status FROM patients"))
        reasons = dict(conn.execute("SELECT patient_id, reason FROM patients"))
        input_issues = conn.execute("SELECT path FROM issues WHERE patient_id IS NULL").fetchall()
    assert [status[p] for p in good_ids()] == ["done"] * len(good_ids())
    assert status["BROKEN-TRUNCATED-DOSE"] == status["BROKEN-NO-STRUCTURES"] == "failed"
    assert "RP_L_ILIUM.dcm: RT Plan 'L ILIUM' has no RT Dose" in reasons["BROKEN-TRUNCATED-DOSE"]
    assert input_issues == [("notes.zip",)]
    # A second run retries only the failed patients (their files may have been fixed).
    again = run_cli(roots["broken"], "--out", db, "--workers", "1")
    assert again.returncode == 1 and f"0 done, {len(good_ids())} skipped" in again.stdout


def test_exit_status_zero_when_all_done_or_skipped_and_usage_errors(roots, tmp_path):
    db = tmp_path / "x.sqlite"
    assert run_cli(tmp_path / "missing", "--out", db).returncode == 2
    bad = run_cli(roots["good"], "--out", db, "--protocol", "no such protocol")
    assert bad.returncode == 2 and "no such protocol" in bad.stderr.lower()
    (tmp_path / "not.sqlite").write_text("not a database")
    assert run_cli(roots["good"], "--out", tmp_path / "not.sqlite").returncode == 2
    gone = run_cli(roots["good"], "--out", db, "--scheduler", "tcp://127.0.0.1:9",
                   env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert gone.returncode == 2 and "cannot connect to the Dask scheduler" in gone.stderr


def test_protocol_option_applies_one_protocol(roots, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(roots["good"] / "P0003.zip", one)
    db = tmp_path / "p.sqlite"
    summary = run_batch(one, db, workers=1, tty=False, protocol="hcc_liver_50gy_25fx",
                        bin_width_gy=0.1)
    assert summary.ok
    with sqlite3.connect(db) as conn:
        protocols = {r[0] for r in conn.execute("SELECT DISTINCT protocol FROM constraints")}
        widths = {r[0] for r in conn.execute("SELECT DISTINCT bin_width_gy FROM dvh_curves")}
    assert protocols == {"HCC liver 50 Gy / 25 fx"} and widths == {0.1}


def test_progress_bar_on_a_terminal_has_counts_and_eta():
    stream = io.StringIO()
    progress = BatchProgress(3, stream, tty=True)
    progress.skipped(["A"])
    done = PatientResult("B")
    failed = PatientResult("C")
    failed.fail("x.dcm: broken")
    progress.finished(done)
    progress.finished(failed)
    progress.close()
    text = stream.getvalue()
    assert "\r[" in text and "2/3 patients" in text and "done 1" in text and "failed 1" in text
    assert "skipped 1" in text and "ETA" in text


def test_parquet_without_pyarrow_says_what_to_install(monkeypatch, tmp_path):
    import builtins

    from rtreview.core.cohort.store_sqlite import StoreError
    from rtreview.core.cohort.store_tabular import open_store

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(StoreError, match="install pyarrow for Parquet"):
        open_store(tmp_path / "out.parquet")


def test_cli_pins_the_same_blas_threads_as_the_runners():
    from rtreview.cli.batch import BLAS_ENV

    assert BLAS_ENV == SINGLE_THREAD_ENV


def test_an_unexpected_error_fails_the_patient_not_the_run(roots, monkeypatch):
    import rtreview.core.dvh
    from rtreview.core.cohort import run_patient

    def boom(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(rtreview.core.dvh, "compute_dvhs", boom)
    job = discover(roots["good"] / "P0003.zip").jobs[0]
    result = run_patient(job)
    assert result.status == "failed" and "unexpected ValueError: boom" in result.reason
    assert result.rows["plans"] and not result.rows["metrics"]
