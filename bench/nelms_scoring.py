#!/usr/bin/env python3
"""Score any DVH engine on the Nelms et al. (2015) analytic DVH benchmark.

Pure functions (stdlib + numpy only) that both engines' runners use:

    from nelms_scoring import load_cases, score, failure_table, d_from_curve
    cases = load_cases()                              # the available rows of cases.csv
    results = {case.case_id: {"V": 7.24, "Dmin": 4.0, ..., "D0.03cc": 27.1}}
    s = score(cases, results)                         # tolerance 3 % of the analytic value
    print(failure_table(s))

and a command line (run from the app venv; the peer runs in bench/.venv-peer via subprocess):

    .venv/bin/python bench/nelms_scoring.py --engine peer       # dicompyler-core, defaults
    .venv/bin/python bench/nelms_scoring.py --engine peer --mode best
    .venv/bin/python bench/nelms_scoring.py --engine analytic   # self-check of the scorer
    .venv/bin/python bench/nelms_scoring.py --engine ours       # rtreview.core.dvh, when it exists

Scoring (as in the paper, and as the issue asks): per case the values V, Dmin, Dmax, Dmean,
D99, D95, D5, D1, D0.03cc; a value FAILS when |calc - analytic| > 3 % of the analytic value
(a missing value fails too). V is counted once per structure and dose grid: the AP and SI rows of
one Test 1/Test 2 structure on one grid give ONE V score, which fails if either row's V fails.
So Test 1 (30 runnable rows) has 15*1 + 30*8 = 255 scored values, Test 2 255, shifted Test 2
(each shifted structure is paired with one gradient) 270.

Two ways to take the D-values: the engine's own metrics ("own"), or read off its cumulative
curve with :func:`d_from_curve` ("curve": the highest dose at which the curve still holds
>= x % of the volume, linearly interpolated between curve points).
"""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_ROOT = Path(os.environ.get("RTREVIEW_NELMS_DIR",
                                   REPO.parent / "shared" / "reference_dicom" / "nelms_dvh_benchmark"))
PEER_PYTHON = HERE / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = HERE / "peer_dicompyler.py"

METRICS = ("V", "Dmin", "Dmax", "Dmean", "D99", "D95", "D5", "D1", "D0.03cc")
CSV_COLUMN = {"V": "volume_cc", "Dmin": "dmin_gy", "Dmax": "dmax_gy", "Dmean": "dmean_gy",
              "D99": "d99_gy", "D95": "d95_gy", "D5": "d5_gy", "D1": "d1_gy",
              "D0.03cc": "d0.03cc_gy"}
TESTS = ("test1", "test2", "test2s")
TEST_TITLE = {"test1": "Test 1 (0.2 mm contours)", "test2": "Test 2 (spacing = grid)",
              "test2s": "Test 2 shifted"}
TOLERANCE_PCT = 3.0


@dataclass(frozen=True)
class Case:
    case_id: str
    test: str
    structure_path: Path
    roi_number: int
    dose_path: Path
    gradient: str          # AP or SI
    dose_voxel_mm: str
    contour_spacing_mm: float
    shift: str
    curve_path: Path
    curve_column: str
    available: bool
    analytic: dict = field(hash=False, compare=False)  # metric -> value (Gy / cc)


def load_cases(root: Path | str | None = None, tests=TESTS, available_only: bool = True) -> list[Case]:
    """The rows of cases.csv (by default only those whose files are present)."""
    root = Path(root) if root else DEFAULT_ROOT
    out = []
    with open(root / "cases.csv", newline="") as f:
        for row in csv.DictReader(f):
            if tests and row["test"] not in tests:
                continue
            available = row["available"].strip() == "1"
            if available_only and not available:
                continue
            out.append(Case(
                case_id=row["case_id"], test=row["test"],
                structure_path=root / row["structure_file"], roi_number=int(row["roi_number"]),
                dose_path=root / row["dose_file"], gradient=row["gradient"],
                dose_voxel_mm=row["dose_voxel_mm"],
                contour_spacing_mm=float(row["contour_spacing_mm"]),
                shift=row["structure_shift"], curve_path=root / row["curve_file"],
                curve_column=row["curve_column"], available=available,
                analytic={m: float(row[CSV_COLUMN[m]]) for m in METRICS}))
    return out


# ----------------------------------------------------------------------------- curve lookups

def dose_at_volume(dose_gy, cum_cc, target_cc: float) -> float:
    """Highest dose at which the cumulative curve still holds >= target_cc, interpolated.

    ``cum_cc[i]`` is the volume receiving at least ``dose_gy[i]`` (non-increasing). Between the
    last point holding >= target and the next one the curve is taken as linear.
    """
    d = np.asarray(dose_gy, dtype=float)
    v = np.asarray(cum_cc, dtype=float)
    if d.size == 0:
        return float("nan")
    hold = np.nonzero(v >= target_cc * (1 - 1e-12))[0]
    if hold.size == 0:
        return float(d[0])
    i = int(hold[-1])
    if i + 1 >= d.size or v[i] <= v[i + 1]:
        return float(d[i])
    frac = (v[i] - target_cc) / (v[i] - v[i + 1])
    return float(d[i] + min(max(frac, 0.0), 1.0) * (d[i + 1] - d[i]))


def d_from_curve(dose_gy, cum_cc, x: float, unit: str = "pct", volume_cc: float | None = None) -> float:
    """Dx% (unit='pct') or Dxcc (unit='cc') read off a cumulative curve."""
    total = float(volume_cc if volume_cc is not None else (np.asarray(cum_cc, float)[0] if len(cum_cc) else 0.0))
    target = total * x / 100.0 if unit == "pct" else float(x)
    return dose_at_volume(dose_gy, cum_cc, target)


def metrics_from_curve(dose_gy, cum_cc) -> dict:
    """V, Dmin, Dmax, Dmean, D99, D95, D5, D1, D0.03cc from a cumulative curve alone."""
    d = np.asarray(dose_gy, dtype=float)
    v = np.asarray(cum_cc, dtype=float)
    total = float(v[0]) if v.size else 0.0
    out = {"V": total}
    if total <= 0:
        return out
    out["Dmin"] = dose_at_volume(d, v, total)           # D100
    nz = np.nonzero(v > 0)[0]
    last = int(nz[-1])
    out["Dmax"] = float(d[last + 1]) if last + 1 < d.size else float(d[last])
    # Mean = integral of the cumulative curve over dose / volume (curve linear between points).
    dd = np.diff(d)
    out["Dmean"] = float(d[0] + np.sum(dd * (v[:-1] + v[1:]) / 2.0) / total)
    for p in (99, 95, 5, 1):
        out[f"D{p}"] = d_from_curve(d, v, p, "pct", total)
    out["D0.03cc"] = d_from_curve(d, v, 0.03, "cc")
    return out


# ----------------------------------------------------------------------------- scoring

def pct_diff(calc, analytic: float) -> float:
    """Signed difference in % of the analytic value (nan when calc is missing)."""
    if calc is None or not isinstance(calc, (int, float)) or not math.isfinite(calc):
        return float("nan")
    return 100.0 * (float(calc) - analytic) / analytic


@dataclass
class Scored:
    case: Case
    metric: str
    analytic: float
    calc: float | None
    diff_pct: float
    fail: bool


@dataclass
class Score:
    items: list          # list[Scored], V already merged per structure and grid
    tolerance_pct: float

    def fails(self, test=None, metric=None) -> int:
        return sum(1 for s in self.items if s.fail and (test is None or s.case.test == test)
                   and (metric is None or s.metric == metric))

    def count(self, test=None, metric=None) -> int:
        return sum(1 for s in self.items if (test is None or s.case.test == test)
                   and (metric is None or s.metric == metric))

    def tests(self) -> list[str]:
        seen = []
        for s in self.items:
            if s.case.test not in seen:
                seen.append(s.case.test)
        return seen


def score(cases, results: dict, tolerance_pct: float = TOLERANCE_PCT) -> Score:
    """Score ``results[case_id][metric]`` (Gy / cc) against the analytic values."""
    items = []
    v_groups: dict[tuple, list[Scored]] = {}
    for case in cases:
        res = results.get(case.case_id) or {}
        for m in METRICS:
            a = case.analytic[m]
            calc = res.get(m)
            diff = pct_diff(calc, a)
            s = Scored(case, m, a, calc if calc is None else float(calc), diff,
                       not (abs(diff) <= tolerance_pct))  # nan -> fail
            if m == "V":
                v_groups.setdefault((case.test, str(case.structure_path), case.dose_voxel_mm), []).append(s)
            else:
                items.append(s)
    for group in v_groups.values():
        # one V score per structure and grid: the worst of its rows
        worst = max(group, key=lambda s: (s.fail, abs(s.diff_pct) if math.isfinite(s.diff_pct) else math.inf))
        items.append(worst)
    return Score(items, tolerance_pct)


def failure_table(sc: Score, title: str = "") -> str:
    """Per-metric failures per test, e.g. ``D99  3/30``; totals at the bottom."""
    tests = sc.tests()
    w = 26
    lines = []
    if title:
        lines.append(title)
    lines.append(f"{'metric':9s}" + "".join(f"{TEST_TITLE.get(t, t):>{w}s}" for t in tests))
    for m in METRICS:
        cells = [f"{sc.fails(t, m)}/{sc.count(t, m)}" for t in tests]
        lines.append(f"{m:9s}" + "".join(f"{c:>{w}s}" for c in cells))
    cells = [f"{sc.fails(t)}/{sc.count(t)}" for t in tests]
    lines.append(f"{'TOTAL':9s}" + "".join(f"{c:>{w}s}" for c in cells))
    lines.append(f"(fail = more than {sc.tolerance_pct:g} % off the analytic value; "
                 "V once per structure and grid)")
    return "\n".join(lines)


def failure_list(sc: Score, limit: int | None = None) -> str:
    rows = [s for s in sc.items if s.fail]
    rows.sort(key=lambda s: (s.case.test, s.case.case_id, METRICS.index(s.metric)))
    out = []
    for s in rows[:limit]:
        calc = "missing" if s.calc is None else f"{s.calc:.4g}"
        out.append(f"  {s.case.case_id:34s} {s.metric:8s} analytic {s.analytic:8.4g}  calc {calc:>8s}"
                   f"  {s.diff_pct:+7.1f} %")
    return "\n".join(out)


def to_json(sc: Score) -> dict:
    return {"tolerance_pct": sc.tolerance_pct,
            "totals": {t: {"fails": sc.fails(t), "scored": sc.count(t),
                           "per_metric": {m: [sc.fails(t, m), sc.count(t, m)] for m in METRICS}}
                       for t in sc.tests()},
            "items": [{"case_id": s.case.case_id, "test": s.case.test, "metric": s.metric,
                       "analytic": s.analytic, "calc": s.calc,
                       "diff_pct": s.diff_pct if math.isfinite(s.diff_pct) else None,
                       "fail": s.fail} for s in sc.items]}


# ----------------------------------------------------------------------------- engines

def analytic_results(cases) -> dict:
    """The analytic curves read back through metrics_from_curve: a check of the scorer itself."""
    cache: dict[Path, tuple] = {}
    out = {}
    for c in cases:
        if c.curve_path not in cache:
            with open(c.curve_path, newline="") as f:
                rows = list(csv.reader(f))
            header, body = rows[0], rows[1:]
            cols = {}
            for j, name in enumerate(header):
                cols[name] = np.array([float(r[j]) if j < len(r) and r[j].strip() else 0.0 for r in body])
            cache[c.curve_path] = cols
        cols = cache[c.curve_path]
        out[c.case_id] = metrics_from_curve(cols["Dose (cGy)"] / 100.0, cols[c.curve_column])
    return out


PEER_KEYS = {"V": "volume_cc", "Dmin": "min_gy", "Dmax": "max_gy", "Dmean": "mean_gy",
             "D99": "D99", "D95": "D95", "D5": "D5", "D1": "D1", "D0.03cc": "D0.03cc"}


def run_peer(cases, mode: str = "default", peer_python: Path = PEER_PYTHON, extra_args=()) -> dict:
    """Run dicompyler-core on the cases in its own venv; returns the raw peer JSON."""
    if not Path(peer_python).exists():
        raise SystemExit(f"{peer_python} missing: run bench/setup_peer.sh first")
    jobs = [{"key": c.case_id, "rtstruct": str(c.structure_path), "rtdose": str(c.dose_path),
             "rois": [c.roi_number]} for c in cases]
    with tempfile.TemporaryDirectory() as tmp:
        jpath, opath = Path(tmp) / "jobs.json", Path(tmp) / "out.json"
        jpath.write_text(json.dumps(jobs))
        cmd = [str(peer_python), str(PEER_SCRIPT), "--jobs", str(jpath), "--mode", mode,
               "--curves", "-o", str(opath), *extra_args]
        subprocess.run(cmd, check=True)
        return json.loads(opath.read_text())


def peer_results(raw: dict) -> tuple[dict, dict]:
    """(own-metric results, curve results) per case_id from the peer's JSON."""
    own, curve = {}, {}
    for case in raw["cases"]:
        roi = case["rois"][0]
        if "error" in roi:
            own[case["key"]] = {}
            curve[case["key"]] = {}
            continue
        own[case["key"]] = {m: roi.get(k) for m, k in PEER_KEYS.items()}
        cum = roi.get("cumulative")
        curve[case["key"]] = curve_variant(own[case["key"]], cum["dose_gy"] if cum else [],
                                           cum["volume_cc"] if cum else [])
    return own, curve


CURVE_METRICS = ("D99", "D95", "D5", "D1", "D0.03cc")


def curve_variant(own: dict, dose_gy, cum_cc) -> dict:
    """The engine's own V, Dmin, Dmax, Dmean with D99..D0.03cc read off its cumulative curve
    (the issue's second way of scoring). For dicompyler-core the curve's own min/max/mean equal
    its reported ones, so this changes nothing there."""
    out = {m: own.get(m) for m in ("V", "Dmin", "Dmax", "Dmean")}
    if len(cum_cc):
        from_curve = metrics_from_curve(dose_gy, cum_cc)
        out.update({m: from_curve.get(m) for m in CURVE_METRICS})
    return out


def parse_options(pairs) -> dict:
    """``["samples_across=32", "end_caps=none"]`` -> DvhOptions keyword arguments (typed)."""
    out = {}
    for pair in pairs or []:
        key, _, raw = pair.partition("=")
        raw = raw.strip()
        if raw.lower() in ("none", "null"):
            value = None if key != "end_caps" else "none"
        elif raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
        out[key.strip()] = value
    return out


def ours_results(cases, options: dict | None = None) -> tuple[dict, dict, float]:
    """Our engine (rtreview.core.dvh) on the cases: (own metrics, curve metrics, compute seconds).

    ``options``: DvhOptions keyword overrides (default options when empty)."""
    sys.path.insert(0, str(REPO))
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import DvhOptions, compute_dvhs

    opts = DvhOptions(**options) if options else None

    own, curve, secs, cpu = {}, {}, 0.0, 0.0
    per_case_cpu: dict[str, float] = {}
    ours_results.per_case_cpu = per_case_cpu
    for c in cases:
        ss = read_structure_set(str(c.structure_path))
        dose = read_dose(str(c.dose_path))
        roi = ss.roi(c.roi_number)
        ss_one = type(ss)(**{**ss.__dict__, "rois": [roi]})
        c0, t0 = time.process_time(), time.perf_counter()
        dvh = compute_dvhs(ss_one, dose, opts)[c.roi_number]
        secs += time.perf_counter() - t0
        cpu += time.process_time() - c0
        per_case_cpu[c.case_id] = time.process_time() - c0
        own[c.case_id] = {"V": dvh.volume_cc, "Dmin": dvh.min_gy, "Dmax": dvh.max_gy,
                          "Dmean": dvh.mean_gy, "D99": dvh.d_pct(99), "D95": dvh.d_pct(95),
                          "D5": dvh.d_pct(5), "D1": dvh.d_pct(1), "D0.03cc": dvh.d_cc(0.03)}
        curve[c.case_id] = curve_variant(own[c.case_id], dvh.dose_gy, dvh.cumulative_cc)
    ours_results.last_cpu_s = cpu
    return own, curve, secs


def timing_table(cases, per_case_cpu: dict) -> str:
    """CPU ms per case, grouped by test, contour spacing and dose grid."""
    groups: dict[tuple, list[float]] = {}
    for c in cases:
        if c.case_id in per_case_cpu:
            groups.setdefault((c.test, c.contour_spacing_mm, c.dose_voxel_mm), []).append(per_case_cpu[c.case_id])
    lines = [f"{'test':7s} {'contours mm':>11s} {'grid mm':>8s} {'cases':>5s} {'CPU ms/case':>12s}"]
    for (t, sp, g), v in groups.items():
        lines.append(f"{t:7s} {sp:11g} {g:>8s} {len(v):5d} {1000 * sum(v) / len(v):12.1f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Score a DVH engine on the Nelms 2015 analytic benchmark.")
    ap.add_argument("--engine", choices=("peer", "ours", "analytic"), default="peer")
    ap.add_argument("--mode", choices=("default", "best"), default="default",
                    help="peer only: dicompyler-core defaults, or its interpolation settings")
    ap.add_argument("--root", default=str(DEFAULT_ROOT), help="benchmark folder")
    ap.add_argument("--tests", default=",".join(TESTS), help="comma list of test1,test2,test2s")
    ap.add_argument("--failures", action="store_true", help="list every failed value")
    ap.add_argument("--opt", action="append", metavar="KEY=VALUE",
                    help="ours only: DvhOptions override, e.g. --opt samples_across=32 (repeatable)")
    ap.add_argument("--json", help="write the scores (and the engine's values) to this JSON file")
    ap.add_argument("--timing", action="store_true", help="CPU ms per case by test / spacing / grid")
    args = ap.parse_args(argv)

    cases = load_cases(args.root, tests=tuple(args.tests.split(",")))
    t0 = time.perf_counter()
    extra = ""
    per_case_cpu: dict = {}
    if args.engine == "analytic":
        own = analytic_results(cases)
        curve = None
        label = "analytic curves (scorer self-check)"
    elif args.engine == "peer":
        raw = run_peer(cases, args.mode)
        own, curve = peer_results(raw)
        per_case_cpu = {c["key"]: c.get("calc_cpu_s", float("nan")) for c in raw["cases"]}
        v = raw["versions"]
        calc = sum(c["calc_s"] for c in raw["cases"])
        calc_cpu = sum(c.get("calc_cpu_s", float("nan")) for c in raw["cases"])
        extra = (f"peer compute {calc:.2f} s wall, {calc_cpu:.2f} s CPU (parse "
                 f"{sum(c['parse_s'] for c in raw['cases']):.2f} s, read "
                 f"{sum(c['read_s'] for c in raw['cases']):.2f} s) for {len(cases)} cases")
        label = (f"dicompyler-core {v['dicompyler-core']} ({args.mode}"
                 + (f": {raw['cases'][0]['settings']}" if args.mode == "best" else " settings")
                 + f"), pydicom {v['pydicom']}, numpy {v['numpy']}")
    else:
        opts = parse_options(args.opt)
        own, curve, secs = ours_results(cases, opts)
        per_case_cpu = ours_results.per_case_cpu
        label = "rtreview rtreview.core.dvh (" + (", ".join(f"{k}={v}" for k, v in opts.items())
                                             or "default options") + ")"
        extra = (f"compute {secs:.2f} s wall, {ours_results.last_cpu_s:.2f} s CPU for {len(cases)} cases "
                 "(file reading excluded)")
    wall = time.perf_counter() - t0

    sc_own = score(cases, own)
    print(failure_table(sc_own, f"Nelms 2015 analytic benchmark -- {label}\n"
                                f"values from the engine's own metrics"))
    if args.failures:
        print(failure_list(sc_own))
    sc_curve = None
    if curve is not None:
        sc_curve = score(cases, curve)
        print()
        print(failure_table(sc_curve, "D99..D0.03cc read off the engine's cumulative curve "
                                      "(interpolated); V, Dmin, Dmax, Dmean its own"))
        if args.failures:
            print(failure_list(sc_curve))
    if args.timing and per_case_cpu:
        print("\n" + timing_table(cases, per_case_cpu))
    print(f"\n{len(cases)} cases, {wall:.1f} s wall" + (f"; {extra}" if extra else ""))
    if args.json:
        doc = {"engine": args.engine, "mode": args.mode, "label": label,
               "own": to_json(sc_own), "curve": to_json(sc_curve) if sc_curve else None}
        Path(args.json).write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
