#!/usr/bin/env python3
"""Dmin / Dmax / mean / volume of every ROI of the real planning-system exports, three ways.

    .venv/bin/python bench/real_exports.py [--set example|pinnacle|raystation ...] [--no-peer]
        [--opt end_caps=none ...] [--json OUT.json] [--markdown]

For each ROI with closed contours: our engine (``rtreview.core.dvh.compute_dvhs`` with the
structure set's contour spacing, as the loader and the CLI call it), the peer dicompyler-core
0.5.6 defaults (bench/.venv-peer, made by bench/setup_peer.sh; skipped when absent) and, where
the RT Dose carries them, the DVHs the planning system stored (DVHSequence; dicompyler-core
example only). From a stored cumulative curve Dmin is the lower edge of the first bin where the
volume drops below the whole volume, Dmax the upper edge of the last bin holding volume, the
mean the area under the curve / volume (bins of 0.01 Gy in that file).

Also prints per ROI its planes and the smallest / largest gap between neighbouring planes (mm).
Data: ``../shared/reference_dicom/`` (see its README).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
REF = REPO.parent / "shared" / "reference_dicom"
PEER_PYTHON = HERE / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = HERE / "peer_dicompyler.py"

SETS = {
    "example": ("dicompyler-core-example", "rtss.dcm", "rtdose.dcm"),
    "pinnacle": ("pinnacle-hn-anon99185", "RS.dcm", "RD.dcm"),
    "raystation": ("raystation-brain-srs", "RS1.2.752.243.1.1.20180405120828292.2900.76357.dcm", "RD_IMRT.dcm"),
}


def stored_stats(dose_gy: np.ndarray, volume: np.ndarray) -> dict:
    """Volume, Dmin, Dmax, mean of a stored cumulative curve (dose_gy = lower bin edges)."""
    v0 = float(volume[0])
    if v0 <= 0:
        return {}
    width = float(np.median(np.diff(dose_gy))) if dose_gy.size > 1 else 0.01
    below = np.flatnonzero(volume < v0 * (1 - 1e-9))
    held = np.flatnonzero(volume > 0)
    edges = np.append(dose_gy, dose_gy[-1] + width)
    # mean = integral of the cumulative curve over dose / volume (step curve on the bins)
    mean = float(np.sum(volume * np.diff(edges)) / v0)
    return {"volume_cc": v0,
            "min_gy": float(dose_gy[below[0] - 1]) if below.size and below[0] > 0 else 0.0,
            "max_gy": float(edges[held[-1] + 1]) if held.size else 0.0,
            "mean_gy": mean}


def ours(folder: Path, rs: str, rd: str, overrides: dict) -> tuple[dict, object]:
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import DvhOptions, compute_dvhs
    ss = read_structure_set(str(folder / rs))
    dose = read_dose(str(folder / rd))
    options = DvhOptions(**overrides) if overrides else DvhOptions()
    try:
        from rtreview.core.dvh.compute import options_for  # after issue 13b: the callers' options
        options = options_for(ss, options)
    except ImportError:
        pass
    dvhs = compute_dvhs(ss, dose, options)
    out = {}
    for roi in ss.rois:
        z = roi.plane_z_mm
        gaps = np.diff(z)
        row = {"name": roi.name, "planes": int(z.size),
               "gap_min": float(gaps.min()) if gaps.size else None,
               "gap_max": float(gaps.max()) if gaps.size else None}
        d = dvhs.get(roi.number)
        if d is not None:
            row.update(volume_cc=d.volume_cc, min_gy=d.min_gy, max_gy=d.max_gy, mean_gy=d.mean_gy,
                       notes=list(d.notes))
        else:
            row["skipped"] = dvhs.skipped.get(roi.number)
        out[roi.number] = row
    return out, dose


def peer(folder: Path, rs: str, rd: str) -> dict:
    if not PEER_PYTHON.exists():
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "peer.json"
        subprocess.run([str(PEER_PYTHON), str(PEER_SCRIPT), str(folder / rs), str(folder / rd), "-o", str(path)],
                       check=True)
        case = json.loads(path.read_text())["cases"][0]
    return {r["roi_number"]: r for r in case["rois"] if "error" not in r}


def _f(v, fmt="{:.2f}"):
    return "-" if v is None else fmt.format(v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", choices=sorted(SETS))
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--opt", action="append", default=[], help="DvhOptions KEY=VALUE (repeatable)")
    ap.add_argument("--json", help="write all numbers here")
    args = ap.parse_args(argv)
    overrides = {}
    for o in args.opt:
        key, _, value = o.partition("=")
        overrides[key] = {"true": True, "false": False}.get(value.lower(), value)
        try:
            overrides[key] = float(value) if "." in value else int(value)
        except ValueError:
            pass
    everything = {}
    for name in args.set or list(SETS):
        folder_name, rs, rd = SETS[name]
        folder = REF / folder_name
        if not (folder / rs).is_file():
            print(f"{name}: {folder} not found; skipped")
            continue
        mine, dose = ours(folder, rs, rd, overrides)
        theirs = {} if args.no_peer else peer(folder, rs, rd)
        stored = {n: stored_stats(*curve) for n, curve in dose.stored_dvhs.items()
                  if dose.stored_dvh_volume_units.get(n, "CM3") == "CM3"}
        print(f"\n## {name} ({folder_name})\n")
        head = "| ROI | name | planes | gaps mm | ours cc | min | max | mean |"
        sep = "|---|---|---|---|---|---|---|---|"
        if theirs:
            head += " peer cc | min | max | mean |"
            sep += "---|---|---|---|"
        if stored:
            head += " TPS cc | min | max | mean |"
            sep += "---|---|---|---|"
        print(head)
        print(sep)
        for number, row in mine.items():
            if "volume_cc" not in row:
                continue
            gaps = "-" if row["gap_min"] is None else (
                f"{row['gap_min']:.1f}" if abs(row["gap_max"] - row["gap_min"]) < 0.05
                else f"{row['gap_min']:.1f}-{row['gap_max']:.1f}")
            line = (f"| {number} | {row['name']} | {row['planes']} | {gaps} | {_f(row['volume_cc'])} | "
                    f"{_f(row['min_gy'])} | {_f(row['max_gy'])} | {_f(row['mean_gy'])} |")
            if theirs:
                p = theirs.get(number, {})
                line += f" {_f(p.get('volume_cc'))} | {_f(p.get('min_gy'))} | {_f(p.get('max_gy'))} | {_f(p.get('mean_gy'))} |"
            if stored:
                s = stored.get(number, {})
                line += f" {_f(s.get('volume_cc'))} | {_f(s.get('min_gy'))} | {_f(s.get('max_gy'))} | {_f(s.get('mean_gy'))} |"
            print(line)
        everything[name] = {"ours": mine, "peer": {str(k): v for k, v in theirs.items()},
                            "stored": {str(k): v for k, v in stored.items()}}
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
