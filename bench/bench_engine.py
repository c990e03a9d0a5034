#!/usr/bin/env python3
"""The DVH engine alone: another checkout's code (the baseline, e.g. main) against this one,
timed interleaved in the same run, and every number compared bit for bit.

    .venv/bin/python bench/bench_engine.py --base /work/main [--cases sample,large] [--rounds 3] [--repeat 3]
    .venv/bin/python bench/bench_engine.py --base /work/main --check-only --cases all

Each case's files are read by a worker process of each checkout (its own ``rtreview``, imported
from its ``app/`` through a temporary ``rtreview`` symlink first on PYTHONPATH); reading is not
timed. The worker then runs ``compute_dvhs`` (default options) over every (structure set, dose)
of the case once (cold) and ``--repeat`` more times; the figure is the median of the warm runs
over all ``--rounds`` (base and ours alternate round by round). Every DVH's arrays (curves and
samples), statistics and to_json() entry (its Dx metrics) are hashed (bytes, dtype and shape; repr
of scalars and notes) and the
two checkouts' hashes must be equal: the engine must not change a single number.

Cases: sample (sample_dicom/), large (bench/out/large_case, bench/make_large_case.py),
clinical (bench/out/clinical_case, bench/make_clinical_case.py), the vendored reference sets
(breast = dicompyler-core-example, pinnacle, raystation, pydicom: tests/data/reference_dicom) and
nelms (every runnable row of the Nelms benchmark's cases.csv, compute_dvh per row; read from
$RTREVIEW_SHARED/reference_dicom/nelms_dvh_benchmark, skipped when absent).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ALL = ("sample", "large", "clinical", "breast", "pinnacle", "raystation", "pydicom", "nelms")
ARRAYS = ("dose_gy", "cumulative_cc", "differential_cc", "sample_dose_gy", "sample_volume_cc")
SCALARS = ("roi_number", "name", "volume_cc", "covered_volume_cc", "min_gy", "mean_gy", "max_gy", "bin_width_gy",
           "notes", "prescription_gy")


def shared() -> Path:
    return Path(os.environ.get("RTREVIEW_SHARED", ROOT.parent / "shared"))


def case_inputs(case: str):
    """[(structure_set, dose, prescription_gy or None, rois or None)] of a case, read by the imported rtreview."""
    sys.path.insert(0, str(ROOT / "tests"))
    from rtreview.core.dicom.loader import load
    if case == "nelms":
        from rtreview.core.dicom.rtdose import read_dose
        from rtreview.core.dicom.rtstruct import read_structure_set
        folder = shared() / "reference_dicom" / "nelms_dvh_benchmark"
        with open(folder / "cases.csv", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["available"] == "1"]
        structures, doses, out = {}, {}, []
        for r in rows:
            s = structures.setdefault(r["structure_file"], read_structure_set(str(folder / r["structure_file"])))
            d = doses.setdefault(r["dose_file"], read_dose(str(folder / r["dose_file"])))
            out.append((s, d, None, [int(r["roi_number"])]))
        return out
    if case in ("sample", "large", "clinical"):
        folder = {"sample": ROOT / "sample_dicom", "large": HERE / "out" / "large_case",
                  "clinical": HERE / "out" / "clinical_case"}[case]
    else:
        from reference_data import unpacked_reference_dicom
        name = {"breast": "dicompyler-core-example", "pinnacle": "pinnacle-hn-anon99185",
                "raystation": "raystation-brain-srs", "pydicom": "pydicom-testdata"}[case]
        folder = unpacked_reference_dicom() / name
    links = [link for link in load(str(folder)).links if link.structure_set is not None and link.dose is not None]
    return [(link.structure_set, link.dose, link.plan.prescription_gy if link.plan else None, None) for link in links]


def fingerprint(results_list) -> dict:
    import numpy as np
    out = {}
    for n, results in enumerate(results_list):
        for number, dvh in results.items():
            h = hashlib.sha256()
            for k in ARRAYS:
                a = np.ascontiguousarray(getattr(dvh, k))
                h.update(f"{k}{a.dtype}{a.shape}".encode())
                h.update(a.tobytes())
            for k in SCALARS:
                h.update(f"{k}={getattr(dvh, k)!r};".encode())
            h.update(json.dumps(dvh.to_json()).encode())  # metrics as rtreview dvh writes them
            out[f"{n}:{number}"] = h.hexdigest()
        for number, reason in sorted(results.skipped.items()):
            out[f"{n}:{number}:skipped"] = reason
        for number, points in sorted(results.points.items()):
            out[f"{n}:{number}:points"] = repr(points)
    return out


def worker(case: str, repeat: int) -> dict:
    import warnings
    warnings.simplefilter("ignore")
    import rtreview
    from rtreview.core.dvh import compute_dvhs
    from rtreview.core.dvh.compute import DvhResults, compute_dvh
    jobs = case_inputs(case)

    def run():
        out = []
        for structure_set, dose, rx, rois in jobs:
            if rois is None:
                out.append(compute_dvhs(structure_set, dose, prescription_gy=rx))
            else:
                results = DvhResults()
                for number in rois:
                    results[number] = compute_dvh(structure_set.roi(number), dose)
                out.append(results)
        return out

    t, c = time.perf_counter(), time.process_time()
    first = run()
    cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
    warm, warm_cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        run()
        warm.append(time.perf_counter() - t)
        warm_cpu.append(time.process_time() - c)
    return {"module": rtreview.__file__, "cold": cold, "warm": warm, "cold_cpu": cold_cpu, "warm_cpu": warm_cpu,
            "hashes": fingerprint(first)}


def run_worker(code: Path, case: str, repeat: int) -> dict:
    app = (code / "app").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(app, Path(tmp) / "rtreview")
        env = dict(os.environ, PYTHONPATH=tmp, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run([sys.executable, __file__, "--worker", case, "--repeat", str(repeat)], env=env,
                             cwd=tmp, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"worker {code} {case} failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.splitlines()[-1])
        if not result["module"].startswith(str(Path(tmp) / "rtreview")):
            raise SystemExit(f"worker imported {result['module']}, not {code}'s")
        return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the baseline checkout (e.g. /work/main)")
    parser.add_argument("--cases", default="sample,large")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check-only", action="store_true", help="one round, no warm repeats: compare numbers")
    parser.add_argument("--worker", metavar="CASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return 0
    if args.base is None:
        parser.error("--base is required")
    cases = ALL if args.cases == "all" else tuple(args.cases.split(","))
    rounds, repeat = (1, 0) if args.check_only else (args.rounds, args.repeat)
    if "large" in cases and not (HERE / "out" / "large_case" / "RD.large_case.dcm").is_file():
        subprocess.run([sys.executable, str(HERE / "make_large_case.py")], check=True)
    if "clinical" in cases and not (HERE / "out" / "clinical_case" / "RS.dcm").is_file():
        subprocess.run([sys.executable, str(HERE / "make_clinical_case.py"), str(HERE / "out" / "clinical_case")],
                       check=True)
    if "nelms" in cases and not (shared() / "reference_dicom" / "nelms_dvh_benchmark" / "cases.csv").is_file():
        print("nelms: benchmark not found (set RTREVIEW_SHARED); skipped")
        cases = tuple(c for c in cases if c != "nelms")
    load = lambda: " ".join(f"{v:.2f}" for v in os.getloadavg())  # noqa: E731
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  base {args.base}  ours {ROOT}  load {load()}")
    print(f"{'case':<11} {'DVHs':>5} {'base cold':>10} {'ours cold':>10} {'base warm':>10} {'ours warm':>10} "
          f"{'speed-up':>9} {'CPU warm base/ours':>19} {'CPU x':>6} {'same':>5}  load")
    failed = False
    for case in cases:
        got = {"base": [], "ours": []}
        for r in range(rounds):
            order = (("base", args.base), ("ours", ROOT)) if r % 2 == 0 else (("ours", ROOT), ("base", args.base))
            for name, code in order:
                got[name].append(run_worker(code, case, repeat))
        same = all(g["hashes"] == got["base"][0]["hashes"] for g in got["base"] + got["ours"])
        if not same:
            failed = True
            a, b = got["base"][0]["hashes"], got["ours"][0]["hashes"]
            diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
            print(f"  {case}: {len(diff)} of {len(a)} results differ: {diff[:12]}")
        med = {k: (statistics.median(g["cold"] for g in v),
                   statistics.median([w for g in v for w in g["warm"]]) if repeat else float("nan"))
               for k, v in got.items()}
        speed = med["base"][1] / med["ours"][1] if repeat else med["base"][0] / med["ours"][0]
        key = "warm_cpu" if repeat else "cold_cpu"
        cpu = {k: statistics.median([w for g in v for w in (g[key] if repeat else [g[key]])]) for k, v in got.items()}
        print(f"{case:<11} {len(got['base'][0]['hashes']):>5} {med['base'][0]:>10.3f} {med['ours'][0]:>10.3f} "
              f"{med['base'][1]:>10.3f} {med['ours'][1]:>10.3f} {speed:>8.2f}x {cpu['base']:>9.3f}/{cpu['ours']:<9.3f} "
              f"{cpu['base'] / cpu['ours']:>5.2f}x {str(same):>5}  {load()}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
