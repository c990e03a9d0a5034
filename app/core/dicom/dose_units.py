"""Dose units: RELATIVE doses are shown in % (1.0 = 100 %), never as Gy, unless the user gives the
normalisation (Gy for a relative dose of 1.0).

DICOM RT Dose (PS3.3 C.8.8.3) allows DoseUnits GY or RELATIVE ("dose relative to a reference
value"); the file does not say what that reference is in Gy, so rtreview never guesses it.
"""
from __future__ import annotations

import dataclasses

GY = "GY"
RELATIVE_PERCENT_PER_UNIT = 100.0  # a relative dose of 1.0 is shown as 100 %


def units(dose) -> str:
    return (getattr(dose, "units", GY) or GY).upper()


def is_gy(dose) -> bool:
    return units(dose) == GY


def display_scale(dose) -> tuple[float, str]:
    """``(factor, unit)`` to show this grid's values: (1, 'Gy') for Gy, (100, '%') for a relative dose."""
    return (1.0, "Gy") if is_gy(dose) else (RELATIVE_PERCENT_PER_UNIT, "%")


def describe_max(dose) -> str:
    """'max 52.96 Gy', or 'max 125.0 % (relative dose, DoseUnits RELATIVE: 1.0 shown as 100 %)'."""
    factor, unit = display_scale(dose)
    if unit == "Gy":
        return f"max {dose.max_gy:.2f} Gy"
    return f"max {dose.max_gy * factor:.1f} % (relative dose, DoseUnits {units(dose)}: 1.0 shown as 100 %)"


def normalised(dose, gy_per_unit: float):
    """A relative dose grid in Gy: every value times ``gy_per_unit`` (the user's normalisation)."""
    if is_gy(dose):
        return dose
    if not gy_per_unit > 0:
        raise ValueError(f"the normalisation must be a positive dose in Gy, not {gy_per_unit!r}")
    note = (f"DoseUnits {units(dose)} converted to Gy with the user's normalisation: relative 1.0 = "
            f"{gy_per_unit:g} Gy")
    return dataclasses.replace(dose, dose_gy=(dose.dose_gy * gy_per_unit).astype(dose.dose_gy.dtype), units=GY,
                               notes=list(dose.notes) + [note])


def normalise_case(case, gy_per_unit: float | None) -> list[str]:
    """Convert every relative dose of ``case`` to Gy with ``gy_per_unit`` (None: leave them); notes."""
    if gy_per_unit is None:
        return []
    notes = []
    for patient in case.patients:
        replaced = {}
        for i, dose in enumerate(patient.doses):
            if not is_gy(dose):
                replaced[id(dose)] = patient.doses[i] = normalised(dose, gy_per_unit)
                notes.append(f"{dose.path}: {replaced[id(dose)].notes[-1]}")
        for link in patient.links:
            if id(link.dose) in replaced:
                link.dose = replaced[id(link.dose)]
    return notes
