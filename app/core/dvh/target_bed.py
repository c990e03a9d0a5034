"""Target BED: the biologically effective dose of a target's dose distribution, with a chosen α/β.

BED = n d (1 + d / (α/β)) for n fractions of d Gy (linear-quadratic model, no time factor). For a
target the α/β is a choice the reviewer makes and sees: 10 Gy is the conventional tumour value
(Fowler JF. Br J Radiol 1989;62:679-694); 15 Gy is used for hepatocellular carcinoma in the
literature (e.g. Tai A et al. IJROBP 2008;70(3):900-907, α/β = 15.0 ± 2.0 Gy fitted to HCC
survival data). rtreview uses the target's one α/β (the structure list, user overrides, 10 Gy by
default) and reports which.

Because the conversion is monotonic per voxel, the BED of Dx% is the Dx% of the BED distribution;
the mean BED is the mean of the voxel-wise BED (not the BED of the mean dose).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import radiobiology


@dataclass(frozen=True)
class TargetBed:
    """BED figures of one target (Gy), for ``fractions`` fractions and ``alpha_beta_gy``."""

    name: str
    alpha_beta_gy: float
    alpha_beta_origin: str
    fractions: int
    d98_bed_gy: float
    d95_bed_gy: float
    d50_bed_gy: float
    mean_bed_gy: float
    prescription_bed_gy: float | None

    @property
    def eqd2_factor(self) -> float:
        """EQD2 = BED / (1 + 2 / (α/β))."""
        return 1.0 / (1.0 + 2.0 / self.alpha_beta_gy)

    def to_json(self, digits: int = 6) -> dict:
        def r(x):
            return None if x is None or not math.isfinite(x) else round(float(x), digits)
        return {"structure": self.name, "alpha_beta_gy": self.alpha_beta_gy, "alpha_beta_origin": self.alpha_beta_origin,
                "fractions": self.fractions, "d98_bed_gy": r(self.d98_bed_gy), "d95_bed_gy": r(self.d95_bed_gy),
                "d50_bed_gy": r(self.d50_bed_gy), "mean_bed_gy": r(self.mean_bed_gy),
                "d95_eqd2_gy": r(self.d95_bed_gy * self.eqd2_factor),
                "prescription_bed_gy": r(self.prescription_bed_gy),
                "prescription_eqd2_gy": r(None if self.prescription_bed_gy is None
                                          else self.prescription_bed_gy * self.eqd2_factor)}


def target_bed(dvh, fractions: int, alpha_beta_gy: float, alpha_beta_origin: str = "default",
               prescription_gy: float | None = None) -> TargetBed:
    """BED of a target's D98%, D95%, D50%, voxel-wise mean and of the prescription."""
    def bed(dose):
        return float(radiobiology.bed_gy(dose, fractions, alpha_beta_gy)) if math.isfinite(dose) else float("nan")

    if getattr(dvh, "has_samples", False) and dvh.covered_volume_cc > 0:
        doses = radiobiology.bed_gy(np.asarray(dvh.sample_dose_gy, dtype=float), fractions, alpha_beta_gy)
        volumes = np.asarray(dvh.sample_volume_cc, dtype=float)
        mean = float(np.dot(np.asarray(doses, dtype=float), volumes) / volumes.sum())
    else:
        edges = np.asarray(dvh.dose_gy, dtype=float)
        per_bin = -np.diff(np.asarray(dvh.cumulative_cc, dtype=float))
        mids = radiobiology.bed_gy(0.5 * (edges[:-1] + edges[1:]), fractions, alpha_beta_gy)
        mean = float(np.dot(per_bin, mids) / per_bin.sum()) if per_bin.sum() > 0 else float("nan")
    rx = None if not prescription_gy else bed(float(prescription_gy))
    return TargetBed(dvh.name, float(alpha_beta_gy), alpha_beta_origin, int(fractions), bed(dvh.d_pct(98.0)),
                     bed(dvh.d_pct(95.0)), bed(dvh.d_pct(50.0)), mean, rx)
