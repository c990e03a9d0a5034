"""The cohort results in one SQLite file (stdlib sqlite3): resumable, one transaction per patient.

Tables: ``runs`` (one row per ``rtreview batch`` run) and those of ``schema.TABLES``. A
patient's rows are replaced in one transaction that ends with its ``patients`` row, so an
interrupted run keeps every patient it finished and none half-written. ``done_patients()``
are the ones a resumed run skips (failed patients are tried again).
"""
from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from typing import Iterator

from .discover import FailedInput
from .job import DONE, PatientResult
from .schema import ROW_TABLES, TABLES, columns

SCHEMA_VERSION = 2  # 2: constraints.scope
RUNS_COLUMNS = (("run_id", "INTEGER PRIMARY KEY"), ("started_utc", "TEXT"), ("finished_utc", "TEXT"),
                ("root", "TEXT"), ("runner", "TEXT"), ("workers", "INTEGER"), ("protocol", "TEXT"),
                ("bin_width_gy", "REAL"), ("recompute", "INTEGER"), ("n_done", "INTEGER"), ("n_skipped", "INTEGER"),
                ("n_failed", "INTEGER"), ("rtreview_version", "TEXT"))


class StoreError(Exception):
    """The output file cannot be used (not SQLite, another schema, not writable)."""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class SqliteStore:
    """Cohort tables in the SQLite file ``path`` (created when missing)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = os.fspath(path)
        try:
            self.conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable SQLite database ({exc})") from exc
        if tables and version != SCHEMA_VERSION:
            self.conn.close()
            raise StoreError(f"{self.path}: not an rtreview batch database (schema version {version}, "
                             f"{SCHEMA_VERSION} expected); choose another --out")
        if not tables:
            self._create()

    def _create(self) -> None:
        ddl = [f"CREATE TABLE runs ({', '.join(f'{n} {t}' for n, t in RUNS_COLUMNS)})"]
        for table, cols in TABLES.items():
            key = ", PRIMARY KEY (patient_id)" if table == "patients" else ""
            ddl.append(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in cols)}{key})")
            if table != "patients":
                ddl.append(f"CREATE INDEX {table}_patient ON {table} (patient_id)")
        ddl.append("CREATE INDEX metrics_metric ON metrics (metric, structure)")
        ddl.append(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self.conn.execute("BEGIN")
        for statement in ddl:
            self.conn.execute(statement)
        self.conn.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------------
    def start_run(self, root: str, runner: str, workers: int, protocol: str | None, bin_width_gy: float | None,
                  recompute: bool, version: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started_utc, root, runner, workers, protocol, bin_width_gy, recompute, "
            "rtreview_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (utc_now(), root, runner, workers, protocol, bin_width_gy, int(recompute), version))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, n_done: int, n_skipped: int, n_failed: int) -> None:
        self.conn.execute("UPDATE runs SET finished_utc = ?, n_done = ?, n_skipped = ?, n_failed = ? "
                          "WHERE run_id = ?", (utc_now(), n_done, n_skipped, n_failed, run_id))

    # -- patients ---------------------------------------------------------------------------
    def done_patients(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT patient_id FROM patients WHERE status = ?", (DONE,))}

    def write_patient(self, result: PatientResult, run_id: int) -> None:
        """Replace the patient's rows in one transaction (the patients row last)."""
        pid = result.patient_id
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for table in (*ROW_TABLES, "patients"):
                self.conn.execute(f"DELETE FROM {table} WHERE patient_id = ?", (pid,))
            for table in ROW_TABLES:
                rows = result.rows[table]
                if rows:
                    marks = ", ".join("?" * len(columns(table)))
                    self.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            self.conn.execute(f"INSERT INTO patients VALUES ({', '.join('?' * len(columns('patients')))})",
                              (pid, result.status, result.reason, result.n_plans, json.dumps(list(result.inputs)),
                               result.elapsed_s, run_id))
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def write_failed_inputs(self, failed: list[FailedInput]) -> None:
        """Replace the issues of inputs that hold no patient (found again by every run)."""
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("DELETE FROM issues WHERE patient_id IS NULL")  # NULL: no patient
        self.conn.executemany("INSERT INTO issues VALUES (NULL, ?, ?, ?)",
                              [(f.path, "error", f.reason) for f in failed])
        self.conn.execute("COMMIT")

    def iter_rows(self, table: str, batch: int = 20_000) -> Iterator[list[tuple]]:
        """Every row of ``table`` in a stable order, in lists of up to ``batch`` rows (exports
        stream them: a cohort's metrics table can exceed memory)."""
        cols = columns(table) if table in TABLES else tuple(n for n, _ in RUNS_COLUMNS)
        cursor = self.conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(cols)}")
        while rows := cursor.fetchmany(batch):
            yield rows

    def close(self) -> None:
        self.conn.close()
