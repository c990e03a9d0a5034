#!/usr/bin/env python3
"""Store what ``rtreview dvh`` prints for the sample patient as the regression reference.

    .venv/bin/python tools/make_dvh_regression.py [--check] [--code CHECKOUT]

Runs ``python -m rtreview dvh sample_dicom/`` as a process (exactly the command line), makes
the paths relative to the sample folder and writes ``tests/data/dvh_sample.json.xz``
(xz-compressed compact JSON, about 120 kB). ``--check`` writes nothing and says whether the
current output equals the stored one (exit 1 when not, with the first differences).

``--code CHECKOUT`` runs the ``rtreview`` of another checkout (its ``app/`` folder, imported
through a temporary ``rtreview`` symlink put first on PYTHONPATH; the process says which file
it imported and the tool refuses if it is not that checkout's) on this checkout's sample. That
is how the reference is made from the *old* code, so the test compares new code against old::

    git worktree add --detach /tmp/oldmain main        # the code before the change
    .venv/bin/python tools/make_dvh_regression.py --code /tmp/oldmain
    git worktree remove /tmp/oldmain

Regenerate only in a commit that changes clinical numbers or keys on purpose and says so
(tests/data/README.md), or after merging such a commit (then from the merged-in code, as
above); a speed-up must never need it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from dvh_regression import STORED, differences, load_stored, normalized, write_stored  # noqa: E402

SAMPLE = ROOT / "sample_dicom"


PROBE = "import sys, runpy, rtreview; print(rtreview.__file__, file=sys.stderr); " \
        "sys.argv = ['rtreview', 'dvh', sys.argv[1]]; runpy.run_module('rtreview', run_name='__main__')"


def current(code: Path | None = None) -> dict:
    """What ``rtreview dvh`` prints for the sample: this checkout's code, or ``code``'s."""
    if code is None:
        out = subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(SAMPLE)], capture_output=True, text=True,
                             check=True)
        return normalized(json.loads(out.stdout), SAMPLE)
    app = (code / "app").resolve()
    if not (app / "__init__.py").is_file():
        raise SystemExit(f"{code}: no app/ package (a checkout of rtreview?)")
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(app, Path(tmp) / "rtreview")
        env = dict(os.environ, PYTHONPATH=tmp + os.pathsep + os.environ.get("PYTHONPATH", ""))
        out = subprocess.run([sys.executable, "-c", PROBE, str(SAMPLE)], capture_output=True, text=True, env=env,
                             cwd=tmp)
        imported = out.stderr.splitlines()[0] if out.stderr else ""
        if out.returncode != 0 or not imported.startswith(str(Path(tmp) / "rtreview")):
            raise SystemExit(f"rtreview of {code} did not run (imported {imported!r}):\n{out.stderr[-2000:]}")
    print(f"ran the rtreview of {code}", file=sys.stderr)
    return normalized(json.loads(out.stdout), SAMPLE)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    parser.add_argument("--code", type=Path, metavar="CHECKOUT",
                        help="run the rtreview of this checkout (e.g. a git worktree of main) instead of this one")
    args = parser.parse_args(argv)
    result = current(args.code)
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
