"""Synthetic cohorts for the ``rtreview batch`` tests, generated once per test session.

``good``: 4 patients from tools/make_cohort.py (P0003 as a zip). ``broken``: the good ones plus a
patient with a truncated RT Dose, one without a structure set, a zip without DICOM and a README.
``mixed``: the good patients arranged differently (one split over a folder and a zip, two in one
folder). All synthetic (tools/cohort_patient.py), written under pytest's session temp folder.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from cohort_patient import make_small_patient  # noqa: E402
from make_cohort import make_cohort, patient_id  # noqa: E402
from sample_patient.plans import ILIUM_PLAN  # noqa: E402

N_GOOD, SEED = 4, 7
COMPARED = {  # table -> columns compared between runs (not run ids or timings)
    "patients": "patient_id, status, reason, n_plans, inputs",
    "plans": "*", "metrics": "*", "constraints": "*", "dvh_curves": "*", "issues": "*",
}
_CACHE: dict = {}


def cohorts(tmp_path_factory) -> dict[str, Path]:
    """{'good', 'broken', 'mixed'} -> their root folders (made on first use)."""
    if "good" in _CACHE:
        return _CACHE
    base = tmp_path_factory.mktemp("cohorts")
    good = base / "good"
    make_cohort(N_GOOD, good, seed=SEED, zip_every=3, jobs=2)
    broken = base / "broken"
    shutil.copytree(good, broken)
    small = (dataclasses_replace_iterations(ILIUM_PLAN),)
    make_small_patient(broken / "TRUNCATED", patient_id="BROKEN-TRUNCATED-DOSE", seed=11, anatomy_scale=0.55,
                       plans=small)
    dose = broken / "TRUNCATED" / "RD_L_ILIUM.dcm"
    data = dose.read_bytes()
    dose.write_bytes(data[: len(data) - 5000])  # cut inside the pixel data
    make_small_patient(broken / "NO_RS", patient_id="BROKEN-NO-STRUCTURES", seed=12, anatomy_scale=0.55, plans=small)
    (broken / "NO_RS" / "RS_SYNTHETIC.dcm").unlink()
    with zipfile.ZipFile(broken / "notes.zip", "w") as zf:
        zf.writestr("notes/readme.txt", "not DICOM\n")
    (broken / "README.txt").write_text("a note beside the patients\n")
    mixed = base / "mixed"
    mixed.mkdir()
    first, second, fourth = (good / f"P{i:04d}" for i in (1, 2, 4))
    shutil.copytree(first, mixed / "P0001", ignore=shutil.ignore_patterns("RP_*", "RD_*"))
    with zipfile.ZipFile(mixed / "P0001-plans.zip", "w") as zf:
        for path in sorted(first.glob("R[PD]_*.dcm")):
            zf.write(path, f"plans/{path.name}")
    shutil.copytree(second, mixed / "both" / "a")
    shutil.copytree(fourth, mixed / "both" / "b")
    shutil.copy(good / "P0003.zip", mixed / "P0003.zip")
    _CACHE.update(good=good, broken=broken, mixed=mixed)
    return _CACHE


def dataclasses_replace_iterations(spec):
    import dataclasses
    return dataclasses.replace(spec, compensation_iterations=0)


def good_ids() -> list[str]:
    return [patient_id(SEED, i) for i in range(1, N_GOOD + 1)]


def reference(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The good cohort run once per session by the CLI, serially, into ``serial.csv`` (tables in
    ``serial.csv.sqlite``): the reference every other run is compared with."""
    if "reference" not in _CACHE:
        out = tmp_path_factory.mktemp("reference") / "serial.csv"
        proc = run_cli(cohorts(tmp_path_factory)["good"], "--out", out, "--workers", "1")
        assert proc.returncode == 0, proc.stderr
        _CACHE["reference"], _CACHE["reference_proc"] = out, proc
    return _CACHE["reference"], _CACHE["reference_proc"]


def run_cli(*args, timeout=300, env=None) -> subprocess.CompletedProcess:
    """``rtreview batch ARGS`` in a fresh interpreter (its own BLAS thread settings)."""
    env = {**{k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
           **(env or {})}
    return subprocess.run([sys.executable, "-m", "rtreview.cli.main", "batch", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def tables(db: Path, names=tuple(COMPARED)) -> dict[str, list[tuple]]:
    """The compared columns of each table, rows sorted (floats compared exactly)."""
    with sqlite3.connect(db) as conn:
        return {t: sorted(conn.execute(f"SELECT {COMPARED[t]} FROM {t}").fetchall(), key=repr) for t in names}
