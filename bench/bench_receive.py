"""Receive throughput of the store SCP (`rtreview listen`) against dcmtk's storescp in the same run.

Writes N copies of a sample CT slice (new SOP Instance UIDs, one series) to bench/out/receive_src/,
then sends them with K concurrent dcmtk `storescu` processes (C++, so the sender is not the
bottleneck) to (a) `rtreview listen` and (b) dcmtk `storescp --fork` (the baseline: a C++ store SCP
that writes the files and nothing else), each on a free loopback port into a fresh folder. Prints
wall seconds, instances/s, MB/s and the ratio rtreview / storescp, and checks that every instance
arrived (rtreview: index rows and files; storescp: files). Needs Debian's dcmtk.

    .venv/bin/python bench/bench_receive.py [--instances 3000] [--associations 6] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pydicom import dcmread
from pydicom.uid import generate_uid

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_sources(count: int) -> list[Path]:
    folder = OUT / "receive_src"
    existing = sorted(folder.glob("*.dcm")) if folder.is_dir() else []
    if len(existing) == count:
        return existing
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    template = dcmread(REPO / "sample_dicom" / "CT_050.dcm")
    series = generate_uid()
    for k in range(count):
        template.SOPInstanceUID = template.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        template.SeriesInstanceUID = series
        template.InstanceNumber = k + 1
        template.save_as(folder / f"ct{k:05d}.dcm", enforce_file_format=True)
    return sorted(folder.glob("*.dcm"))


def send(files: list[Path], port: int, associations: int) -> float:
    """Wall seconds for K storescu processes to send their shares (each one association)."""
    start = time.perf_counter()
    procs = [subprocess.Popen(["storescu", "-aet", "TPS", "-aec", "RTREVIEW", "--max-pdu", "131072",
                               "127.0.0.1", str(port), *[str(p) for p in files[i::associations]]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(associations)]
    errors = [p.communicate()[1] for p in procs]
    elapsed = time.perf_counter() - start
    failed = [e.decode()[-300:] for p, e in zip(procs, errors) if p.returncode]
    if failed:
        raise SystemExit(f"storescu failed: {failed[0]}")
    return elapsed


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def run_rtreview(files, associations) -> tuple[float, int]:
    store = OUT / "receive_rtreview"
    shutil.rmtree(store, ignore_errors=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rtreview", "listen", "--port", str(port), "--store", str(store),
                             "--allow", "TPS"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        seconds = send(files, port, associations)
    finally:
        proc.terminate()
        proc.wait(30)
    from rtreview.core.node.index import StoreIndex
    rows = len(StoreIndex(store / "index.sqlite").instances())
    kept = len(list(store.rglob("*.dcm")))
    if rows != kept:
        raise SystemExit(f"index rows {rows} != files {kept}")
    return seconds, kept


def run_storescp(files, associations) -> tuple[float, int]:
    store = OUT / "receive_storescp"
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    port = free_port()
    proc = subprocess.Popen(["storescp", "--fork", "-aet", "RTREVIEW", "--max-pdu", "131072", "-od", str(store),
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        seconds = send(files, port, associations)
    finally:
        proc.terminate()
        proc.wait(30)
    return seconds, len([p for p in store.iterdir() if p.is_file()])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", type=int, default=3000)
    ap.add_argument("--associations", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    if not (shutil.which("storescu") and shutil.which("storescp")):
        print("needs dcmtk (apt-get install dcmtk)", file=sys.stderr)
        return 1
    files = make_sources(args.instances)
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"load: {os.getloadavg()[0]:.2f}; {len(files)} CT instances, {megabytes:.0f} MB, "
          f"{args.associations} concurrent associations")
    print(f"{'receiver':<10} {'run':>3} {'s':>7} {'inst/s':>8} {'MB/s':>7} {'kept':>6}")
    best = {}
    for run in range(args.repeat):
        for name, fn in (("rtreview", run_rtreview), ("storescp", run_storescp)):
            seconds, kept = fn(files, args.associations)
            if kept != len(files):
                raise SystemExit(f"{name}: {kept} of {len(files)} instances kept")
            best[name] = min(best.get(name, seconds), seconds)
            print(f"{name:<10} {run + 1:>3} {seconds:7.2f} {len(files) / seconds:8.0f} {megabytes / seconds:7.1f} {kept:>6}")
    print(f"ratio rtreview / storescp wall time (best of {args.repeat}): {best['rtreview'] / best['storescp']:.2f}; "
          f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
