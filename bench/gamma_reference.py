#!/usr/bin/env python3
"""Compare rtreview's gamma (rtreview.core.compare.gamma) with pymedphys' (the reference).

    bench/setup_gamma_peer.sh                       # once: pymedphys in bench/.venv-gamma
    .venv/bin/python bench/gamma_reference.py        # print the agreement and the times
    .venv/bin/python bench/gamma_reference.py --write-reference   # refresh the test data

Data: the synthetic pair of tests/gamma_support.py (the same the test uses), and the
dicompyler-core example's real RT Dose against a copy moved 1.5 mm in y and scaled by 2 %.
Both implementations get the same arrays and axes; global gamma, 10 % low-dose cut-off of the
reference maximum, max gamma 2, pymedphys interp_fraction 10 (our steps_per_dta 10).
Agreement printed: pass rates, |difference| of gamma per point (mean, 99th percentile, max).
``--write-reference`` stores pymedphys' pass rates and its gamma at 3000 seeded sample points of
the synthetic pair in tests/data/gamma_reference/pymedphys_gamma.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from gamma_support import gamma_pair  # noqa: E402
from rtreview.core.compare.gamma import GammaCriteria, gamma_index  # noqa: E402

PEER = HERE / ".venv-gamma" / "bin" / "python"
CRITERIA = (GammaCriteria(3.0, 3.0), GammaCriteria(2.0, 2.0))
PEER_CODE = r"""
import json, sys, time
import numpy as np
import pymedphys
d = np.load(sys.argv[1])
axes = (d["z"], d["y"], d["x"])
out = {}
for dp, dta in json.loads(sys.argv[2]):
    t = time.perf_counter()
    g = pymedphys.gamma(axes, d["ref"], axes, d["ev"], dose_percent_threshold=dp, distance_mm_threshold=dta,
                        lower_percent_dose_cutoff=10, interp_fraction=10, max_gamma=2, local_gamma=False,
                        quiet=True)
    out[f"{dp}/{dta}"] = time.perf_counter() - t
    np.save(sys.argv[3] + f"_{dp}_{dta}.npy", g)
print(json.dumps(out))
"""


def peer_gamma(grid, ref, ev):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "pair.npz")
        np.savez(data, x=grid[0], y=grid[1], z=grid[2], ref=ref, ev=ev)
        crit = json.dumps([[c.dose_percent, c.distance_mm] for c in CRITERIA])
        run = subprocess.run([str(PEER), "-c", PEER_CODE, data, crit, os.path.join(tmp, "g")],
                             capture_output=True, text=True, check=True)
        times = json.loads(run.stdout.strip().splitlines()[-1])
        maps = {c.label: np.load(os.path.join(tmp, f"g_{c.dose_percent}_{c.distance_mm}.npy")) for c in CRITERIA}
    return maps, times


def compare(name, grid, ref, ev):
    maps, times = peer_gamma(grid, ref, ev)
    rows = []
    for c in CRITERIA:
        t = time.perf_counter()
        ours = gamma_index(ref, ev, grid, c)
        ours_s = time.perf_counter() - t
        theirs = maps[c.label]
        both = np.isfinite(theirs) & np.isfinite(ours.gamma)
        their_rate = 100.0 * np.count_nonzero(theirs[np.isfinite(theirs)] <= 1) / np.count_nonzero(np.isfinite(theirs))
        diff = np.abs(np.minimum(theirs[both], 2.0) - ours.gamma[both])
        peer_s = times[f"{c.dose_percent}/{c.distance_mm}"]
        rows.append((c, ours, theirs, their_rate))
        print(f"{name:22s} {c.label:9s} pass ours {ours.pass_rate_percent:6.2f} %  pymedphys {their_rate:6.2f} %  "
              f"points ours {ours.evaluated} / theirs {np.count_nonzero(np.isfinite(theirs))}  "
              f"|dgamma| mean {diff.mean():.4f} p99 {np.percentile(diff, 99):.4f} max {diff.max():.4f}  "
              f"time ours {ours_s:.2f} s pymedphys {peer_s:.2f} s ({peer_s / ours_s:.1f}x)")
    return rows


def real_pair():
    from rtreview.core.dicom.rtdose import read_dose
    path = ROOT.parent / "shared" / "reference_dicom" / "dicompyler-core-example" / "rtdose.dcm"
    if not path.exists():
        path = Path("/work/shared/reference_dicom/dicompyler-core-example/rtdose.dcm")
    dose = read_dose(str(path))
    from rtreview.core.compare.resample import dose_on_grid
    m = np.eye(4)
    m[1, 3] = -1.5  # evaluated(p) = 1.02 * dose(p - 1.5 mm in y): the dose moved +1.5 mm in y
    ev = 1.02 * dose_on_grid(dose, (dose.x_mm, dose.y_mm, dose.z_mm), m)
    return (dose.x_mm, dose.y_mm, dose.z_mm), np.asarray(dose.dose_gy, float), ev


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-reference", action="store_true")
    args = ap.parse_args()
    if not PEER.exists():
        print("no bench/.venv-gamma: run bench/setup_gamma_peer.sh first", file=sys.stderr)
        return 1
    print(f"load: {os.getloadavg()[0]:.2f}")
    grid, ref, ev = gamma_pair()
    rows = compare("synthetic pair", grid, ref, ev)
    compare("dicompyler-core dose", *real_pair())
    if args.write_reference:
        rng = np.random.default_rng(20240601)
        out = {"source": "pymedphys 0.41.0 pymedphys.gamma (Apache-2.0), run by bench/gamma_reference.py "
                         "on tests/gamma_support.gamma_pair(); lower_percent_dose_cutoff=10, interp_fraction=10, "
                         "max_gamma=2, global", "shape": list(ref.shape), "reference_max_gy": float(ref.max()),
               "criteria": []}
        for c, _ours, theirs, rate in rows:
            finite = np.flatnonzero(np.isfinite(theirs.reshape(-1)))
            sample = np.sort(rng.choice(finite, size=min(3000, finite.size), replace=False))
            out["criteria"].append({"dose_percent": c.dose_percent, "distance_mm": c.distance_mm,
                                    "cutoff_percent": c.cutoff_percent, "max_gamma": c.max_gamma,
                                    "evaluated_points": int(finite.size), "pass_rate_percent": round(rate, 4),
                                    "sample_index": sample.tolist(),
                                    "sample_gamma": [round(float(v), 5) for v in
                                                     np.minimum(theirs.reshape(-1)[sample], 2.0)]})
        target = ROOT / "tests" / "data" / "gamma_reference" / "pymedphys_gamma.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(out, separators=(",", ":")) + "\n")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
