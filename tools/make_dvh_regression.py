#!/usr/bin/env python3
"""Store what ``rtreview dvh`` prints for the sample patient as the regression reference.

    .venv/bin/python tools/make_dvh_regression.py [--check]

Runs ``python -m rtreview dvh sample_dicom/`` as a process (exactly the command line), makes
the paths relative to the sample folder and writes ``tests/data/dvh_sample.json.xz``
(xz-compressed compact JSON, about 120 kB). ``--check`` writes nothing and says whether the
current output equals the stored one (exit 1 when not, with the first differences).

Regenerate only in a commit that changes clinical numbers or keys on purpose and says so
(tests/data/README.md); a speed-up must never need it.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from dvh_regression import STORED, differences, load_stored, normalized, write_stored  # noqa: E402

SAMPLE = ROOT / "sample_dicom"


def current() -> dict:
    out = subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(SAMPLE)], capture_output=True, text=True,
                         check=True)
    return normalized(json.loads(out.stdout), SAMPLE)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args(argv)
    result = current()
    if args.check:
        found = differences(load_stored(), result)
        print("\n".join(found) if found else f"equal to {STORED.relative_to(ROOT)}")
        return 1 if found else 0
    write_stored(result)
    n = sum(len(d["structures"]) for d in result["doses"])
    print(f"wrote {STORED.relative_to(ROOT)} ({STORED.stat().st_size} bytes): {len(result['doses'])} doses, "
          f"{n} structures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
