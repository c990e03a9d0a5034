"""Long fuzz run of the DICOM loader and DVH engine (the CI runs 250 cases: tests/test_fuzz.py).

    .venv/bin/python bench/fuzz_long.py --cases 5000 --seed 7 [--timeout 30] [--heavy] [--out bench/out/fuzz.jsonl]

Mutates the sample (sample_dicom/), the reference files (../shared/reference_dicom), a
synthetic case and a zip of it; loads each mutated file and computes DVHs in a forked child with a timeout
and a 3 GB memory cap. Prints the outcome counts and every bad outcome (unhandled
exception, invalid object, timeout, crash) with what reproduces it: (seed, case index).
Exit status 1 when any bad outcome occurred.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fuzz_harness as fh  # noqa: E402
from conftest import REFERENCE_DICOM, SAMPLE_DICOM  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--out", type=Path, help="write one JSON line per case here")
    parser.add_argument("--heavy", action="store_true",
                        help="also mutate the dicompyler example's RTSTRUCT and 10 MB RTDOSE (slow cases)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        seeds, weights = fh.default_seeds(SAMPLE_DICOM, REFERENCE_DICOM, Path(tmp) / "syn", heavy=args.heavy)
        context = fh.default_context(Path(tmp) / "syn")
        out = args.out.open("w") if args.out else None
        start = time.monotonic()

        def on_case(o: fh.Outcome) -> None:
            if out is not None:
                out.write(json.dumps(o.__dict__) + "\n")
            if o.outcome in fh.BAD_OUTCOMES:
                print(f"BAD case {o.case} ({o.seed}; {o.mutation}): {o.outcome}\n{o.detail[-1500:]}", flush=True)
            elif (o.case + 1) % 250 == 0:
                print(f"... {o.case + 1} cases, {time.monotonic() - start:.0f} s", flush=True)

        run = fh.fuzz(seeds, context, args.cases, args.seed, timeout_s=args.timeout, weights=weights,
                      on_case=on_case)
        if out is not None:
            out.close()
    seconds = time.monotonic() - start
    slowest = max(run.outcomes, key=lambda o: o.seconds)
    print(f"{args.cases} cases, seed {args.seed}, {len(seeds)} seed files, {seconds:.0f} s: {run.counts()}")
    print(f"slowest case: {slowest.case} ({slowest.seed}; {slowest.mutation}) {slowest.seconds:.2f} s")
    return 1 if run.bad else 0


if __name__ == "__main__":
    sys.exit(main())
