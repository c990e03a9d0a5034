#!/usr/bin/env python3
"""DVH engine: structures on one thread vs on several (``compute_dvhs(..., threads=N)``).

    .venv/bin/python bench/bench_threads.py [--cases sample,large,clinical] [--threads 2] [--repeat 5]

Per case (files read once, outside the clock) all DVHs of every dose are computed serially and
threaded, interleaved ``--repeat`` times; printed: wall and CPU seconds (median, min), the
speed-up serial / threaded on wall time, and whether every number is the same (each Dvh's
curves, samples and statistics compared bit for bit). The machine is shared: the load average
is printed; the speed-up only means something when the other core is free.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = {"sample": ROOT / "sample_dicom", "large": HERE / "out" / "large_case",
         "clinical": HERE / "out" / "clinical_case"}
ARRAYS = ("dose_gy", "cumulative_cc", "differential_cc", "sample_dose_gy", "sample_volume_cc")
SCALARS = ("volume_cc", "covered_volume_cc", "min_gy", "mean_gy", "max_gy", "bin_width_gy", "notes")


def same(a: dict, b: dict) -> bool:
    if list(a) != list(b) or a.skipped != b.skipped:
        return False
    for n in a:
        x, y = a[n], b[n]
        if any(not np.array_equal(getattr(x, k), getattr(y, k)) for k in ARRAYS):
            return False
        if any(repr(getattr(x, k)) != repr(getattr(y, k)) for k in SCALARS):
            return False
    return True


def ensure(case: str) -> Path:
    path = CASES[case]
    if case == "large" and not (path / "RD.large_case.dcm").is_file():
        subprocess.run([sys.executable, str(HERE / "make_large_case.py")], check=True)
    if case == "clinical" and not (path / "RS.dcm").is_file():
        subprocess.run([sys.executable, str(HERE / "make_clinical_case.py"), str(path)], check=True)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="sample,large,clinical")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from rtreview.core.dicom.loader import load
    from rtreview.core.dvh import compute_dvhs

    load_text = lambda: " ".join(f"{v:.2f}" for v in os.getloadavg())  # noqa: E731
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {os.cpu_count()} CPUs  load {load_text()}")
    print(f"{'case':<10} {'ROIs':>5} {'serial wall':>12} {'CPU':>7} {f'{args.threads} threads wall':>16} {'CPU':>7} "
          f"{'speed-up':>9} {'same numbers':>13}  load")
    for case in args.cases.split(","):
        links = [link for link in load(str(ensure(case))).links if link.structure_set is not None]

        def run(threads: int):
            wall, cpu = time.perf_counter(), time.process_time()
            out = [compute_dvhs(link.structure_set, link.dose, prescription_gy=link.plan.prescription_gy
                                if link.plan else None, threads=threads) for link in links]
            return out, time.perf_counter() - wall, time.process_time() - cpu

        reference = run(1)[0]  # warm-up
        times = {1: [], args.threads: []}
        identical = True
        for _ in range(args.repeat):
            for threads in (1, args.threads):
                out, wall, cpu = run(threads)
                times[threads].append((wall, cpu))
                identical &= all(same(a, b) for a, b in zip(reference, out))
        med = {t: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for t, v in times.items()}
        rois = sum(len(link.structure_set.rois) for link in links)
        print(f"{case:<10} {rois:>5} {med[1][0]:>12.3f} {med[1][1]:>7.3f} {med[args.threads][0]:>16.3f} "
              f"{med[args.threads][1]:>7.3f} {med[1][0] / med[args.threads][0]:>8.2f}x {str(identical):>13}  "
              f"{load_text()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
