#!/usr/bin/env python3
"""Compute DVHs with the PEER engine, dicompyler-core, and print them as JSON.

Runs INSIDE bench/.venv-peer (made by bench/setup_peer.sh): dicompyler-core 0.5.6, pydicom 2.4.5.
It never imports rtreview, and rtreview never imports it; bench/bench_dvh.py and
bench/nelms_score.py call it through a subprocess.

    bench/.venv-peer/bin/python bench/peer_dicompyler.py RTSTRUCT RTDOSE [--roi N ...]
        [--mode default|best] [--interp-factor 4] [--segments 2] [--no-extents] [--curves]
    bench/.venv-peer/bin/python bench/peer_dicompyler.py --jobs JOBS.json [--mode ...] [--curves]

JOBS.json is a list of {"key": any, "rtstruct": path, "rtdose": path, "rois": [int, ...] or null}.

Modes
  default  ``dicompylercore.dvhcalc.get_dvh(rtss, rtdose, roi)`` with its defaults: dose voxels
           whose centres fall inside each contour (matplotlib Path.contains_points), the
           contour plane's slab = the structure's plane spacing, dose taken from the nearest
           dose plane (or linearly between two), 1 cGy bins.
  best     dicompyler-core's accuracy options: ``interpolation_resolution`` = dose pixel spacing
           / --interp-factor (it must be spacing/2^n), ``interpolation_segments_between_planes``
           = --segments, ``use_structure_extents`` = True (unless --no-extents).

Timing (seconds, time.perf_counter, per ROI) -- file reading is NOT in the per-ROI times:
  read_s   once per case: pydicom.dcmread of both files, decoding the dose pixel array and
           converting every ContourData (pydicom converts lazily; done here so it is not
           charged to the first ROI). This is the peer's "file reading".
  parse_s  what get_dvh does before computing: DicomParser on both datasets, GetStructures,
           GetStructureCoordinates(roi) (ContourData -> Python lists), CalculatePlaneThickness.
  calc_s   the DVH computation proper: _calculate_dvh + building the cumulative dvh.DVH, exactly
           as get_dvh does.
  total_s  parse_s + calc_s = the cost of one get_dvh(ds_rtss, ds_dose, roi) call on datasets
           already in memory.
  *_cpu_s  the same phases in CPU seconds of this process (time.process_time): less sensitive to
           other work running on the machine.
Metrics (min/max/mean/D..) are read from the DVH after the clock stops.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

METRICS_PCT = (99, 98, 95, 50, 5, 2, 1)
METRICS_CC = (0.03, 2.0)


def _versions() -> dict:
    import importlib.metadata as md
    out = {}
    for p in ("dicompyler-core", "pydicom", "numpy", "matplotlib", "scikit-image"):
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = None
    out["python"] = sys.version.split()[0]
    return out


def _num(x):
    """float, or None for NaN/inf/None (JSON has no NaN)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def read_case(rtstruct_path: str, rtdose_path: str):
    """Read both files and force pydicom's lazy conversions; return (rtss_ds, dose_ds, seconds)."""
    import pydicom
    t0 = time.perf_counter()
    rtss = pydicom.dcmread(rtstruct_path, force=True)
    dose = pydicom.dcmread(rtdose_path, force=True)
    _ = dose.pixel_array  # pydicom caches the decoded array on the dataset
    for roi_contour in rtss.get("ROIContourSequence", []):
        for contour in roi_contour.get("ContourSequence", []):
            _ = contour.get("ContourData")
    return rtss, dose, time.perf_counter() - t0


def roi_numbers(rtss) -> list[int]:
    return [int(r.ROINumber) for r in rtss.get("StructureSetROISequence", [])]


def peer_settings(mode: str, dose_ds, interp_factor: int, segments: int, extents: bool) -> dict:
    if mode == "default":
        return {}
    if mode != "best":
        raise ValueError(f"unknown mode {mode!r}")
    row_mm, col_mm = (float(v) for v in dose_ds.PixelSpacing)
    return {
        "interpolation_resolution": (row_mm / interp_factor, col_mm / interp_factor),
        "interpolation_segments_between_planes": int(segments),
        "use_structure_extents": bool(extents),
    }


def dvh_one(rtss_ds, dose_ds, roi: int, settings: dict):
    """Mirror of dicompylercore.dvhcalc.get_dvh with the parse and compute phases timed apart.

    Returns (cumulative dvh.DVH, structure dict, parse_s, calc_s).
    """
    import numpy as np
    from dicompylercore import dicomparser, dvh, dvhcalc

    c0 = time.process_time()
    t0 = time.perf_counter()
    rtss = dicomparser.DicomParser(rtss_ds)
    rtdose = dicomparser.DicomParser(dose_ds)
    structures = rtss.GetStructures()
    s = structures[roi]
    s["planes"] = rtss.GetStructureCoordinates(roi)
    s["thickness"] = rtss.CalculatePlaneThickness(s["planes"])
    t1 = time.perf_counter()
    c1 = time.process_time()
    s["plane_thickness_mm"] = s["thickness"]  # _calculate_dvh divides it in 'best' mode
    calcdvh = dvhcalc._calculate_dvh(
        s, rtdose, None, True,
        settings.get("use_structure_extents", False),
        settings.get("interpolation_resolution", None),
        settings.get("interpolation_segments_between_planes", 0),
        None)
    result = dvh.DVH(counts=calcdvh.histogram,
                     bins=(np.arange(0, 2) if (calcdvh.histogram.size == 1) else
                           np.arange(0, calcdvh.histogram.size + 1) / 100),
                     dvh_type="differential", dose_units="Gy",
                     notes=calcdvh.notes, name=s["name"]).cumulative
    t2 = time.perf_counter()
    s["calc_cpu_s"] = time.process_time() - c1
    s["parse_cpu_s"] = c1 - c0
    return result, s, t1 - t0, t2 - t1


def metrics(d) -> dict:
    """The peer's own statistics of a cumulative dicompyler DVH (its own lookup, no interpolation)."""
    out = {"volume_cc": _num(d.volume)}
    empty = not d.volume or d.volume <= 0
    for name, attr in (("min_gy", "min"), ("max_gy", "max"), ("mean_gy", "mean")):
        out[name] = None if empty else _num(getattr(d, attr))
    for p in METRICS_PCT:
        out[f"D{p}"] = None if empty else _num(d.statistic(f"D{p}").value)
    for cc in METRICS_CC:
        key = f"D{cc:g}cc"
        out[key] = None if empty else _num(d.statistic(key).value)
    return out


def run_case(rtstruct: str, rtdose: str, rois, settings_args: dict, curves: bool) -> dict:
    rtss_ds, dose_ds, read_s = read_case(rtstruct, rtdose)
    settings = peer_settings(dose_ds=dose_ds, **settings_args)
    if not rois:
        rois = roi_numbers(rtss_ds)
    out_rois = []
    for roi in rois:
        entry: dict = {"roi_number": int(roi)}
        try:
            d, s, parse_s, calc_s = dvh_one(rtss_ds, dose_ds, int(roi), settings)
        except Exception as exc:  # the peer fails on some inputs; report, don't die
            entry.update(error=f"{type(exc).__name__}: {exc}")
            out_rois.append(entry)
            continue
        n_planes = len(s["planes"])
        n_points = sum(len(c["data"]) for pl in s["planes"].values() for c in pl)
        entry.update(name=s.get("name", ""), planes=n_planes, points=n_points,
                     thickness_mm=_num(s.get("plane_thickness_mm")),
                     parse_s=parse_s, calc_s=calc_s, total_s=parse_s + calc_s,
                     parse_cpu_s=s["parse_cpu_s"], calc_cpu_s=s["calc_cpu_s"],
                     notes=d.notes)
        entry.update(metrics(d))
        if curves:
            # counts[i] = volume receiving >= bins[i]; the last bin edge closes the curve at 0 cc
            entry["cumulative"] = {"dose_gy": [round(float(b), 4) for b in d.bins],
                                   "volume_cc": [float(v) for v in d.counts] + [0.0]}
        out_rois.append(entry)
    ok = [r for r in out_rois if "error" not in r]
    return {"rtstruct": rtstruct, "rtdose": rtdose, "read_s": read_s,
            "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()},
            "parse_s": sum(r["parse_s"] for r in ok), "calc_s": sum(r["calc_s"] for r in ok),
            "total_s": sum(r["total_s"] for r in ok),
            "parse_cpu_s": sum(r["parse_cpu_s"] for r in ok), "calc_cpu_s": sum(r["calc_cpu_s"] for r in ok),
            "rois": out_rois}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rtstruct", nargs="?")
    ap.add_argument("rtdose", nargs="?")
    ap.add_argument("--roi", type=int, action="append", help="ROI number (repeatable; default all)")
    ap.add_argument("--jobs", help="JSON list of {key, rtstruct, rtdose, rois}")
    ap.add_argument("--mode", choices=("default", "best"), default="default")
    ap.add_argument("--interp-factor", type=int, default=4,
                    help="best mode: in-plane resolution = dose pixel spacing / this (power of 2)")
    ap.add_argument("--segments", type=int, default=2,
                    help="best mode: interpolation_segments_between_planes")
    ap.add_argument("--no-extents", action="store_true", help="best mode: use_structure_extents=False")
    ap.add_argument("--curves", action="store_true", help="include the cumulative curves")
    ap.add_argument("-o", "--output", help="write the JSON here instead of stdout")
    args = ap.parse_args(argv)

    if bool(args.jobs) == bool(args.rtstruct and args.rtdose):
        ap.error("give RTSTRUCT RTDOSE, or --jobs FILE")
    settings_args = {"mode": args.mode, "interp_factor": args.interp_factor,
                     "segments": args.segments, "extents": not args.no_extents}
    import logging
    logging.getLogger("dicompylercore").setLevel(logging.ERROR)

    t0 = time.perf_counter()
    if args.jobs:
        with open(args.jobs) as f:
            jobs = json.load(f)
    else:
        jobs = [{"key": None, "rtstruct": args.rtstruct, "rtdose": args.rtdose, "rois": args.roi}]
    cases = []
    for job in jobs:
        case = run_case(job["rtstruct"], job["rtdose"], job.get("rois"), settings_args, args.curves)
        case["key"] = job.get("key")
        cases.append(case)
    result = {"engine": "dicompyler-core", "versions": _versions(), "mode": args.mode,
              "wall_s": time.perf_counter() - t0, "cases": cases}
    text = json.dumps(result)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
