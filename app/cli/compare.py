"""``rtreview compare PATH... [--plans A,B[,C...]] [--format json|text] [--no-gamma]``: plans side by side.

Plan A (first) is the reference. JSON keys (rtreview.core.compare.comparison.PlanComparison):

    {"patient_id", "plans": [A, B, ...], "reference": A,
     "registrations": {label: {"type": IDENTITY|RIGID|RIGID_SCALE, "files": [...], "matrix": 4x4,
                               "description"}},          # reference frame -> that plan's frame
     "protocols": {label: name|null},
     "structures": [{"name", "plans": {label: {"volume_cc", "min_gy", "mean_gy", "max_gy", "d98_gy",
                                               "d95_gy", "d50_gy", "d2_gy", "d0_03cc_gy"}},
                     "differences": {label: {same keys: label's value - A's}}}],
     "constraints": [{"structure", "metric", "limit", "plans": {label: result as in rtreview check}}],
     "dose_difference": {"a", "b", "grid": "A", "definition", "min_gy", "max_gy", "mean_gy",
                         "mean_abs_gy", "points", "points_outside_b"},
     "gamma": [{"criteria", "dose_percent", "distance_mm", "normalisation", "norm_dose_gy",
                "cutoff_percent", "cutoff_gy", "evaluated_points", "passed_points",
                "pass_rate_percent", "mean_gamma", "gamma_p95", "outside_evaluated_points",
                "max_gamma_reported", "reference", "evaluated"}],
     "notes": [str]}

Exit status: 0 done, 1 nothing to compare (fewer than two doses, unknown plan, plans on
different CTs without a registration: the message names what is missing), 2 usage errors.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files, folders or .zip archives")
    parser.add_argument("--plans", metavar="A,B", default=None,
                        help="plan labels (or dose file names) to compare, the reference first "
                             "(default: every dose of the only patient, in load order)")
    parser.add_argument("--format", choices=("json", "text"), default="text", help="output format (default text)")
    parser.add_argument("--no-gamma", action="store_true", help="skip the gamma analysis (faster)")


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    from rtreview.core.compare.comparison import compare_plans
    from rtreview.core.compare.selection import SelectionError, select
    from rtreview.core.dicom.loader import load

    labels = [p.strip() for p in args.plans.split(",") if p.strip()] if args.plans else None
    if labels is not None and len(labels) < 2:
        print("rtreview compare: --plans needs at least two labels, e.g. --plans LIVER,'L ILIUM'", file=sys.stderr)
        return EXIT_USAGE
    case = load(args.paths)
    try:
        selection = select(case, labels)
    except SelectionError as exc:
        print(f"rtreview compare: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    result = compare_plans(selection, gamma=not args.no_gamma)
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, separators=(",", ":"), allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text_report(result.to_json()))
    return EXIT_OK


def _n(v, digits=2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    rows = [header] + rows
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def text_report(j: dict) -> str:
    plans, a = j["plans"], j["reference"]
    lines = [f"Plan comparison, patient {j['patient_id']}: {' vs '.join(plans)} (reference {a})"]
    for label, reg in j["registrations"].items():
        if label != a:
            lines.append(f"  {label}: {reg['description']}")
    for label, proto in j["protocols"].items():
        lines.append(f"  protocol for {label}: {proto or 'none fits'}")
    metrics = [("mean_gy", "Dmean"), ("max_gy", "Dmax"), ("d95_gy", "D95%"), ("d2_gy", "D2%")]
    header = ["STRUCTURE", "METRIC"] + plans + [f"{p}-{a}" for p in plans[1:]]
    rows = []
    for s in j["structures"]:
        for key, name in metrics:
            rows.append([s["name"], name] + [_n(s["plans"].get(p, {}).get(key)) for p in plans]
                        + [_n(s["differences"].get(p, {}).get(key)) for p in plans[1:]])
    lines += ["", "Metrics (Gy)"] + _table(header, rows)
    if j["constraints"]:
        status = {"pass": "PASS", "marginal": "MARGINAL", "fail": "FAIL", "not_evaluable": "N/A"}
        rows = []
        for c in j["constraints"]:
            cells = []
            for p in plans:
                res = c["plans"].get(p)
                cells.append("-" if res is None else f"{status.get(res['status'], res['status'])} {_n(res['value'])}")
            rows.append([c["structure"], c["metric"], c["limit"]] + cells)
        lines += ["", "Constraints"] + _table(["STRUCTURE", "METRIC", "LIMIT"] + plans, rows)
    d = j["dose_difference"]
    if d:
        lines += ["", f"Dose difference {d['a']} - {d['b']} on {d['a']}'s grid: min {_n(d['min_gy'])} Gy, max "
                      f"{_n(d['max_gy'])} Gy, mean {_n(d['mean_gy'])} Gy, mean |diff| {_n(d['mean_abs_gy'])} Gy; "
                      f"{d['points_outside_b']} of {d['points']} points outside {d['b']}'s grid"]
    for g in j["gamma"]:
        rate = "-" if g["pass_rate_percent"] is None else f"{g['pass_rate_percent']:.2f} %"
        lines.append(f"Gamma {g['criteria']} ({g['evaluated']} vs {g['reference']}, global, cut-off "
                     f"{g['cutoff_percent']:g} % = {_n(g['cutoff_gy'])} Gy): pass rate {rate} of "
                     f"{g['evaluated_points']} points; mean gamma {_n(g['mean_gamma'], 3)}")
    if j["notes"]:
        lines += ["", "Notes"] + [f"  - {n}" for n in j["notes"]]
    return "\n".join(lines) + "\n"
