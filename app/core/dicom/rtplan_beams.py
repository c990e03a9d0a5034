"""Read an RT Plan's beams and fraction groups (RT Beams / RT Ion Beams and RT Fraction Scheme modules)."""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from .plan import Beam, FractionGroup
from .source import text

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

# More fractions than this is noted as implausible (kept: the numbers are still computable).
MAX_PLAUSIBLE_FRACTIONS = 100
# NumberOfFractionsPlanned written as text with a unit after the count: "22 fx", "22 fractions".
_COUNT_WITH_WORD = re.compile(r"^\s*(\d+)\s*(fx|fxs|fr|frs|fractions?)\.?\s*$", re.IGNORECASE)


def number(value) -> float | None:
    """A finite float, or None (absent, not numeric, NaN or infinite)."""
    try:
        result = None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None
    return result if result is not None and math.isfinite(result) else None


def whole(value) -> int | None:
    f = number(value)
    return None if f is None else int(round(f))


def _get(item: Dataset, keyword: str):
    """An attribute's value, or None when absent or undecodable (damaged VR bytes)."""
    try:
        return item.get(keyword, None)
    except Exception:  # pydicom converts raw values lazily; damaged ones raise here
        return None


def fraction_count(group: Dataset, label: str, notes: list[str]) -> int | None:
    """NumberOfFractionsPlanned of one group; a note says what was wrong when it is unusable.

    Written as text ("22 fx", "22.0", a VR other than IS): the count is taken when the text is
    a whole number, optionally followed by 'fx' / 'fractions'; anything else is unknown."""
    raw = _get(group, "NumberOfFractionsPlanned")
    if raw is None or str(raw).strip() == "":
        notes.append(f"{label}: number of fractions not stated (NumberOfFractionsPlanned absent)")
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    value = number(raw)
    if value is None:
        match = _COUNT_WITH_WORD.match(str(raw))
        if match is None:
            notes.append(f"{label}: NumberOfFractionsPlanned {str(raw)!r} is not a number; fractions unknown")
            return None
        value = float(match.group(1))
        notes.append(f"{label}: NumberOfFractionsPlanned written as text {str(raw)!r}; read as {int(value)}")
    if value != int(value):
        notes.append(f"{label}: NumberOfFractionsPlanned {value:g} is not a whole number; fractions unknown")
        return None
    count = int(value)
    if count <= 0:
        notes.append(f"{label}: NumberOfFractionsPlanned {count} is not positive; ignored")
        return None
    if count > MAX_PLAUSIBLE_FRACTIONS:
        notes.append(f"{label}: NumberOfFractionsPlanned {count} is implausible; check the plan")
    return count


def read_fraction_groups(ds: Dataset, notes: list[str]) -> list[FractionGroup]:
    """The plan's fraction groups (without prescriptions: see rtplan); [] with a note when the
    FractionGroupSequence is absent or empty."""
    items = list(_get(ds, "FractionGroupSequence") or [])
    if not items:
        notes.append("the plan has no fraction group (FractionGroupSequence absent or empty): "
                     "number of fractions unknown")
        return []
    groups = []
    for index, item in enumerate(items):
        num = whole(_get(item, "FractionGroupNumber"))
        label = f"fraction group {num if num is not None else index + 1}"
        refs = list(_get(item, "ReferencedBeamSequence") or [])
        beam_numbers = tuple(n for n in (whole(_get(b, "ReferencedBeamNumber")) for b in refs) if n is not None)
        doses = [d for d in (number(_get(b, "BeamDose")) for b in refs) if d is not None]
        groups.append(FractionGroup(
            number=num, fractions=fraction_count(item, label, notes), beam_numbers=beam_numbers,
            beam_dose_gy=float(sum(doses)) if doses else None, beam_doses_stated=len(doses)))
    return groups


def beam_dose_sum_gy(groups: list[FractionGroup]) -> float | None:
    """Sum over groups of BeamDose x fractions (the BeamDose values stated; None unless every
    group states some and its fractions)."""
    if not groups or any(g.beam_dose_gy is None or not g.fractions for g in groups):
        return None
    return float(sum(g.beam_dose_gy * g.fractions for g in groups))


def read_beams(ds: Dataset, groups: list[FractionGroup]) -> list[Beam]:
    """Every beam of the Beam Sequence (or Ion Beam Sequence), with its meterset and group."""
    metersets: dict[int, tuple[float | None, int | None]] = {}
    for item in _get(ds, "FractionGroupSequence") or []:
        group_number = whole(_get(item, "FractionGroupNumber"))
        for ref in _get(item, "ReferencedBeamSequence") or []:
            n = whole(_get(ref, "ReferencedBeamNumber"))
            if n is not None and n not in metersets:
                metersets[n] = (number(_get(ref, "BeamMeterset")), group_number)
    beams = []
    for item in list(_get(ds, "BeamSequence") or []) + list(_get(ds, "IonBeamSequence") or []):
        n = whole(_get(item, "BeamNumber"))
        points = list(_get(item, "ControlPointSequence") or [])
        count = whole(_get(item, "NumberOfControlPoints"))
        meterset, group = metersets.get(n, (None, None)) if n is not None else (None, None)
        beams.append(Beam(
            number=n, name=text(item, "BeamName"), description=text(item, "BeamDescription"),
            type=text(item, "BeamType").upper(), technique=_technique(item, points),
            radiation_type=text(item, "RadiationType").upper(),
            nominal_energy_mev=number(_get(points[0], "NominalBeamEnergy")) if points else None,
            meterset=meterset, meterset_unit=text(item, "PrimaryDosimeterUnit"),
            control_points=count if count is not None else len(points),
            delivery_type=text(item, "TreatmentDeliveryType").upper(), fraction_group=group))
    return beams


def _technique(item: Dataset, points: list) -> str:
    direction = text(points[0], "GantryRotationDirection").upper() if points else ""
    if direction in ("CW", "CC"):
        return "arc"
    return "dynamic" if text(item, "BeamType").upper() == "DYNAMIC" else "static"
