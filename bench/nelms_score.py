#!/usr/bin/env python3
"""Print the Nelms (2015) benchmark failure tables for rtreview's DVH engine (default options).

    .venv/bin/python bench/nelms_score.py [--failures] [--opt KEY=VALUE ...]
    .venv/bin/python bench/nelms_score.py --engine peer [--mode default|best] [--failures]

``--engine peer`` scores dicompyler-core 0.5.6 instead (bench/.venv-peer, made by
bench/setup_peer.sh; run through bench/peer_dicompyler.py in a subprocess): ``--mode default``
= get_dvh's defaults, ``--mode best`` = its interpolation settings (pixel/4 in-plane, 2
segments between planes, structure extents).

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
    ap.add_argument("--engine", choices=("ours", "peer"), default="ours",
                    help="ours (default) or peer = dicompyler-core in bench/.venv-peer")
    ap.add_argument("--mode", choices=("default", "best"), default="default",
                    help="peer only: dicompyler-core defaults or its best-accuracy settings")
    args = ap.parse_args(argv)
    if args.engine == "peer":
        return peer_main(args)
    options = ns.parse_options(args.opt) if args.opt else None
    cases = ns.load_cases()
    t0 = time.perf_counter()
    own, curve, secs = ns.ours_results(cases, options)
    wall = time.perf_counter() - t0
    for values, how in ((own, "the engine's own metrics"), (curve, "the cumulative curve")):
        sc = ns.score(cases, values)
        print(ns.failure_table(sc, f"rtreview rtreview.core.dvh -- D-values from {how}"))
        if args.failures:
            print(ns.failure_list(sc))
        print()
    print(f"{len(cases)} cases: compute {secs:.2f} s ({1000 * secs / max(len(cases), 1):.0f} ms per case), "
          f"{wall:.1f} s with file reading")
    return 0


def peer_main(args) -> int:
    """The same two tables for dicompyler-core (its own metrics; D-values off its curve)."""
    cases = ns.load_cases()
    t0 = time.perf_counter()
    raw = ns.run_peer(cases, args.mode)
    wall = time.perf_counter() - t0
    own, curve = ns.peer_results(raw)
    label = f"dicompyler-core {raw['versions']['dicompyler-core']} ({args.mode} settings)"
    for values, how in ((own, "the engine's own metrics"), (curve, "the cumulative curve")):
        sc = ns.score(cases, values)
        print(ns.failure_table(sc, f"{label} -- D-values from {how}"))
        if args.failures:
            print(ns.failure_list(sc))
        print()
    calc = sum(c["calc_s"] for c in raw["cases"])
    cpu = sum(c.get("calc_cpu_s", float("nan")) for c in raw["cases"])
    print(f"{len(cases)} cases: compute {calc:.2f} s wall, {cpu:.2f} s CPU "
          f"({1000 * calc / max(len(cases), 1):.0f} ms per case), {wall:.1f} s with file reading "
          "and the subprocess")
    return 0


if __name__ == "__main__":
    sys.exit(main())
