"""``rtreview dvh PATH... [--format json|csv] [--bin-width GY] [--rx PLAN=GY/FRACTIONS]
[--relative-dose-gy GY] [--stored] [--indent N]``:
DVHs and metrics, headless.

Loads the paths (files, folders, .zip) with ``rtreview.core.dicom.loader.load``; every dose grid
linked to a structure set (one structure set and unlinked doses are paired) gets the DVHs of all
its ROIs. JSON (the contract of ARCHITECTURE.md, plus metrics)::

    {"doses": [{"sop_instance_uid", "path", "plan_label", "fractions", "prescription_gy",
                "dose_units" ("GY" | "RELATIVE"), "prescription_source", "prescription_note", "dose_per_fraction_gy",
                "fraction_groups": [{"number", "fractions", "prescription_gy", "dose_per_fraction_gy"}],
                "fraction_group", "structure_set_path", "notes": [str],
                "structures": [{"name", "roi_number", "type", "volume_cc", "covered_volume_cc",
                                "min_gy", "mean_gy", "max_gy", "d99_gy", "d98_gy", "d95_gy",
                                "d50_gy", "d5_gy", "d2_gy", "d1_gy", "d2cc_gy", "d0_03cc_gy",
                                "hi" (ICRU 83 homogeneity index; null for non-targets),
                                ["paddick_ci", "gradient_index" for targets: null with a
                                 "needs Rx" note when the prescription is unknown],
                                "bin_width_gy", "notes": [str],
                                "cumulative": {"dose_gy": [...], "volume_cc": [...]}}],
                "skipped": [{"roi_number", "name", "reason"}],
                "points": [{"roi_number", "name", "type", "position_mm": [x, y, z], "dose_gy", "note"}]}]}

``prescription_gy`` / ``fractions`` are the plan's total prescription and planned fractions
(null when unknown; ``--rx`` sets them, source "user"); the prescription keys are described in
``rtreview.cli.plan_json``. A dose covering one fraction group alone (``fraction_group`` not
null) is reviewed against that group's prescription. Values relative to the prescription
(Paddick CI, gradient index) are null when it is unknown, with a note starting "needs Rx".
``skipped``: ROIs without a DVH and why (no contours, only open contours, contours enclosing no
area). ``points``: POINT ROIs (calculation, reference and prescription points, isocentres), one
entry per point, with the trilinear dose at the point (``dose_gy`` null and a ``note`` when the
point is outside the dose grid); they are not listed under ``skipped``.
For a dose with ``dose_units`` RELATIVE the ``*_gy`` values are in the file's relative units (1.0 =
the unstated reference), not Gy; ``--relative-dose-gy GY`` converts them.
``volume_cc`` is the whole structure, ``covered_volume_cc`` the part inside the dose grid; the
curve and the statistics describe the covered part. Undefined values (e.g. D2cc of a 1 cc
structure) are null. With ``--stored`` every structure gets the key ``stored``: the planning
system's DVH from the RT Dose DVH Sequence beside ours (rtreview.core.compare.stored_dvh:
"volume_cc", "mean_gy", "d95_gy", "d2_gy", "volume_units", "difference" {ours - stored per
metric}, "flagged" [metric names beyond the tolerance], "tolerance", "notes", "cumulative"
{"dose_gy", "volume"}), or null when the file stores none for that ROI. CSV: one row per structure
with the scalar columns.
Exit status 0 when at least one DVH was computed, 1 otherwise (message on stderr), 2 for usage errors.

The JSON is compact (no spaces): each dose's entry is encoded by the C encoder as soon as it is
computed and the whole text goes out in one write (``json.dump`` to the stream used the
pure-Python encoder and made ~170,000 small writes on a large case: half of the process time).
``--indent N`` pretty-prints the same object.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import warnings

from rtreview.cli.inputs import add_relative_dose_argument, apply_relative_dose, missing_paths
from rtreview.cli.plan_json import link_prescription
from rtreview.cli.rx_option import add_rx_argument, apply_rx_to_case, parse_rx

EXIT_OK, EXIT_NOTHING = 0, 1
NEEDS_RX_INDICES = ("needs Rx: the Paddick conformity and gradient indices are relative to the prescription, "
                    "which is unknown (set it with --rx PLAN=GY/FRACTIONS)")
CSV_COLUMNS = ("dose_path", "plan_label", "roi_number", "name", "type", "volume_cc", "covered_volume_cc",
               "min_gy", "mean_gy", "max_gy", "d99_gy", "d98_gy", "d95_gy", "d50_gy", "d5_gy", "d2_gy",
               "d1_gy", "d2cc_gy", "d0_03cc_gy", "hi", "paddick_ci", "gradient_index", "notes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="DICOM files (e.g. one RTSTRUCT and one RTDOSE), folders or .zip archives")
    parser.add_argument("--format", choices=("json", "csv"), default="json", help="output format (default json)")
    parser.add_argument("--bin-width", type=float, metavar="GY", default=None,
                        help="DVH bin width in Gy (default 0.01, finer for low doses)")
    parser.add_argument("--indent", type=int, metavar="N", default=None,
                        help="pretty-print the JSON with N spaces of indentation (default: compact)")
    add_relative_dose_argument(parser)
    add_rx_argument(parser)
    parser.add_argument("--stored", action="store_true",
                        help="add the planning system's own DVH (RT Dose DVH Sequence) and its differences "
                             "from ours under the key 'stored' of each structure (JSON)")


def run(args: argparse.Namespace) -> int:
    if args.bin_width is not None and not args.bin_width > 0:
        print(f"rtreview dvh: --bin-width must be positive, not {args.bin_width}", file=sys.stderr)
        return 2
    if args.indent is not None and not 0 <= args.indent <= 16:
        print(f"rtreview dvh: --indent must be 0..16, not {args.indent}", file=sys.stderr)
        return 2
    try:
        overrides = parse_rx(args.rx)
    except ValueError as exc:
        print(f"rtreview dvh: {exc}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    from rtreview.core.dicom.loader import load
    from rtreview.core.dvh import DvhOptions

    case = load(args.paths, ct_pixels=False)  # links need the CT's headers, DVHs not its images
    for message in missing_paths(case):
        print(f"rtreview dvh: {message}", file=sys.stderr)
    try:
        apply_relative_dose(case, args, "rtreview dvh")
    except ValueError as exc:
        print(f"rtreview dvh: {exc}", file=sys.stderr)
        return 2
    problem = apply_rx_to_case(case, overrides)
    if problem:
        print(f"rtreview dvh: {problem}", file=sys.stderr)
        return 2
    options = DvhOptions(bin_width_gy=args.bin_width)
    if args.format == "json" and args.indent is None:
        computed = write_json(iter_dose_entries(case, options, stored=args.stored), sys.stdout)
    else:
        result = dvh_report(case, options, stored=args.stored)
        if args.format == "json":
            sys.stdout.write(json.dumps(result, indent=args.indent, allow_nan=False) + "\n")
        else:
            write_csv(result, sys.stdout)
        computed = sum(len(d["structures"]) for d in result["doses"])
    if computed == 0:
        problems = [f"{i.path}: {i.message}" for i in case.report.errors]
        why = "; ".join(problems) if problems else "no RT Dose with a structure set was found"
        print(f"rtreview dvh: no DVH computed from {', '.join(args.paths)} ({why})", file=sys.stderr)
        return EXIT_NOTHING
    return EXIT_OK


def write_json(entries, stream) -> int:
    """Write ``{"doses": [entry, ...]}`` compactly to ``stream`` in one write, byte for byte what
    ``json.dumps(..., separators=(",", ":"))`` gives for the whole object. Each entry is encoded
    as soon as it is computed (its dicts and lists are freed; only the text is kept), and nothing
    is written before all are done, so a failure never leaves half a JSON object on stdout.
    Returns the number of structures with a DVH."""
    parts, computed = [], 0
    for entry in entries:
        computed += len(entry["structures"])
        parts.append(json.dumps(entry, separators=(",", ":"), allow_nan=False))
    stream.write('{"doses":[' + ",".join(parts) + "]}\n")
    return computed


def dvh_report(case, options=None, stored: bool = False) -> dict:
    """The JSON-ready result for every dose link of ``case`` (``stored``: add the key 'stored')."""
    return {"doses": list(iter_dose_entries(case, options, stored))}


def iter_dose_entries(case, options=None, stored: bool = False):
    """The JSON-ready entry of each dose link of ``case``, computed one after the other."""
    from rtreview.core.dicom.dose_units import units
    from rtreview.core.dvh import compute_dvhs
    from rtreview.core.dvh.metrics import find_body, gradient_index, paddick_ci

    for link in case.links:
        rx = link.prescription_gy
        entry = {"sop_instance_uid": link.dose.sop_instance_uid, "path": link.dose.path,
                 "plan_label": link.label, **link_prescription(link), "dose_units": units(link.dose),
                 "structure_set_path": link.structure_set.path if link.structure_set is not None else None,
                 "notes": list(link.notes) + list(link.dose.notes), "structures": [], "skipped": [],
                 "points": []}
        if link.structure_set is None:
            entry["notes"].append("no structure set linked to this dose: no DVHs")
            yield entry
            continue
        dvhs = compute_dvhs(link.structure_set, link.dose, options, prescription_gy=rx)
        body = find_body(dvhs)
        names = {r.number: r.name for r in link.structure_set.rois}
        for roi_number, reason in dvhs.skipped.items():
            entry["skipped"].append({"roi_number": roi_number, "name": names.get(roi_number, ""), "reason": reason})
        for points in getattr(dvhs, "points", {}).values():
            entry["points"].extend(p.to_json() for p in points)
        for dvh in dvhs.values():
            item = dvh.to_json()
            if not _is_target(dvh):
                item["hi"] = None  # ICRU 83 homogeneity is a target index (key kept: contract)
            if _is_target(dvh):
                cumulative = item.pop("cumulative")
                item["paddick_ci"] = _finite(paddick_ci(dvh, rx, body, link.dose)) if rx else None
                item["gradient_index"] = _finite(gradient_index(rx, body, link.dose)) if rx else None
                if not rx:
                    item["notes"].append(NEEDS_RX_INDICES)
                item["cumulative"] = cumulative
            if stored:
                from rtreview.core.compare.stored_dvh import compare_stored
                row = compare_stored(dvh, link.dose)
                item["stored"] = row.to_json() if row is not None else None
            entry["structures"].append(item)
        yield entry


def write_csv(result: dict, stream) -> None:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for dose in result["doses"]:
        for s in dose["structures"]:
            row = {k: ("" if s.get(k) is None else s.get(k)) for k in CSV_COLUMNS}
            row.update(dose_path=dose["path"], plan_label=dose["plan_label"], notes=" | ".join(s.get("notes", [])))
            writer.writerow(row)


def _is_target(dvh) -> bool:
    from rtreview.core.dvh.alpha_beta import looks_like_target

    return looks_like_target(dvh.name, dvh.type)


def _finite(value: float) -> float | None:
    return round(float(value), 6) if value is not None and math.isfinite(value) else None
