"""What the headless commands say about their inputs, the same way in each: missing paths, relative doses."""
from __future__ import annotations

import argparse

MISSING = "no such file or folder"


def missing_paths(case) -> list[str]:
    """'PATH: no such file or folder' for every input path that does not exist."""
    return [f"{issue.path}: {issue.message}" for issue in case.report.errors if issue.message == MISSING]


def load_problems(case) -> str:
    """The loader's errors in one line ('' when none), for 'nothing found' messages."""
    return "; ".join(f"{issue.path}: {issue.message}" for issue in case.report.errors)


def add_relative_dose_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--relative-dose-gy", type=float, metavar="GY", default=None,
                        help="for RT Doses with DoseUnits RELATIVE only: the dose in Gy of a relative 1.0 "
                             "(without it such doses are shown in %% and Gy limits are not evaluated)")


def apply_relative_dose(case, args, prog: str) -> list[str]:
    """Convert relative doses with ``--relative-dose-gy`` (ValueError for a bad value); notes."""
    from rtreview.core.dicom.dose_units import normalise_case

    value = getattr(args, "relative_dose_gy", None)
    if value is not None and not value > 0:
        raise ValueError(f"--relative-dose-gy must be a positive dose in Gy, not {value:g}")
    return normalise_case(case, value)
