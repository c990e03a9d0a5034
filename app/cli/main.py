"""The front door: ``rtreview [PATH...]`` opens the window, ``rtreview SUBCOMMAND ...`` runs headless.

Each headless subcommand lives in its own module under ``rtreview.cli`` exposing
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status).

Mistakes: a first word that is neither a subcommand nor an existing file or folder
(``rtreview frobnicate``) is a usage error (exit 2), as is any PATH that does not exist; a path
that exists always opens the window. When the reader of a subcommand's output goes away
(``rtreview info PATH | head``) the command stops quietly with exit status 141 (as a shell reports
SIGPIPE), without a traceback.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import os
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
    "compare": ("rtreview.cli.compare", "compare plans: DVH metrics and constraints side by side, dose difference, gamma"),
    "composite": ("rtreview.cli.composite", "export a composite (physical or EQD2) or a dose difference as an RT Dose file"),
}

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left (`| head`)


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


def _path_problem(paths: list[str]) -> str | None:
    """Why the window's PATH arguments cannot be meant ('' when they can): a first word that is
    no file and looks like a command is a mistyped subcommand; other missing paths are named."""
    for i, path in enumerate(paths):
        if os.path.exists(path):
            continue
        if i == 0 and os.sep not in path and "/" not in path and "." not in path:
            close = difflib.get_close_matches(path, list(SUBCOMMANDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return (f"'{path}' is not a subcommand{hint} and no file or folder of that name exists; "
                    f"subcommands: {', '.join(SUBCOMMANDS)}")
        return f"no such file or folder: {path}"
    return None


def _quiet_broken_pipe() -> int:
    """The reader of our output went away (``rtreview info PATH | head``): stop without a traceback."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the final flush must not fail again
    except OSError:
        pass
    return EXIT_BROKEN_PIPE


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        name = argv[0]
        module_name, help_text = SUBCOMMANDS[name]
        module = importlib.import_module(module_name)
        parser = argparse.ArgumentParser(prog=f"{APP_NAME} {name}", description=help_text)
        module.add_arguments(parser)
        args = parser.parse_args(argv[1:])
        try:
            status = int(module.run(args))
            sys.stdout.flush()
            return status
        except BrokenPipeError:
            return _quiet_broken_pipe()
    parser = _gui_parser()
    args = parser.parse_args(argv)
    problem = _path_problem(args.paths)
    if problem:
        parser.print_usage(sys.stderr)
        print(f"{APP_NAME}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    preload = _start_preload(args.paths)  # first: the case loads on the other core while Qt starts
    try:
        gui = importlib.import_module("rtreview.gui.app")
    except ImportError as exc:  # Qt missing or its system libraries absent
        if preload is not None:
            preload.close()
        print(f"{APP_NAME}: cannot start the window: {exc}", file=sys.stderr)
        return 1
    extra = {"preload": preload} if preload is not None else {}
    return int(gui.run(args.paths, screenshot=args.screenshot, case=args.case, **extra))


def _start_preload(paths: list[str]):
    """The window's case read (and its DVHs computed) in a second process from the start
    (rtreview.gui.preload; None where that is not done). Called before anything imports Qt."""
    from rtreview.gui import preload

    if not preload.enabled():
        return None
    if not paths:
        from rtreview.paths import sample_dicom_dir

        paths = [str(sample_dicom_dir())]
    return preload.start(paths)


if __name__ == "__main__":
    sys.exit(main())
