"""``rtreview composite PATH... -o FILE.dcm [--plans A,B,...] [--dose physical|eqd2 --alpha-beta GY] [--difference]``

Writes one DICOM RT Dose on the reference (first) plan's frame of reference:
- ``--dose physical`` (default): the physical sum of the plans' doses (DoseType PHYSICAL);
- ``--dose eqd2 --alpha-beta GY``: the voxel-wise EQD2 sum with that alpha/beta (DoseType
  EFFECTIVE); alpha/beta is never assumed;
- ``--difference``: A - B (exactly two plans) on A's dose grid (DoseType ERROR, signed).
Courses on other CTs are resampled through the loaded registrations (named in the output and in
the file's DoseComment); a course counts 0 Gy where its dose grid does not reach (stated).
New UIDs, DoseSummationType MULTI_PLAN, a SeriesDescription saying what the dose is; written
atomically (rtreview.core.atomic). Input files are never written to.

Prints a summary (``--format json``: {"output", "sop_instance_uid", "dose_type", "kind",
"alpha_beta_gy", "plans", "reference", "registrations": {label: {"type", "files", "matrix"}},
"grid": {"shape", "spacing_mm", "origin_mm"}, "max_gy", "min_gy", "notes"}).
Exit status: 0 written, 1 nothing to write (unknown plan, missing registration, unknown
fractions for EQD2, write failure: message on stderr), 2 usage errors.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files, folders or .zip archives")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.dcm", help="the RT Dose file to write")
    parser.add_argument("--plans", metavar="A,B", default=None,
                        help="plan labels (or dose file names), the reference first (default: every dose of the "
                             "only patient)")
    parser.add_argument("--dose", choices=("physical", "eqd2"), default="physical",
                        help="physical sum (default) or voxel-wise EQD2 sum")
    parser.add_argument("--alpha-beta", type=float, metavar="GY", default=None,
                        help="alpha/beta (Gy) of the EQD2 sum (required with --dose eqd2)")
    parser.add_argument("--difference", action="store_true", help="write A - B on A's grid instead of a sum")
    parser.add_argument("--format", choices=("json", "text"), default="text", help="summary format")


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    if args.dose == "eqd2" and (args.alpha_beta is None or not args.alpha_beta > 0):
        print("rtreview composite: --dose eqd2 needs --alpha-beta GY (a positive number; none is assumed)",
              file=sys.stderr)
        return EXIT_USAGE
    if args.difference and args.dose == "eqd2":
        print("rtreview composite: --difference writes a physical A - B; leave out --dose eqd2", file=sys.stderr)
        return EXIT_USAGE
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        print(f"rtreview composite: {out_dir}: no such folder for the output", file=sys.stderr)
        return EXIT_USAGE
    from rtreview.core.compare.export import ExportError, export_composite
    from rtreview.core.compare.selection import SelectionError, select
    from rtreview.core.dicom.loader import load

    labels = [p.strip() for p in args.plans.split(",") if p.strip()] if args.plans else None
    case = load(args.paths)
    inputs = {os.path.realpath(path) for path in _input_files(case)}
    try:
        selection = select(case, labels, minimum=2 if args.difference else 1)
        if args.difference and len(selection.links) != 2:
            raise SelectionError(f"--difference needs exactly two plans, got {len(selection.links)}")
        if os.path.realpath(args.output) in inputs:
            raise SelectionError(f"{args.output} is an input file; input files are never written to")
        summary = export_composite(selection, args.output, kind="difference" if args.difference else args.dose,
                                   alpha_beta_gy=args.alpha_beta)
    except (SelectionError, ExportError) as exc:
        print(f"rtreview composite: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    if args.format == "json":
        json.dump(summary, sys.stdout, separators=(",", ":"), allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(f"wrote {summary['output']}: {summary['series_description']}")
        print(f"  DoseType {summary['dose_type']}, grid {summary['grid']['shape']} at "
              f"{summary['grid']['spacing_mm']} mm, max {summary['max_gy']:.2f} Gy")
        for label, reg in summary["registrations"].items():
            print(f"  {label}: {reg['description']}")
        for note in summary["notes"]:
            print(f"  - {note}")
    return EXIT_OK


def _input_files(case) -> list[str]:
    out = []
    for p in case.patients:
        out += [d.path for d in p.doses] + [x.path for x in p.plans] + [s.path for s in p.structure_sets]
        out += [r.path for r in p.registrations] + [path for ct in p.cts for path in ct.paths]
    return out
