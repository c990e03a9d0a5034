"""``--rx PLAN=GY/FRACTIONS`` (repeatable) for dvh, check, report and batch: the user's
prescription for a plan, overriding what the files say (``prescription_source`` 'user').

``PLAN`` is the plan label (RTPlanLabel, case-insensitive), ``GY`` the total prescription in Gy
(> 0, at most MAX_RX_GY), ``FRACTIONS`` the total number of fractions (a whole number > 0, at
most MAX_FRACTIONS). E.g. ``--rx ANON=70/35``. A malformed value is a usage error (exit 2) with
one line naming it.
"""
from __future__ import annotations

import argparse
import math

MAX_RX_GY = 200.0
MAX_FRACTIONS = 100
HELP = ("the prescription of plan PLAN (its label): GY total in FRACTIONS fractions, e.g. ANON=70/35; "
        "overrides what the files say (repeatable)")


def add_rx_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rx", action="append", default=[], metavar="PLAN=GY/FRACTIONS", help=HELP)


def parse_rx(values: list[str]) -> dict[str, tuple[str, float, int]]:
    """``{label casefolded: (label, Gy, fractions)}``; ValueError with one line per bad value."""
    out: dict[str, tuple[str, float, int]] = {}
    for value in values or []:
        label, sep, rest = value.partition("=")
        label = label.strip()
        gy_text, slash, n_text = rest.partition("/")
        if not sep or not label or not slash:
            raise ValueError(f"--rx {value!r}: expected PLAN=GY/FRACTIONS, e.g. ANON=70/35")
        try:
            gy = float(gy_text.strip().removesuffix("Gy").removesuffix("gy").strip())
        except ValueError:
            raise ValueError(f"--rx {value!r}: {gy_text.strip()!r} is not a dose in Gy") from None
        if not math.isfinite(gy) or not 0 < gy <= MAX_RX_GY:
            raise ValueError(f"--rx {value!r}: the prescription must be above 0 and at most {MAX_RX_GY:g} Gy")
        n_text = n_text.strip()
        if not n_text.isdigit() or not 0 < int(n_text) <= MAX_FRACTIONS:
            raise ValueError(f"--rx {value!r}: FRACTIONS must be a whole number from 1 to {MAX_FRACTIONS}")
        key = label.casefold()
        if key in out:
            raise ValueError(f"--rx names plan {label!r} twice")
        out[key] = (label, gy, int(n_text))
    return out


def apply_rx_to_case(case, overrides) -> str:
    """The overrides on every plan of ``case``; '' or the usage error naming unknown labels."""
    from rtreview.core.dicom.prescription import apply_user_prescriptions

    plans = [plan for patient in case.patients for plan in patient.plans]
    missing = apply_user_prescriptions(plans, overrides, "set with --rx on the command line")
    if not missing:
        return ""
    labels = ", ".join(sorted({p.label for p in plans if p.label})) or "none"
    return f"--rx names plan(s) not found: {', '.join(missing)} (plans loaded: {labels})"
