"""CSV and Parquet outputs: the SQLite store's tables, exported when a run ends.

The run itself works in a SQLite file beside the output (``OUT.sqlite``), so CSV and Parquet
runs resume and survive interruption exactly like SQLite ones; at the end every table is
written next to OUT: ``OUT`` holds ``metrics`` (the tidy table) and ``OUT`` with ``.patients``,
``.plans``, ``.constraints``, ``.dvh_curves`` and ``.issues`` before the suffix the others.
Each file is written atomically (``rtreview.core.atomic.atomic_path``: a hidden temporary file
beside it, fsynced, then renamed over it). Parquet needs pyarrow (``rtreview[cohort]``).
"""
from __future__ import annotations

import csv
import os
from typing import Iterable

from rtreview.core.atomic import atomic_path

from .schema import TABLES, columns
from .store_sqlite import SqliteStore, StoreError

MAIN_TABLE = "metrics"
PARQUET_TYPES = {"TEXT": "string", "REAL": "float64", "INTEGER": "int64"}


def output_kind(path: str) -> str:
    """'csv', 'parquet' or 'sqlite' from the file name."""
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    return "sqlite"


def table_path(out: str, table: str) -> str:
    """Where ``table`` goes for output ``out`` (``cohort.csv`` -> ``cohort.constraints.csv``)."""
    if table == MAIN_TABLE:
        return out
    stem, ext = os.path.splitext(out)
    return f"{stem}.{table}{ext}"


def require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise StoreError("install pyarrow for Parquet output (pip install 'rtreview[cohort]'), "
                         "or write .csv or .sqlite") from exc


class TabularStore(SqliteStore):
    """A SqliteStore in ``OUT.sqlite`` that exports its tables as CSV or Parquet on ``close()``."""

    def __init__(self, out: str | os.PathLike[str]):
        self.out = os.fspath(out)
        self.kind = output_kind(self.out)
        if self.kind == "parquet":
            require_pyarrow()
        super().__init__(self.out + ".sqlite")

    def export(self) -> list[str]:
        written = []
        for table in TABLES:
            path = table_path(self.out, table)
            with atomic_path(path) as tmp:
                (write_csv if self.kind == "csv" else write_parquet)(tmp, table, self.iter_rows(table))
            written.append(path)
        return written

    def close(self) -> None:
        try:
            self.export()
        finally:
            super().close()


def write_csv(path: str, table: str, batches: Iterable[list[tuple]]) -> None:
    """Header + rows; empty cells for NULL; floats as Python writes them (exact round trip)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns(table))
        for rows in batches:
            writer.writerows(("" if v is None else v for v in row) for row in rows)


def write_parquet(path: str, table: str, batches: Iterable[list[tuple]]) -> None:
    """One Parquet file, written a batch (row group) at a time; typed from schema.TABLES."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = TABLES[table]
    schema = pa.schema([(name, getattr(pa, PARQUET_TYPES[sql])()) for name, sql in cols])
    with pq.ParquetWriter(path, schema) as writer:
        wrote = False
        for rows in batches:
            writer.write_table(pa.table({name: [row[i] for row in rows] for i, (name, _) in enumerate(cols)},
                                        schema=schema))
            wrote = True
        if not wrote:  # an empty table still has its columns
            writer.write_table(pa.table({name: [] for name, _ in cols}, schema=schema))


def open_store(out: str | os.PathLike[str]) -> SqliteStore:
    """The store for ``out``: SQLite unless the name ends in .csv / .parquet (then exported at close)."""
    out = os.fspath(out)
    return SqliteStore(out) if output_kind(out) == "sqlite" else TabularStore(out)
