"""DVH curves in display units: cumulative / differential, cc / %, Gy / % Rx / EQD2 (no Qt).

Works on the DVH engine's ``Dvh`` objects (``dose_gy``, ``cumulative_cc``, ``differential_cc``,
``volume_cc``); the arrays are used as they are for Gy and cc, so the plotted curve *is* the
engine's curve.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from rtreview.core.dvh.radiobiology import ALPHA_BETA_LATE_GY, ALPHA_BETA_TUMOR_GY
from rtreview.core.dvh.radiobiology import eqd2_gy as _engine_eqd2_gy

DEFAULT_ALPHA_BETA_TARGET_GY = ALPHA_BETA_TUMOR_GY
DEFAULT_ALPHA_BETA_OAR_GY = ALPHA_BETA_LATE_GY


class CurveKind(str, Enum):
    CUMULATIVE = "Cumulative"
    DIFFERENTIAL = "Differential"


class DoseUnit(str, Enum):
    GY = "Gy"
    PCT_RX = "% Rx"
    EQD2 = "EQD2 (Gy)"


class VolumeUnit(str, Enum):
    CC = "cc"
    PCT = "%"


@dataclass(frozen=True)
class CurveSettings:
    kind: CurveKind = CurveKind.CUMULATIVE
    dose_unit: DoseUnit = DoseUnit.GY
    volume_unit: VolumeUnit = VolumeUnit.CC

    def axis_labels(self, relative: bool = False) -> tuple[str, str]:
        """Axis titles; ``relative``: the dose is DoseUnits RELATIVE (shown in %, never Gy)."""
        dose = {DoseUnit.GY: "Dose (Gy)", DoseUnit.PCT_RX: "Dose (% of Rx)",
                DoseUnit.EQD2: "EQD2 (Gy)"}[self.dose_unit]
        if relative and self.dose_unit is DoseUnit.GY:
            dose = "Dose (% of the relative reference)"
        volume = "Volume (cc)" if self.volume_unit is VolumeUnit.CC else "Volume (%)"
        if self.kind is CurveKind.DIFFERENTIAL:
            volume = volume.replace("Volume", "Volume per bin")
        return dose, volume


def default_alpha_beta_gy(is_target: bool) -> float:
    """The last resort of the α/β resolution (rtreview.core.constraints.alpha_beta): 10 / 3 Gy."""
    return DEFAULT_ALPHA_BETA_TARGET_GY if is_target else DEFAULT_ALPHA_BETA_OAR_GY


def eqd2_gy(dose_gy: np.ndarray, fractions: int, alpha_beta_gy: float) -> np.ndarray:
    """Equivalent dose in 2-Gy fractions of a total dose given in ``fractions`` equal fractions
    (the DVH engine's linear-quadratic conversion, applied to the curve's dose axis: the
    conversion is monotonic, so the cumulative curve maps point by point)."""
    return np.asarray(_engine_eqd2_gy(np.asarray(dose_gy, dtype=float), max(int(fractions), 1), alpha_beta_gy))


def can_show(settings: CurveSettings, rx_gy: float | None, fractions: int | None, relative: bool = False) -> str:
    """'' when the settings can be drawn, else why not (e.g. EQD2 without fractions)."""
    if relative and settings.dose_unit is not DoseUnit.GY:
        return "the dose is relative (DoseUnits RELATIVE), not Gy: % Rx and EQD2 unavailable"
    if settings.dose_unit is DoseUnit.PCT_RX and not rx_gy:
        return "needs Rx: the plan's prescription is unknown — set it in the plan tree (double-click its Rx row)"
    if settings.dose_unit is DoseUnit.EQD2 and not fractions:
        return "needs fractions: the plan's number of fractions is unknown — set it in the plan tree"
    return ""


def eqd2_groups_note(link) -> str:
    """The approximation EQD2 makes on a dose that sums several fraction groups ('' otherwise)."""
    plan = getattr(link, "plan", None)
    if plan is None or len(plan.fraction_groups) < 2 or link.fraction_group is not None or not plan.fractions:
        return ""
    counts = " + ".join(str(g.fractions) for g in plan.fraction_groups)
    return (f"EQD2 with the plan's total {plan.fractions} fractions ({counts}: {len(plan.fraction_groups)} fraction "
            "groups in one dose): exact where each fraction gives a voxel the same dose, an underestimate where "
            "the groups' doses per fraction differ")


def convert_dose(dose_gy: np.ndarray, settings: CurveSettings, rx_gy: float | None,
                 fractions: int | None, alpha_beta_gy: float) -> np.ndarray:
    if settings.dose_unit is DoseUnit.PCT_RX:
        return np.asarray(dose_gy, dtype=float) * (100.0 / float(rx_gy or 1.0))
    if settings.dose_unit is DoseUnit.EQD2:
        return eqd2_gy(dose_gy, int(fractions or 1), alpha_beta_gy)
    return np.asarray(dose_gy)


def curve(dvh, settings: CurveSettings, rx_gy: float | None = None, fractions: int | None = None,
          alpha_beta_gy: float = DEFAULT_ALPHA_BETA_OAR_GY, dose_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of one DVH in the chosen units. Differential volumes are per bin, plotted at
    the bin's lower dose edge when the engine gives one value per edge, else at bin centres."""
    dose = np.asarray(dvh.dose_gy)
    if settings.kind is CurveKind.CUMULATIVE:
        volume = np.asarray(dvh.cumulative_cc)
    else:
        volume = np.asarray(dvh.differential_cc)
        if volume.size == dose.size - 1:
            dose = (dose[:-1] + dose[1:]) / 2
    if settings.volume_unit is VolumeUnit.PCT:  # % of the covered volume, as the engine's Dvh
        total = float(dvh.covered_volume_cc) or 1.0
        volume = volume * (100.0 / total)
    return convert_dose(dose, settings, rx_gy, fractions, alpha_beta_gy) * dose_scale, volume
