"""rtreview batch: serial, process-pool and Dask runs give identical tables; CSV and Parquet
exports hold the same values; the tables agree with ``rtreview dvh`` and ``rtreview check``."""
from __future__ import annotations

import csv
import json
import shutil
import sqlite3

from pathlib import Path

import pytest

from rtreview.core.cohort.batch import run_batch
from rtreview.core.cohort.schema import TABLES, columns
from rtreview.core.cohort.store_tabular import table_path
from cohort_support import cohorts, good_ids, reference, run_cli, tables


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The good cohort run serially (CLI, CSV output), with 2 processes (CLI, Parquet) and on a
    Dask LocalCluster (2 worker processes on loopback)."""
    root = cohorts(tmp_path_factory)["good"]
    serial_csv, serial = reference(tmp_path_factory)
    out = tmp_path_factory.mktemp("runs")
    pool = run_cli(root, "--out", out / "pool.parquet", "--workers", "2")
    assert pool.returncode == 0, pool.stderr
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        summary = run_batch(root, out / "dask.sqlite", scheduler=cluster.scheduler_address, tty=False)
    assert summary.ok and sorted(summary.done) == good_ids(), summary.lines()
    return {"dir": out, "serial_csv": serial_csv, "serial": serial, "pool": pool, "root": root,
            "tables": {name: tables(path) for name, path in (("serial", Path(f"{serial_csv}.sqlite")),
                                                             ("pool", out / "pool.parquet.sqlite"),
                                                             ("dask", out / "dask.sqlite"))}}


def test_serial_pool_and_dask_tables_are_identical(runs):
    serial, pool, dask = (runs["tables"][k] for k in ("serial", "pool", "dask"))
    assert len(serial["metrics"]) > 1000 and serial["constraints"] and serial["dvh_curves"]
    assert {r[0] for r in serial["patients"]} == set(good_ids())
    for table in serial:
        assert serial[table] == pool[table], table
        assert serial[table] == dask[table], table


def test_summary_and_progress_lines(runs):
    out = runs["serial"].stdout
    assert f"{len(good_ids())} done, 0 skipped" in out and "0 failed" in out
    assert runs["serial"].stderr.count("rtreview batch: [") == len(good_ids())  # not a TTY: one line each


def test_rows_carry_units_and_sop_instance_uids(runs):
    cols = columns("metrics")
    rows = [dict(zip(cols, r)) for r in runs["tables"]["serial"]["metrics"]]
    units = {r["metric"]: r["unit"] for r in rows}
    assert units["mean_gy"] == "Gy" and units["d95_gy"] == "Gy" and units["volume_cc"] == "cc" and units["hi"] == "1"
    assert all(r["dose_sop_instance_uid"] and r["plan_sop_instance_uid"] and r["structure_set_sop_instance_uid"]
               for r in rows)


def test_csv_export_holds_the_sqlite_values(runs):
    out = runs["serial_csv"]
    with sqlite3.connect(f"{out}.sqlite") as conn:
        expected = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    for table in TABLES:
        with open(table_path(str(out), table), newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            assert tuple(next(reader)) == columns(table)
            got = sorted(reader)
        # Floats are written as Python's repr: they read back exactly.
        want = sorted(["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row]
                      for row in expected[table])
        assert got == want, table
    assert out.with_name("serial.constraints.csv").is_file() and out.with_name("serial.dvh_curves.csv").is_file()


def test_parquet_export_holds_the_sqlite_values(runs):
    pq = pytest.importorskip("pyarrow.parquet")
    out = runs["dir"] / "pool.parquet"
    with sqlite3.connect(out.with_name("pool.parquet.sqlite")) as conn:
        for table in TABLES:
            got = [tuple(r.values()) for r in pq.read_table(table_path(str(out), table)).to_pylist()]
            want = conn.execute(f"SELECT {', '.join(columns(table))} FROM {table}").fetchall()
            assert sorted(got, key=repr) == sorted(want, key=repr), table


def test_values_agree_with_rtreview_dvh_and_check(runs, tmp_path):
    """The cohort numbers are those of the single-patient commands (same engine)."""
    import subprocess
    import sys

    root = runs["root"]
    metrics = runs["tables"]["serial"]["metrics"]
    constraints = runs["tables"]["serial"]["constraints"]
    pid = good_ids()[0]
    proc = subprocess.run([sys.executable, "-m", "rtreview.cli.main", "dvh", str(root / "P0001")],
                          capture_output=True, text=True, check=True)
    doses = json.loads(proc.stdout)["doses"]
    ours = {(r[1], r[5], r[8]): r[9] for r in metrics if r[0] == pid}
    compared = 0
    for dose in doses:
        for s in dose["structures"]:
            for key in ("mean_gy", "d95_gy", "volume_cc", "max_gy"):
                if s[key] is not None:
                    assert ours[(dose["plan_label"], s["roi_number"], key)] == pytest.approx(s[key], abs=2e-6)
                    compared += 1
    assert compared > 50
    report = json.loads(subprocess.run([sys.executable, "-m", "rtreview.cli.main", "check", str(root / "P0001"),
                                        "--format", "json"], capture_output=True, text=True).stdout)
    # P0001's L ILIUM plan (20 Gy / 5 fx) fits no shipped protocol (site and fractionation), so the
    # suggested run has no composite: the composite is compared on a run with one protocol named.
    assert report["composite"] is None
    checked = _compare_constraints(report, constraints, pid)
    one = tmp_path / "one"
    shutil.copytree(root / "P0001", one / "P0001")
    named = run_cli(one, "--out", tmp_path / "named.sqlite", "--workers", "1", "--protocol", "hcc")
    assert named.returncode == 0, named.stderr
    report = json.loads(subprocess.run([sys.executable, "-m", "rtreview.cli.main", "check", str(root / "P0001"),
                                        "--format", "json", "--protocol", "hcc"], capture_output=True, text=True).stdout)
    assert report["composite"] is not None  # P0001 has two courses on one frame of reference
    constraints = tables(tmp_path / "named.sqlite", ("constraints",))["constraints"]
    checked += _compare_constraints(report, constraints, pid)
    assert checked > 20 and any(r[-1] == "composite" for r in constraints)


def _compare_constraints(report: dict, constraints: list, pid: str) -> int:
    groups = [(p["plan_label"], p["results"]) for p in report["plans"]]
    if report["composite"] is not None:
        groups.append((" + ".join(report["composite"]["plans"]), report["composite"]["results"]))
    checked = 0
    for label, results in groups:
        # Several rows can share structure + metric (e.g. one limit from each protocol on the composite).
        ours_c = {}
        for r in constraints:
            if r[0] == pid and r[1] == label:
                ours_c.setdefault((r[6], r[8]), []).append((r[11], r[12]))
        for row in results:
            candidates = ours_c[(row["structure"], row["metric"])]
            value = row["value"]
            assert any(status == row["status"] and (value is None or mine == pytest.approx(value, abs=1e-3))
                       for status, mine in candidates), (label, row)
            checked += 1
    return checked
