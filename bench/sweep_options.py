#!/usr/bin/env python3
"""Speed / accuracy trade-off of our engine's sampling options, in one table.

    .venv/bin/python bench/sweep_options.py                      # the default sweep
    .venv/bin/python bench/sweep_options.py --grid "samples_across=96,48,32" \
        --grid "max_samples=1500000,300000"

For every combination of DvhOptions values: compute time of all DVHs of the large case (best of
--repeat, file reading excluded), total samples, and the Nelms benchmark failures (own metrics)
per test. Runs in the app venv; needs bench/out/large_case (bench/make_large_case.py).
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from nelms_scoring import TESTS, load_cases, ours_results, parse_options, score  # noqa: E402

DEFAULT_GRID = ["samples_across=96,64,48,32,24", "max_samples=1500000,300000"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grid", action="append", help="KEY=V1,V2,... (repeatable)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-nelms", action="store_true")
    args = ap.parse_args(argv)

    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import DvhOptions, compute_dvhs

    large = HERE / "out" / "large_case"
    ss = read_structure_set(str(large / "RS.large_case.dcm"))
    dose = read_dose(str(large / "RD.large_case.dcm"))
    cases = [] if args.no_nelms else load_cases()

    axes = []
    for g in args.grid or DEFAULT_GRID:
        key, _, values = g.partition("=")
        axes.append([f"{key}={v}" for v in values.split(",")])
    print(f"{'options':44s} {'large s':>8s} {'samples':>10s} " +
          " ".join(f"{t:>7s}" for t in TESTS) + f" {'nelms s':>8s}")
    for combo in itertools.product(*axes):
        kw = parse_options(combo)
        opts = DvhOptions(**kw)
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            dvhs = compute_dvhs(ss, dose, opts)
            best = min(best, time.perf_counter() - t0)
        samples = sum(int(d.sample_dose_gy.size) for d in dvhs.values())
        cells = ""
        nelms_s = float("nan")
        if cases:
            own, _, nelms_s = ours_results(cases, kw)
            sc = score(cases, own)
            cells = " ".join(f"{sc.fails(t):>3d}/{sc.count(t):<3d}" for t in TESTS)
        print(f"{', '.join(combo):44s} {best:8.3f} {samples:10d} {cells} {nelms_s:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
