#!/usr/bin/env python3
"""Print the Nelms (2015) benchmark failure tables for rtreview's DVH engine (default options).

    .venv/bin/python bench/nelms_score.py [--failures] [--opt KEY=VALUE ...]

Scoring and case list come from bench/nelms_scoring.py (shared with the dicompyler-core peer
runs); the same scoring is asserted in tests/test_dvh_nelms.py. Two tables: D-values from the
engine's own metrics (exact weighted quantiles), and read off its cumulative curve (V, Dmin,
Dmax and Dmean from the engine in both).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nelms_scoring as ns  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failures", action="store_true", help="list every failed value")
    ap.add_argument("--opt", action="append", metavar="KEY=VALUE", help="DvhOptions override (repeatable)")
    args = ap.parse_args(argv)
    options = ns.parse_options(args.opt) if args.opt else None
    cases = ns.load_cases()
    t0 = time.perf_counter()
    own, curve, secs = ns.ours_results(cases, options)
    wall = time.perf_counter() - t0
    for values, how in ((own, "the engine's own metrics"), (curve, "the cumulative curve")):
        sc = ns.score(cases, values)
        print(ns.failure_table(sc, f"rtreview app.core.dvh -- D-values from {how}"))
        if args.failures:
            print(ns.failure_list(sc))
        print()
    print(f"{len(cases)} cases: compute {secs:.2f} s ({1000 * secs / max(len(cases), 1):.0f} ms per case), "
          f"{wall:.1f} s with file reading")
    return 0


if __name__ == "__main__":
    sys.exit(main())
