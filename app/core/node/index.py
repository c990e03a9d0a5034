"""The store's SQLite index: one row per received DICOM instance, so the worklist survives restarts.

Table ``instances`` (one row per SOP Instance UID; a second copy of an instance updates its row):
sop_instance_uid (key), sop_class_uid, modality, patient_id, patient_name, study_uid, study_date,
series_uid, label (RT Plan Label, Structure Set Label or Series Description), path (relative to
the store folder), size_bytes, received_at (UTC, ISO 8601), calling_ae, copies (how many times
it was received). WAL journal: the window reads while a listener (this process or another) writes.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

INDEX_NAME = "index.sqlite"  # the index file in a store folder (rtreview.core.node.store)
SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    sop_instance_uid TEXT PRIMARY KEY,
    sop_class_uid TEXT NOT NULL,
    modality TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    study_uid TEXT NOT NULL,
    study_date TEXT NOT NULL,
    series_uid TEXT NOT NULL,
    label TEXT NOT NULL,
    path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    calling_ae TEXT NOT NULL,
    copies INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS instances_patient ON instances (patient_id);
"""
FIELDS = ("sop_instance_uid", "sop_class_uid", "modality", "patient_id", "patient_name", "study_uid",
          "study_date", "series_uid", "label", "path", "size_bytes", "received_at", "calling_ae")


@dataclass(frozen=True)
class InstanceRecord:
    """One received instance as indexed (strings as received; '' where the data set has none)."""
    sop_instance_uid: str
    sop_class_uid: str
    modality: str
    patient_id: str
    patient_name: str
    study_uid: str
    study_date: str
    series_uid: str
    label: str
    path: str
    size_bytes: int
    received_at: str
    calling_ae: str
    copies: int = 1


class StoreIndex:
    """Thread-safe writer and reader of the index file (one short connection per call)."""

    def __init__(self, path: Path, *, create: bool = True):
        """``create=False`` for readers: the file must exist and is not changed."""
        self.path = Path(path)
        self._lock = threading.Lock()
        if create:
            with closing(self._connect()) as db, db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0)
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def add(self, record: InstanceRecord) -> None:
        """Insert the instance, or count one more copy and refresh its arrival time and sender."""
        values = [getattr(record, f) for f in FIELDS]
        updates = ", ".join(f"{f}=excluded.{f}" for f in FIELDS[1:])
        with self._lock, closing(self._connect()) as db, db:
            db.execute(f"INSERT INTO instances ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))}) "
                       f"ON CONFLICT(sop_instance_uid) DO UPDATE SET {updates}, copies=copies+1", values)

    def instances(self, patient_id: str | None = None) -> list[InstanceRecord]:
        """Every indexed instance (of one patient when given), oldest arrival first."""
        query = f"SELECT {', '.join(FIELDS)}, copies FROM instances"
        args: tuple = ()
        if patient_id is not None:
            query += " WHERE patient_id = ?"
            args = (patient_id,)
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY received_at, sop_instance_uid", args).fetchall()
        return [InstanceRecord(*row) for row in rows]

    def state(self) -> tuple[int, int, str]:
        """(rows, total copies, latest arrival): changes whenever anything is received."""
        with closing(self._connect()) as db:
            count, copies, latest = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(copies), 0), COALESCE(MAX(received_at), '') FROM instances").fetchone()
        return int(count), int(copies), str(latest)
