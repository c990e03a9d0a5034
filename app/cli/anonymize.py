"""``rtreview anonymize PATH... -o DIR [--key FILE] [--case FILE] [--retain-dates]``: an anonymised
copy of DICOM RT files (and case timelines) for a second opinion, a trial or a bug report.

DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile; with ``--retain-dates`` its
Retain Longitudinal Temporal Information with Modified Dates Option (dates shifted, not removed).
UIDs, the Patient ID, plan and structure set labels are replaced consistently, so every reference
between CT, RTSTRUCT, RTPLAN, RTDOSE and REG still links. Case files (*.case.json among the PATHs
or --case) are shifted by the same whole-week date offset, their free text removed. Burned-in
annotations are not removed: CT is assumed to carry none, and files that declare some are not
exported. Inputs are only read; every output file and the key file are written atomically.

Prints one line per skipped input and a summary on stderr; ``--json`` prints
``{"written": [path], "cases": [path], "skipped": [{"path", "reason"}], "key": path|null,
"date_offset_days": int}`` on stdout. Exit status: 0 when something was written, 1 when nothing
was (or the output could not be written), 2 for usage errors (output folder not empty, key file
inside the output folder). Details: docs/clinic.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rtreview.core.anonymize.export import ExportError, anonymize_paths

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files, folders or .zip archives; *.case.json files")
    p.add_argument("-o", "--output", required=True, metavar="DIR", type=Path, help="new (or empty) output folder")
    p.add_argument("--key", metavar="FILE", type=Path,
                   help="also write the key (original -> new identifiers, date offset) to FILE, outside DIR")
    p.add_argument("--case", metavar="FILE", type=Path, action="append", default=[],
                   help="a case timeline file to anonymise with the DICOM (repeatable)")
    p.add_argument("--retain-dates", action="store_true",
                   help="shift dates by the export's offset instead of removing them (PS3.15 Modified Dates option)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    try:
        result = anonymize_paths(args.paths, args.output, key_path=args.key, case_paths=args.case,
                                 retain_dates=args.retain_dates)
    except ExportError as exc:
        print(f"rtreview anonymize: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"rtreview anonymize: cannot write {exc.filename or args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_NOTHING
    for path, reason in result.skipped:
        print(f"{path}: {reason}", file=sys.stderr)
    print(f"rtreview anonymize: {len(result.written)} DICOM file(s) and {len(result.cases)} case file(s) written to "
          f"{args.output}; {len(result.skipped)} input(s) skipped"
          + (f"; key written to {result.key_path}" if result.key_path else ""), file=sys.stderr)
    if args.json:
        print(json.dumps({"written": [str(p) for p in result.written], "cases": [str(p) for p in result.cases],
                          "skipped": [{"path": p, "reason": r} for p, r in result.skipped],
                          "key": str(result.key_path) if result.key_path else None,
                          "date_offset_days": result.date_offset_days}, indent=1))
    return EXIT_OK if result.written or result.cases else EXIT_NOTHING
