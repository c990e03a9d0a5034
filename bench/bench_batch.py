#!/usr/bin/env python3
"""Throughput of ``rtreview batch`` (plans per minute) with 1 and 2 worker processes and on a
Dask LocalCluster (2 worker processes, 1 thread each, loopback), on the same synthetic cohort.

    .venv/bin/python bench/bench_batch.py                      # 16 patients, 1 repeat
    .venv/bin/python bench/bench_batch.py --patients 16 --repeat 2 --json bench/out/batch.json

Also shown: the serial runner in this (already warm) process, the reference without any worker
start-up.
The cohort (tools/make_cohort.py, seed 3) is generated once into bench/out/cohort_N unless it
is there. Each configuration runs the whole cohort into a fresh SQLite file (``--recompute`` is
not needed: a new file each time) through ``run_batch``; the figure is plans / wall minutes of
the whole run (discovery, worker start-up and storing included; the Dask cluster's own start-up
is not). CPU seconds of this process and its children are reported beside the wall time (the
machine is shared; Dask workers' CPU is not included: they outlive the run). Configurations
run interleaved per repeat; the best run is kept.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from rtreview.core.cohort.batch import run_batch  # noqa: E402


def cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ensure_cohort(n: int) -> Path:
    out = HERE / "out" / f"cohort_{n}"
    if not out.is_dir() or len(list(out.iterdir())) < n:
        from make_cohort import make_cohort
        t0 = time.perf_counter()
        make_cohort(n, out, seed=3, zip_every=3, jobs=2)
        print(f"generated {n} patients into {out} in {time.perf_counter() - t0:.0f} s")
    return out


def one_run(cohort: Path, label: str, **kwargs) -> dict:
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet:
        c0, t0 = cpu_s(), time.perf_counter()
        summary = run_batch(cohort, Path(tmp) / "bench.sqlite", tty=False, stream=quiet, **kwargs)
        wall = time.perf_counter() - t0
        cpu = cpu_s() - c0
    assert summary.ok, summary.lines()
    return {"config": label, "plans": summary.plans, "patients": len(summary.done), "wall_s": wall,
            "cpu_s_local": cpu, "plans_per_min": 60.0 * summary.plans / wall}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    cohort = ensure_cohort(args.patients)
    from dask.distributed import LocalCluster

    best: dict[str, dict] = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        configs = [("in-process (serial)", dict(workers=1)), ("pool, 1 worker process", dict(workers=1, runner="pool")),
                   ("pool, 2 worker processes", dict(workers=2)),
                   ("Dask LocalCluster 2x1", dict(scheduler=cluster.scheduler_address))]
        for _ in range(args.repeat):
            for label, kwargs in configs:
                run = one_run(cohort, label, **kwargs)
                if label not in best or run["plans_per_min"] > best[label]["plans_per_min"]:
                    best[label] = run
    load = os.getloadavg()[0]
    print(f"cohort: {args.patients} patients, {next(iter(best.values()))['plans']} plans; "
          f"{os.cpu_count()} cores; 1-min load average {load:.1f}")
    print(f"{'configuration':<28} {'plans/min':>10} {'wall s':>8} {'CPU s (local)':>14}")
    for run in best.values():
        print(f"{run['config']:<28} {run['plans_per_min']:>10.1f} {run['wall_s']:>8.1f} {run['cpu_s_local']:>14.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"load_average_1min": load, "runs": list(best.values())}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
