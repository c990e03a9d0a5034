#!/usr/bin/env python3
"""Peak memory of loading a large case (512 x 512 x 400 CT + 1 mm dose grid) and of its DVHs.

    .venv/bin/python bench/bench_memory.py [--data DIR] [--rev GIT_REV ...] [--keep]

Writes the case with bench/make_large_ct.py into a temporary folder (or uses --data), then, in
a fresh child process per code version (the working tree, plus each --rev extracted with
``git archive`` for a before/after comparison), measures: RSS after imports, the peak RSS
(VmHWM) after ``load()``, the bytes of the loaded arrays (CT HU + dose), and the peak after
the DVHs of BODY and PTV. Prints one table; numbers in MB (10^6 bytes).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024 / 1e6
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import DvhOptions, compute_dvhs
base = status("VmRSS")
start = time.perf_counter()
case = load(sys.argv[2])
load_s = time.perf_counter() - start
link = case.links[0]
arrays = (link.ct.hu.nbytes if link.ct is not None else 0) + link.dose.dose_gy.nbytes
peak_load = status("VmHWM")
start = time.perf_counter()
dvhs = compute_dvhs(link.structure_set, link.dose, DvhOptions())
dvh_s = time.perf_counter() - start
print(json.dumps({"base": base, "peak_load": peak_load, "arrays": arrays / 1e6, "load_s": load_s,
                  "peak_dvh": status("VmHWM"), "dvh_s": dvh_s, "ct": list(link.ct.hu.shape) if link.ct is not None else None,
                  "ct_dtype": str(link.ct.hu.dtype) if link.ct is not None else None,
                  "dose": list(link.dose.shape), "dose_dtype": str(link.dose.dose_gy.dtype),
                  "body_cc": round(dvhs[1].volume_cc, 1), "errors": [str(i) for i in case.report.errors]}))
"""


def measure(code_root: Path, data: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(code_root), str(data)], capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing case folder (default: generate one)")
    parser.add_argument("--rev", action="append", default=[], help="also measure this git revision")
    parser.add_argument("--keep", action="store_true", help="keep the generated case folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tempfile.mkdtemp()) if args.keep else Path(tmp) / "large_ct"
            subprocess.run([sys.executable, "-W", "ignore", str(ROOT / "bench" / "make_large_ct.py"), str(data)],
                           check=True)
        versions = [("working tree", ROOT)]
        for rev in args.rev:
            target = Path(tmp) / f"rev_{rev}"
            target.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "app"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
            # The source folder is app/; since the package is installed as `rtreview`, the child
            # imports that name (older revisions import `app` internally, which is there too).
            (target / "rtreview").symlink_to("app")
            versions.append((rev, target))
        print(f"case: {data}")
        print(f"{'code':<14} {'imports':>8} {'peak load':>10} {'arrays':>8} {'overhead':>9} {'load s':>7} "
              f"{'peak DVH':>9} {'DVH s':>6}  shapes")
        for label, code in versions:
            m = measure(code, data)
            if "error" in m:
                print(f"{label:<14} failed: {m['error']}")
                continue
            overhead = m["peak_load"] - m["base"] - m["arrays"]
            print(f"{label:<14} {m['base']:>8.0f} {m['peak_load']:>10.0f} {m['arrays']:>8.0f} {overhead:>9.0f} "
                  f"{m['load_s']:>7.1f} {m['peak_dvh']:>9.0f} {m['dvh_s']:>6.1f}  CT {m['ct']} {m['ct_dtype']}, "
                  f"dose {m['dose']} {m['dose_dtype']}{'; errors: ' + '; '.join(m['errors']) if m['errors'] else ''}")
        if args.keep and args.data is None:
            print(f"kept {data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
