"""``rtreview batch ROOT [--out FILE] [--protocol NAME] [--workers N] [--scheduler ADDRESS] [--recompute]
[--rx PLAN=GY/FRACTIONS]``.

Cohort mode: every patient under ROOT (one folder or zip per patient, or any mix; patients are
recognised by DICOM Patient ID) gets the DVHs, metrics and constraint results of each of its
plans, written per patient into FILE (SQLite by default; ``.csv`` / ``.parquet`` names export
the same tables as files beside FILE when the run ends). Patients already done in FILE are
skipped unless ``--recompute``. ``--rx`` sets the prescription of every plan with that label
(the ``plans`` table's notes say so; the summary counts the patients each label was applied to). Tables: see app/core/cohort/schema.py and the README.

Progress goes to stderr (a bar on a terminal, one line per patient otherwise); the summary
(done / skipped / failed with reasons) to stdout.

Exit status: 0 when every patient was done or skipped, 1 when any patient or input failed
(the others are stored), 2 for usage errors (unknown protocol, unusable output file,
unreachable Dask scheduler), 130 when interrupted (what was finished is stored).
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

# One BLAS thread per process, set before numpy is imported (importing rtreview.core does): the same
# numbers whichever runner. Equal to rtreview.core.cohort.runners.SINGLE_THREAD_ENV (a test checks).
BLAS_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROG = "rtreview batch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", metavar="ROOT", help="folder holding the cohort (patient folders and/or .zip)")
    parser.add_argument("--out", metavar="FILE", default="rtreview-batch.sqlite",
                        help="output: SQLite file (default rtreview-batch.sqlite), or a .csv / .parquet name")
    parser.add_argument("--protocol", metavar="NAME", default=None,
                        help="protocol for every plan (shipped name, file stem or JSON file); default: "
                             "suggested from each plan's fractionation and targets")
    parser.add_argument("--workers", type=int, metavar="N", default=None,
                        help="local worker processes (default: the number of cores; 1 runs in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run on a Dask distributed cluster, e.g. tcp://HOST:8786 (needs dask[distributed])")
    parser.add_argument("--recompute", action="store_true", help="recompute patients already in the output")
    parser.add_argument("--bin-width", type=float, metavar="GY", default=None,
                        help="DVH bin width in Gy (default 0.01, finer for low doses)")
    parser.add_argument("--rx", action="append", default=[], metavar="PLAN=GY/FRACTIONS",
                        help="the prescription of every plan labelled PLAN in the cohort: GY total in FRACTIONS "
                             "fractions, e.g. ANON=70/35; overrides what the files say (repeatable)")


def run(args: argparse.Namespace) -> int:
    if "numpy" not in sys.modules:  # only where it takes effect (not when called in a process using numpy)
        os.environ.update(BLAS_ENV)
    from rtreview import __version__
    from rtreview.core.cohort.batch import run_batch
    from rtreview.core.cohort.runners import SchedulerError
    from rtreview.core.cohort.store_sqlite import StoreError
    from rtreview.core.constraints import ProtocolError

    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    if not os.path.isdir(args.root) and not (os.path.isfile(args.root) and args.root.lower().endswith(".zip")):
        print(f"{PROG}: {args.root}: no such folder (ROOT is a folder of patient folders / zip archives)",
              file=sys.stderr)
        return EXIT_USAGE
    if args.workers is not None and args.workers < 1:
        print(f"{PROG}: --workers must be at least 1, not {args.workers}", file=sys.stderr)
        return EXIT_USAGE
    if args.bin_width is not None and not args.bin_width > 0:
        print(f"{PROG}: --bin-width must be positive, not {args.bin_width}", file=sys.stderr)
        return EXIT_USAGE
    from rtreview.cli.rx_option import parse_rx

    try:
        prescriptions = tuple(parse_rx(args.rx).values())
    except ValueError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = run_batch(args.root, args.out, protocol=args.protocol, workers=args.workers,
                            scheduler=args.scheduler, recompute=args.recompute, bin_width_gy=args.bin_width,
                            version=__version__, prescriptions=prescriptions)
    except (StoreError, SchedulerError, ProtocolError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:  # unknown protocol name: the message lists the available ones
        print(f"{PROG}: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before any patient was computed (during discovery)
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print("\n".join(summary.lines()))
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if summary.ok else EXIT_FAILED
