#!/usr/bin/env python3
"""``rtreview dvh`` as a whole process (start-up, imports, reading, DVHs, JSON written) against
dicompyler-core's whole process on the same files, and against older code of ours.

    .venv/bin/python bench/bench_cli.py [--cases sample,large] [--repeat 5] [--rev GIT_REV ...]
        [--no-peer] [--json bench/out/cli.json]

Cases: ``sample`` (sample_dicom/, two plans, 18 ROIs), ``large`` (bench/make_large_case.py,
made when missing), ``clinical`` (bench/make_clinical_case.py: 300-slice CT, 60 ROIs, two doses;
made when missing, about 1 GB of disk: not in the default list).

Commands, each a fresh process whose stdout goes to a file in bench/out/:
- ``ours``: ``python -c 'from rtreview.cli.main import main' dvh CASE`` with the working tree's
  ``app/`` as ``rtreview``; ``ours@REV``: the same with ``git archive REV app`` (a baseline of
  older code measured in the same run);
- ``peer``: ``bench/.venv-peer/bin/python bench/peer_dicompyler.py --jobs ... --curves`` (reads
  each plan's RTSTRUCT and RTDOSE, all ROIs, JSON with the cumulative curves), the peer's whole
  process. Made by bench/setup_peer.sh; skipped with a message when absent.

Every command runs once unmeasured (pyc files, page cache), then ``--repeat`` times interleaved
(round-robin, so the machine's load hits all alike). Per process: wall seconds, CPU seconds
(user + system of that process, from wait4) and peak RSS. The machine is shared: the load
average is printed with every round; judge on the CPU ratios when the wall times are noisy.
"""
from __future__ import annotations

import argparse
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
OUT = HERE / "out"
PEER_PY = HERE / ".venv-peer" / "bin" / "python"
LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from rtreview.cli.main import main; sys.exit(main())"


def case_paths(name: str) -> tuple[Path, list[tuple[Path, Path]]]:
    """(path given to rtreview dvh, [(RTSTRUCT, RTDOSE) per plan for the peer])."""
    if name == "sample":
        folder = ROOT / "sample_dicom"
        rs = next(folder.glob("RS*.dcm"))
        return folder, [(rs, d) for d in sorted(folder.glob("RD*.dcm"))]
    if name == "large":
        folder = OUT / "large_case"
        if not (folder / "RD.large_case.dcm").is_file():
            subprocess.run([sys.executable, str(HERE / "make_large_case.py")], check=True)
        return folder, [(folder / "RS.large_case.dcm", folder / "RD.large_case.dcm")]
    if name == "clinical":
        folder = OUT / "clinical_case"
        if not (folder / "RS.dcm").is_file():
            subprocess.run([sys.executable, str(HERE / "make_clinical_case.py"), str(folder)], check=True)
        rs = folder / "RS.dcm"
        return folder, [(rs, d) for d in sorted(folder.glob("RD*.dcm"))]
    raise SystemExit(f"unknown case {name!r}")


def code_dirs(revs: list[str], tmp: Path) -> list[tuple[str, Path]]:
    """(label, folder holding an ``rtreview`` package) for the working tree and each revision."""
    out = []
    here = tmp / "worktree"
    here.mkdir()
    (here / "rtreview").symlink_to(ROOT / "app")
    out.append(("ours", here))
    for rev in revs:
        target = tmp / f"rev_{rev}"
        target.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "app"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        (target / "rtreview").symlink_to("app")
        out.append((f"ours@{rev}", target))
    return out


def run_once(argv: list[str], stdout_path: Path) -> dict:
    """One process: wall s, CPU s (user + sys, from wait4), peak RSS MB, exit status."""
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv[:4]))}... exit {proc.returncode}: {err.decode()[-500:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "out_bytes": stdout_path.stat().st_size}


def commands(case: str, codes, peer: bool, tmp: Path) -> list[tuple[str, list[str]]]:
    target, pairs = case_paths(case)
    out = [(label, [sys.executable, "-c", LAUNCH, str(code), "dvh", str(target)]) for label, code in codes]
    if peer and PEER_PY.is_file():
        jobs = tmp / f"jobs_{case}.json"
        jobs.write_text(json.dumps([{"key": d.name, "rtstruct": str(s), "rtdose": str(d), "rois": None}
                                    for s, d in pairs]))
        out.append(("peer", [str(PEER_PY), str(HERE / "peer_dicompyler.py"), "--jobs", str(jobs), "--curves"]))
    elif peer:
        print(f"peer skipped: {PEER_PY} missing (run bench/setup_peer.sh)")
    return out


def load_text() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="sample,large")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rev", action="append", default=[], help="also run this git revision (baseline)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"repeat": args.repeat, "load_before": os.getloadavg(), "cases": {}}
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {os.cpu_count()} CPUs  {load_text()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        codes = code_dirs(args.rev, tmp)
        for case in args.cases.split(","):
            cmds = commands(case, codes, not args.no_peer, tmp)
            runs: dict[str, list[dict]] = {label: [] for label, _ in cmds}
            for label, argv_ in cmds:  # warm-up, not measured
                run_once(argv_, OUT / f"cli_{case}_{label.replace('@', '_')}.out")
            for r in range(args.repeat):
                for label, argv_ in cmds:
                    runs[label].append(run_once(argv_, OUT / f"cli_{case}_{label.replace('@', '_')}.out"))
                print(f"  {case} round {r + 1}/{args.repeat}  {load_text()}", flush=True)
            report["cases"][case] = {label: _summary(rs) for label, rs in runs.items()}
            _print_case(case, report["cases"][case])
    report["load_after"] = os.getloadavg()
    print(f"done {time.strftime('%H:%M:%S')}  {load_text()}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _summary(runs: list[dict]) -> dict:
    wall, cpu = [r["wall_s"] for r in runs], [r["cpu_s"] for r in runs]
    return {"wall_min": min(wall), "wall_median": statistics.median(wall), "cpu_min": min(cpu),
            "cpu_median": statistics.median(cpu), "rss_mb": max(r["rss_mb"] for r in runs),
            "out_bytes": runs[-1]["out_bytes"], "runs": runs}


def _print_case(case: str, rows: dict) -> None:
    ours = rows["ours"]
    print(f"\n{case}: seconds per whole process (min / median of the repeats)")
    print(f"  {'command':<16} {'wall min':>8} {'wall med':>8} {'CPU min':>8} {'CPU med':>8} {'RSS MB':>7} "
          f"{'out MB':>7} {'x ours wall':>11} {'x ours CPU':>10}")
    for label, s in rows.items():
        print(f"  {label:<16} {s['wall_min']:>8.3f} {s['wall_median']:>8.3f} {s['cpu_min']:>8.3f} "
              f"{s['cpu_median']:>8.3f} {s['rss_mb']:>7.0f} {s['out_bytes'] / 1e6:>7.2f} "
              f"{s['wall_median'] / ours['wall_median']:>10.1f}x {s['cpu_median'] / ours['cpu_median']:>9.1f}x")


if __name__ == "__main__":
    sys.exit(main())
