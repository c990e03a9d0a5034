#!/usr/bin/env python3
"""Generate a synthetic cohort for ``rtreview batch`` tests and benchmarks.

Usage: python tools/make_cohort.py N OUT_DIR [--seed S] [--zip-every K] [--jobs J]

Patient i (1..N) gets Patient ID ``COHORT-<seed>-<i:04d>``, anatomy and plans drawn from
(seed, i) (see tools/cohort_patient.py), and is written to ``OUT_DIR/P<i:04d>/``, or, for every
K-th patient, to ``OUT_DIR/P<i:04d>.zip`` (so a cohort mixes folders and zip archives).
Deterministic: the same arguments give byte-identical files. All data are synthetic.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from cohort_patient import make_small_patient  # noqa: E402

ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed member timestamps: reproducible archives


def patient_id(seed: int, index: int) -> str:
    return f"COHORT-{seed}-{index:04d}"


def write_zip(folder: Path, archive: Path) -> None:
    """Zip ``folder``'s files (sorted, fixed timestamps) into ``archive`` and remove the folder."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.name}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    shutil.rmtree(folder)


def make_one(out_dir: str, seed: int, index: int, zip_every: int) -> str:
    """Write patient ``index`` of the cohort; returns the folder or archive written."""
    folder = Path(out_dir) / f"P{index:04d}"
    make_small_patient(folder, patient_id=patient_id(seed, index), seed=seed * 100_003 + index)
    if zip_every and index % zip_every == 0:
        archive = folder.with_suffix(".zip")
        write_zip(folder, archive)
        return str(archive)
    return str(folder)


def make_cohort(n: int, out_dir, *, seed: int = 1, zip_every: int = 3, jobs: int = 1) -> list[str]:
    """Write ``n`` patients into ``out_dir``; returns their folders / archives in patient order."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    args = [(str(out_dir), seed, i, zip_every) for i in range(1, n + 1)]
    if jobs <= 1:
        return [make_one(*a) for a in args]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(make_one, *zip(*args)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of patients")
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1, help="cohort seed (default 1)")
    ap.add_argument("--zip-every", type=int, default=3, metavar="K",
                    help="write every K-th patient as a zip archive (0: none; default 3)")
    ap.add_argument("--jobs", type=int, default=1, help="patients generated in parallel (default 1)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    t0 = time.perf_counter()
    written = make_cohort(args.n, args.out_dir, seed=args.seed, zip_every=args.zip_every, jobs=args.jobs)
    print(f"wrote {len(written)} synthetic patients to {args.out_dir} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
