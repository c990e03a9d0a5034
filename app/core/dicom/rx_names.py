"""Prescriptions written in ROI names: Pinnacle's rx POINT ROIs and target names carrying a dose.

Pure text parsing (no DICOM objects). Conservative by design: a name that could be read two
ways gives no dose, and says why (docs/prescription.md lists the rules).

- Pinnacle exports each prescription of a trial as a POINT ROI named
  ``rx N: <prescription name>: <dose per fraction> cGy x <fractions> to <level>%: pt: <point>``,
  e.g. ``rx 1: H&N PTV 50 Gy:  250 cGy x 22 to 96%: pt: Shifted Isocenter`` (55 Gy in 22
  fractions; the '50 Gy' is the prescription's name, not its dose).
- Target names: ``PTV_70Gy``, ``H&N PTV_55 Gy``, ``PTV1_50Gy`` (a unit given: taken as written),
  ``PTV_5000`` (no unit: 1000-9999 is cGy), ``PTV_54.0`` or ``PTV_70`` (no unit: a decimal,
  or a whole number 20-100, is Gy). Numbers glued to letters (``PTV1``, ``L4``, ``3mm``) are
  not doses; a bare number below 10 is an index (``PTV_1``); 10-19 and 100-999 without a
  unit are ambiguous.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Plausible totals (Gy) of a prescription read from a name; outside: not a dose.
MIN_TOTAL_GY, MAX_TOTAL_GY = 1.0, 150.0
# Plausible dose per fraction (Gy) of an rx ROI (single-fraction radiosurgery reaches 24 Gy).
MIN_PER_FRACTION_GY, MAX_PER_FRACTION_GY = 0.1, 30.0

_RX_ROI = re.compile(r"^\s*rx\s*(\d+)\s*:(.*)$", re.IGNORECASE | re.DOTALL)
_RX_DOSE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(cgy|gy)\s*[x×*]\s*(\d+)(?![\d.,])", re.IGNORECASE)
_RX_LEVEL = re.compile(r"\bto\s+(\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)
# A number standing alone in a name: not glued to a letter, digit or decimal point on the left.
_NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(\d+(?:[.,]\d+)?)(?:\s*(cgy|gy)(?![a-z]))?(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class RxRoi:
    """One Pinnacle prescription ROI: ``rx <number>: ...: <dose_per_fraction> x <fractions>``."""

    number: int
    name: str
    dose_per_fraction_gy: float
    fractions: int
    level_pct: float | None = None  # 'to 96%': the isodose the prescription is normalised to

    @property
    def total_gy(self) -> float:
        return self.dose_per_fraction_gy * self.fractions

    def describe(self) -> str:
        level = f" to {self.level_pct:g}%" if self.level_pct is not None else ""
        return (f"'{self.name.strip()}': {self.dose_per_fraction_gy * 100:g} cGy x {self.fractions}{level} "
                f"= {self.total_gy:g} Gy")


def is_rx_roi_name(name: str) -> bool:
    """True for names of the form ``rx N: ...`` (whether or not their dose can be read)."""
    return _RX_ROI.match(name or "") is not None


def parse_rx_roi(name: str) -> tuple[RxRoi | None, str]:
    """``(RxRoi, '')``, or ``(None, why not)`` for an rx ROI name without a usable dose."""
    match = _RX_ROI.match(name or "")
    if match is None:
        return None, "not an rx ROI name"
    rest = match.group(2)
    doses = _RX_DOSE.findall(rest)
    if len(doses) != 1:
        what = "no 'dose x fractions'" if not doses else "several 'dose x fractions'"
        return None, f"rx ROI '{name.strip()}': {what} in its name"
    value, unit, count = doses[0]
    per_fraction = _float(value) / (100.0 if unit.lower() == "cgy" else 1.0)
    fractions = int(count)
    if not MIN_PER_FRACTION_GY <= per_fraction <= MAX_PER_FRACTION_GY or fractions <= 0:
        return None, (f"rx ROI '{name.strip()}': {value} {unit} x {count} is not a plausible "
                      "dose per fraction and fraction count")
    level = _RX_LEVEL.search(rest)
    return RxRoi(int(match.group(1)), name, per_fraction, fractions,
                 _float(level.group(1)) if level else None), ""


@dataclass(frozen=True)
class NameDose:
    """What one target name says about a dose: ``dose_gy`` (None when it states none) or why
    it is ambiguous (``ambiguous`` non-empty)."""

    dose_gy: float | None = None
    ambiguous: str = ""


def dose_in_target_name(name: str) -> NameDose:
    """The total dose a target ROI name carries (rules in the module docstring)."""
    doses: list[float] = []
    unclear: list[str] = []
    for match in _NUMBER.finditer(name or ""):
        text, unit = match.group(1), (match.group(2) or "").lower()
        value = _float(text)
        if unit:
            gy = value / 100.0 if unit == "cgy" else value
            if MIN_TOTAL_GY <= gy <= MAX_TOTAL_GY:
                doses.append(gy)
            else:
                unclear.append(f"{match.group(0).strip()} is not a plausible prescription")
        elif "." in text or "," in text:
            if 10.0 <= value <= 100.0:
                doses.append(value)
            elif value >= 1.0:
                unclear.append(f"{text} without a unit is ambiguous")
        elif 1000 <= value <= 9999:
            doses.append(value / 100.0)  # cGy by magnitude: PTV_5000
        elif 20 <= value <= 100:
            doses.append(value)
        elif value >= 10:
            unclear.append(f"{text} without a unit is ambiguous (Gy, cGy or an index?)")
    distinct = sorted({round(d, 4) for d in doses})
    if unclear:
        return NameDose(None, "; ".join(unclear))
    if len(distinct) > 1:
        return NameDose(None, f"several doses ({', '.join(f'{d:g}' for d in distinct)} Gy)")
    return NameDose(distinct[0] if distinct else None)


def _float(text: str) -> float:
    return float(text.replace(",", "."))
