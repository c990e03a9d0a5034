"""The front door: ``rtreview [PATH...]`` opens the window, ``rtreview SUBCOMMAND ...`` runs headless.

Each headless subcommand lives in its own module under ``rtreview.cli`` exposing
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from rtreview import APP_NAME, __version__

# subcommand -> (module, one-line help). Modules are imported only when their command runs,
# so `rtreview dvh` never pays for Qt.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "info": ("rtreview.cli.info", "print the inventory of DICOM RT files (patients, plans, doses, structures)"),
    "dvh": ("rtreview.cli.dvh", "compute DVHs and metrics; print JSON or CSV"),
    "check": ("rtreview.cli.check", "check plans against dose-constraint protocols (exit 3 when a mandatory one fails)"),
    "report": ("rtreview.cli.report", "write the DVH PDF report (DVHs, metrics, constraints, slice, timeline)"),
    "timeline": ("rtreview.cli.timeline", "print a case timeline: events, lines of therapy, PFS, consistency warnings"),
    "batch": ("rtreview.cli.batch", "cohort mode: metrics, constraints and DVH curves of every patient under ROOT"),
    "listen": ("rtreview.cli.listen", "receive plans from the planning system: a DICOM store SCP (C-STORE, C-ECHO)"),
    "anonymize": ("rtreview.cli.anonymize", "write an anonymised copy of DICOM RT files (PS3.15 Basic Profile)"),
}

EXIT_OK = 0
EXIT_USAGE = 2


def _gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Review radiotherapy plans: DICOM RT loading, DVHs, constraints, case timeline.",
        epilog="Headless subcommands: " + ", ".join(f"{k} ({v[1]})" for k, v in SUBCOMMANDS.items())
        + f". Run '{APP_NAME} SUBCOMMAND --help' for each.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="DICOM files, folders or .zip archives to open (default: the bundled sample case)")
    p.add_argument("--screenshot", metavar="FILE.png",
                   help="load, compute, render the main window at 1600x1000 into FILE.png and exit")
    p.add_argument("--case", metavar="FILE",
                   help="case timeline file (*.case.json) to show beside the plans "
                        "(default: the case file found next to the DICOM)")
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        name = argv[0]
        module_name, help_text = SUBCOMMANDS[name]
        module = importlib.import_module(module_name)
        parser = argparse.ArgumentParser(prog=f"{APP_NAME} {name}", description=help_text)
        module.add_arguments(parser)
        args = parser.parse_args(argv[1:])
        return int(module.run(args))
    args = _gui_parser().parse_args(argv)
    try:
        gui = importlib.import_module("rtreview.gui.app")
    except ImportError as exc:  # Qt missing or its system libraries absent
        print(f"{APP_NAME}: cannot start the window: {exc}", file=sys.stderr)
        return 1
    return int(gui.run(args.paths, screenshot=args.screenshot, case=args.case))


if __name__ == "__main__":
    sys.exit(main())
