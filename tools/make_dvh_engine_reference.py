#!/usr/bin/env python3
"""Store the DVH engine's results on real exports as bit-exact fingerprints (tests/dvh_engine_reference.py).

    .venv/bin/python tools/make_dvh_engine_reference.py --code /tmp/oldmain   # from the old code
    .venv/bin/python tools/make_dvh_engine_reference.py --check               # this checkout vs stored

``--code CHECKOUT`` computes with another checkout's ``rtreview`` (its ``app/`` imported through a
temporary ``rtreview`` symlink first on PYTHONPATH; refused unless that is what was imported), with
this checkout's tests/ helpers and data. Regenerate only when clinical numbers change on purpose
(tests/data/README.md), never for a speed-up: the stored result is the old code's. The Nelms
benchmark case is included when ``$RTREVIEW_SHARED`` (default ../shared) holds it.
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
TESTS = ROOT / "tests"
PROBE = ("import sys, json, rtreview; sys.path.insert(0, sys.argv[1]); import dvh_engine_reference as r; "
         "out = {c: r.case_fingerprint(c) for c in r.CASES if r.available(c)}; "
         "print(json.dumps({'module': rtreview.__file__, 'result': out}))")


def compute(code: Path | None) -> dict:
    app = ((code or ROOT) / "app").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(app, Path(tmp) / "rtreview")
        env = dict(os.environ, PYTHONPATH=tmp, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run([sys.executable, "-c", PROBE, str(TESTS)], capture_output=True, text=True, env=env,
                             cwd=tmp)
        if out.returncode != 0:
            raise SystemExit(f"rtreview of {code or ROOT} failed:\n{out.stderr[-3000:]}")
        got = json.loads(out.stdout.splitlines()[-1])
        if not got["module"].startswith(str(Path(tmp) / "rtreview")):
            raise SystemExit(f"imported {got['module']}, not {app}")
    return got["result"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, metavar="CHECKOUT", help="compute with this checkout's rtreview")
    parser.add_argument("--check", action="store_true", help="compare with the stored result; write nothing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(TESTS))
    import dvh_engine_reference as ref
    result = compute(args.code)
    if args.check:
        stored = ref.load_stored()
        bad = [f"{c}/{k}" for c in stored for k in stored[c] if result.get(c, {}).get(k) != stored[c][k]]
        bad += [f"{c}: not computed" for c in stored if c not in result]
        print("\n".join(bad[:20]) if bad else "equal to the stored result")
        return 1 if bad else 0
    ref.write_stored(result)
    print(f"wrote {ref.STORED.relative_to(ROOT)}: " + ", ".join(f"{c} {len(v)}" for c, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
