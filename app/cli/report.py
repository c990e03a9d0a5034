"""``rtreview report PATH... -o FILE.pdf [--case FILE] [--protocol NAME] [--plan LABEL]
[--deidentify] [--page-size A4|Letter] [--rx PLAN=GY/FRACTIONS]``: write the DVH PDF report, headless.

One section per plan (all plans of the input, or those named with ``--plan``), and a composite
section when several courses were checked together. The case timeline is the ``--case`` file,
else the one found beside the DICOM (for the bundled sample: the worked example). The PDF is
written to a temporary file and renamed, so a failure leaves no partial report and never
destroys an existing one. Prescriptions: the DICOM's, then those saved in the case file
(``plan_prescriptions``, set in the window), then ``--rx`` (which wins).

Exit status: 0 written; 1 nothing to report (a path that does not exist: "no such file or folder";
no RT Dose; no DVH could be computed, as ``rtreview dvh``) or the file cannot be written, and then
nothing is written; 2 usage errors (incl. an unknown plan label or protocol, an unreadable --case
file, a bad --relative-dose-gy).
"""
from __future__ import annotations

import argparse
import os
import sys

from rtreview.cli.inputs import add_relative_dose_argument
from rtreview.cli.rx_option import add_rx_argument, parse_rx

PROG = "rtreview report"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files, folders or .zip archives")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help="the PDF to write")
    parser.add_argument("--case", metavar="FILE", help="case timeline file (*.case.json); default: found "
                                                       "beside the DICOM")
    parser.add_argument("--protocol", metavar="NAME", help="protocol name, file stem or JSON file for every plan "
                                                           "(default: suggested per plan, as rtreview check)")
    parser.add_argument("--plan", action="append", default=[], metavar="LABEL",
                        help="report only this plan (repeatable; default: every plan)")
    parser.add_argument("--deidentify", action="store_true",
                        help="leave out patient name, ID and birth date (and pseudonymise UIDs)")
    parser.add_argument("--page-size", default="A4", type=lambda s: s.upper() if s.upper() == "A4" else s.capitalize(),
                        choices=("A4", "Letter"), help="page size (default A4)")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    add_relative_dose_argument(parser)
    add_rx_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        prescriptions = parse_rx(args.rx)
    except ValueError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # headless: no display needed
    from PySide6 import QtGui

    from rtreview.core.dvh import DvhCancelled  # noqa: F401 - imported for the except below
    from rtreview.report.atomic import OutputError
    from rtreview.report.builder import export
    from rtreview.report.content import ReportError, ReportUsageError

    if args.relative_dose_gy is not None and not args.relative_dose_gy > 0:
        print(f"{PROG}: --relative-dose-gy must be a positive dose in Gy, not {args.relative_dose_gy:g}",
              file=sys.stderr)
        return EXIT_USAGE
    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([PROG])  # fonts need a Gui application
    last = [""]

    def progress(done: int, total: int, message: str) -> None:
        key = "loading" if message.startswith("loading") else message
        if args.quiet or key == last[0]:
            return
        last[0] = key
        message = "loading DICOM…" if key == "loading" else message
        print(f"{PROG}: {message}", file=sys.stderr)

    try:
        result = export(args.paths, args.output, plan_labels=args.plan or None, protocol=args.protocol,
                        case_file=args.case, deidentify=args.deidentify, page_size=args.page_size,
                        progress=progress, prescriptions=prescriptions, relative_dose_gy=args.relative_dose_gy)
    except OutputError as exc:
        print(f"{PROG}: {exc}; nothing written", file=sys.stderr)
        return EXIT_FAILED
    except ReportUsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ReportError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}; nothing written", file=sys.stderr)
        return EXIT_FAILED
    del app
    for note in result.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    who = " (de-identified)" if result.deidentified else ""
    print(f"{result.path}: {result.pages} page(s), plans {', '.join(result.plans)}{who}")
    return EXIT_OK
