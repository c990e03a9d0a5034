"""The Dvh value type: one structure's dose-volume histogram, its statistics and queries.

Volumes in cc, doses in Gy. All curves and statistics describe the part of the structure
inside the dose grid (``covered_volume_cc``); ``volume_cc`` is the whole structure, and the
difference is flagged in ``notes``. Relative volumes (%) are relative to the covered volume.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import quantiles
from .rounding import round_list

# Metrics written by to_json() and the CLI: (key, kind, value); kind 'pct' = Dx%, 'cc' = Dxcc.
STANDARD_METRICS: tuple[tuple[str, str, float], ...] = (
    ("d99_gy", "pct", 99.0), ("d98_gy", "pct", 98.0), ("d95_gy", "pct", 95.0),
    ("d50_gy", "pct", 50.0), ("d5_gy", "pct", 5.0), ("d2_gy", "pct", 2.0), ("d1_gy", "pct", 1.0),
    ("d2cc_gy", "cc", 2.0), ("d0_03cc_gy", "cc", 0.03),
)


@dataclass(frozen=True, eq=False)
class Dvh:
    """Cumulative and differential DVH of one structure on one dose grid.

    ``dose_gy`` are the bin edges 0, w, 2w, ... (w = ``bin_width_gy``); ``cumulative_cc[i]`` is
    the volume receiving at least ``dose_gy[i]`` (last value 0); ``differential_cc[i]`` the
    volume with dose in [dose_gy[i], dose_gy[i+1]) (one value fewer).
    """

    roi_number: int
    name: str
    type: str
    color_rgb: tuple[int, int, int]
    volume_cc: float
    covered_volume_cc: float
    min_gy: float
    mean_gy: float
    max_gy: float
    bin_width_gy: float
    dose_gy: np.ndarray
    cumulative_cc: np.ndarray
    differential_cc: np.ndarray
    notes: tuple[str, ...] = ()
    prescription_gy: float | None = None
    # Dose samples and their volumes (cc), float32, covered part only; empty when not kept.
    sample_dose_gy: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)
    sample_volume_cc: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)

    def __post_init__(self) -> None:
        for name in ("dose_gy", "cumulative_cc", "differential_cc", "sample_dose_gy", "sample_volume_cc"):
            getattr(self, name).flags.writeable = False

    @property
    def uncovered_volume_cc(self) -> float:
        return max(self.volume_cc - self.covered_volume_cc, 0.0)

    @property
    def has_samples(self) -> bool:
        return self.sample_dose_gy.size > 0

    def cumulative_pct(self) -> np.ndarray:
        """Cumulative curve in % of the covered volume."""
        if self.covered_volume_cc <= 0:
            return np.zeros_like(self.cumulative_cc)
        return 100.0 * self.cumulative_cc / self.covered_volume_cc

    def dose_pct(self) -> np.ndarray:
        """Dose axis in % of the prescription; ValueError without a prescription."""
        if not self.prescription_gy:
            raise ValueError(f"{self.name}: no prescription dose to express doses in %")
        return 100.0 * self.dose_gy / self.prescription_gy

    # -- dose at volume -------------------------------------------------------------------
    def d_cc(self, volume_cc: float) -> float:
        """Minimum dose (Gy) received by the hottest ``volume_cc``; NaN if larger than the structure."""
        if not self.covered_volume_cc > 0:
            return float("nan")
        if self.has_samples:
            return quantiles.dose_at_volume_samples(self.sample_dose_gy, self.sample_volume_cc,
                                                    self.cumulative_cc, self.bin_width_gy, volume_cc)
        return quantiles.dose_at_volume_curve(self.dose_gy, self.cumulative_cc, volume_cc)

    def d_pct(self, percent: float) -> float:
        """Minimum dose (Gy) received by the hottest ``percent`` % of the covered volume."""
        if not self.covered_volume_cc > 0:
            return float("nan")
        if percent <= 0:
            return self.max_gy
        if percent >= 100:
            return self.min_gy
        return self.d_cc(percent / 100.0 * self.covered_volume_cc)

    def d_pct_curve(self, percent: float) -> float:
        """Dx% read off the cumulative curve (linear between points), for comparison with d_pct."""
        if not self.covered_volume_cc > 0:
            return float("nan")
        return quantiles.dose_at_volume_curve(self.dose_gy, self.cumulative_cc,
                                              percent / 100.0 * self.covered_volume_cc)

    def d_cc_curve(self, volume_cc: float) -> float:
        if not self.covered_volume_cc > 0:
            return float("nan")
        return quantiles.dose_at_volume_curve(self.dose_gy, self.cumulative_cc, volume_cc)

    # -- volume at dose -------------------------------------------------------------------
    def v_gy(self, dose_gy: float, relative: bool = False) -> float:
        """Volume receiving at least ``dose_gy``: cc, or % of the covered volume if ``relative``."""
        if self.has_samples:
            cc = quantiles.volume_at_dose_samples(self.sample_dose_gy, self.sample_volume_cc, dose_gy)
        else:
            cc = quantiles.volume_at_dose_curve(self.dose_gy, self.cumulative_cc, dose_gy)
        if not relative:
            return cc
        return 100.0 * cc / self.covered_volume_cc if self.covered_volume_cc > 0 else float("nan")

    def cv_gy(self, dose_gy: float, relative: bool = False) -> float:
        """Complement volume (TG-263 CV): the covered volume receiving LESS than ``dose_gy`` (cc, or %
        of the covered volume): the spared volume of a critical-volume limit ("at least 700 cc of
        normal liver below 15 Gy"). Only the covered part counts: volume outside the dose grid has an
        unknown dose and is never counted as spared."""
        if not self.covered_volume_cc > 0:
            return float("nan")
        cc = max(self.covered_volume_cc - self.v_gy(dose_gy), 0.0)
        return 100.0 * cc / self.covered_volume_cc if relative else cc

    def dc_cc(self, volume_cc: float) -> float:
        """Dose complement (TG-263 DC): the maximum dose (Gy) received by the coldest ``volume_cc`` of
        the covered volume, i.e. D at (covered - volume_cc); NaN when the structure is smaller."""
        covered = self.covered_volume_cc
        if not covered > 0 or volume_cc > covered * (1 + 1e-12) or volume_cc < 0:
            return float("nan")
        if volume_cc >= covered:
            return self.max_gy
        return self.d_cc(covered - volume_cc)

    def v_pct_rx(self, percent_of_prescription: float, relative: bool = False) -> float:
        """Volume receiving at least ``percent_of_prescription`` % of the prescription dose."""
        if not self.prescription_gy:
            raise ValueError(f"{self.name}: no prescription dose for V{percent_of_prescription:g}%")
        return self.v_gy(percent_of_prescription / 100.0 * self.prescription_gy, relative)

    def homogeneity_index(self) -> float:
        """ICRU 83: (D2% - D98%) / D50%."""
        d50 = self.d_pct(50.0)
        return (self.d_pct(2.0) - self.d_pct(98.0)) / d50 if d50 > 0 else float("nan")

    # -- export ---------------------------------------------------------------------------
    def metrics(self) -> dict[str, float | None]:
        """The standard Dx metrics and HI (None where undefined, e.g. D2cc of a 1 cc structure)."""
        # One batch of quantiles (the same values as d_pct / d_cc one by one); HI from D2, D98, D50.
        requests = list(dict.fromkeys([(kind, x) for _, kind, x in STANDARD_METRICS]
                                      + [("pct", 50.0), ("pct", 2.0), ("pct", 98.0)]))
        values = dict(zip(requests, self.dose_values(requests)))
        out: dict[str, float | None] = {key: _finite(values[(kind, x)]) for key, kind, x in STANDARD_METRICS}
        d50, d2, d98 = values[("pct", 50.0)], values[("pct", 2.0)], values[("pct", 98.0)]
        out["hi"] = _finite((d2 - d98) / d50 if d50 > 0 else float("nan"))  # homogeneity_index()
        return out

    def dose_values(self, requests: list[tuple[str, float]]) -> list[float]:
        """``d_pct(x)`` for ("pct", x) and ``d_cc(x)`` for ("cc", x), for several at once: the
        same values, the samples of all the quantiles' windows picked in one pass."""
        results: list[float] = [float("nan")] * len(requests)
        batch: list[tuple[int, float]] = []
        for i, (kind, x) in enumerate(requests):
            if not self.covered_volume_cc > 0:
                continue
            if kind == "pct":
                if x <= 0:
                    results[i] = self.max_gy
                    continue
                if x >= 100:
                    results[i] = self.min_gy
                    continue
                target = x / 100.0 * self.covered_volume_cc
            else:
                target = x
            if self.has_samples:
                batch.append((i, target))
            else:
                results[i] = quantiles.dose_at_volume_curve(self.dose_gy, self.cumulative_cc, target)
        if batch:
            values = quantiles.doses_at_volumes_samples(self.sample_dose_gy, self.sample_volume_cc,
                                                        self.cumulative_cc, self.bin_width_gy, [t for _, t in batch])
            for (i, _), value in zip(batch, values):
                results[i] = value
        return results

    def to_json(self, digits: int = 6) -> dict:
        """This structure's entry of ``rtreview dvh --format json`` (see ARCHITECTURE.md)."""
        entry = {
            "name": self.name, "roi_number": self.roi_number, "type": self.type,
            "volume_cc": _round(self.volume_cc, digits),
            "covered_volume_cc": _round(self.covered_volume_cc, digits),
            "min_gy": _round(self.min_gy, digits), "mean_gy": _round(self.mean_gy, digits),
            "max_gy": _round(self.max_gy, digits),
        }
        entry.update({k: _round(v, digits) for k, v in self.metrics().items()})
        entry["bin_width_gy"] = self.bin_width_gy
        entry["notes"] = list(self.notes)
        entry["cumulative"] = {
            "dose_gy": round_list(self.dose_gy, 8),  # == [round(float(d), 8) for d in ...], vectorized
            "volume_cc": round_list(self.cumulative_cc, digits),
        }
        return entry


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _round(value: float | None, digits: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)
