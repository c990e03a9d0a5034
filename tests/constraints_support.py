"""Analytic stand-ins for DVHs and protocols used by the constraint tests.

``LinearDvh``: a structure whose dose is uniformly distributed between ``lo_gy`` and
``hi_gy`` (a linear dose gradient across a uniform slab; a uniform dose when equal), so
every metric has a closed form: Dmean = (lo + hi)/2, Dx% = hi - x/100 (hi - lo),
V(d) = (hi - d)/(hi - lo) of the volume. It has the public API of rtreview.core.dvh.Dvh.
"""
from __future__ import annotations

import copy

import numpy as np


class LinearDvh:
    def __init__(self, lo_gy: float, hi_gy: float, volume_cc: float = 100.0, covered_cc: float | None = None):
        self.lo, self.hi = float(lo_gy), float(hi_gy)
        self.volume_cc = float(volume_cc)
        self.covered_volume_cc = self.volume_cc if covered_cc is None else float(covered_cc)
        self.min_gy, self.max_gy, self.mean_gy = self.lo, self.hi, 0.5 * (self.lo + self.hi)
        self.dose_gy = np.linspace(0.0, self.hi + 1.0, 1001)
        self.cumulative_cc = np.array([self.v_gy(d) for d in self.dose_gy])

    def _fraction_above(self, dose_gy: float) -> float:
        if self.hi == self.lo:
            return 1.0 if dose_gy <= self.lo else 0.0
        return float(np.clip((self.hi - dose_gy) / (self.hi - self.lo), 0.0, 1.0))

    def v_gy(self, dose_gy: float, relative: bool = False) -> float:
        f = self._fraction_above(dose_gy)
        return 100.0 * f if relative else f * self.covered_volume_cc

    def d_cc(self, volume_cc: float) -> float:
        if volume_cc > self.covered_volume_cc:
            return float("nan")
        return self.hi - volume_cc / self.covered_volume_cc * (self.hi - self.lo)

    def d_pct(self, percent: float) -> float:
        return self.d_cc(percent / 100.0 * self.covered_volume_cc)

    def cv_gy(self, dose_gy: float, relative: bool = False) -> float:
        """Volume below ``dose_gy`` (the complement of v_gy over the covered volume)."""
        f = 1.0 - self._fraction_above(dose_gy)
        return 100.0 * f if relative else f * self.covered_volume_cc

    def dc_cc(self, volume_cc: float) -> float:
        """The dose under which the coldest ``volume_cc`` lie."""
        if volume_cc > self.covered_volume_cc:
            return float("nan")
        return self.lo + volume_cc / self.covered_volume_cc * (self.hi - self.lo)


def protocol_dict() -> dict:
    """A small valid protocol document (a fresh copy each call, for mutation in tests)."""
    return copy.deepcopy({
        "format": "rtreview-protocol", "format_version": 1, "name": "Test 50 Gy / 25 fx",
        "fractionation": {"prescription_gy": 50.0, "fractions": 25},
        "marginal_band_pct": 5,
        "structures": [
            {"name": "PTV", "aliases": ["PTV_LIVER"], "alpha_beta_gy": 10, "target": True,
             "constraints": [{"metric": "D95%", "comparator": ">=", "limit": 95, "unit": "%Rx",
                              "level": "mandatory", "source": "ICRU 83"}]},
            {"name": "Liver", "aliases": ["LIVER"], "alpha_beta_gy": 3, "constraints": []},
            {"name": "GTV", "aliases": ["GTV_LIVER"], "alpha_beta_gy": 10, "constraints": []},
            {"name": "Liver-GTV", "alpha_beta_gy": 3,
             "derived": {"operation": "subtraction", "operands": ["Liver", "GTV"]},
             "constraints": [{"metric": "Dmean", "comparator": "<=", "limit": 28, "dose_basis": "eqd2",
                              "level": "mandatory", "source": "QUANTEC Pan 2010"}]},
        ],
    })
