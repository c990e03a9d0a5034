"""Fractionation conversions of doses and limits (linear-quadratic model), in Gy.

EQD2 is the dose in 2-Gy fractions with the same LQ effect:
``EQD2 = D * (D/n + a/b) / (2 + a/b)`` for a total physical dose D in n equal fractions.
The inverse (a 2-Gy-equivalent limit expressed as a physical dose in n fractions) solves
``D**2 / (n * a/b) + D - EQD2 * (1 + 2/(a/b)) = 0`` for its positive root.
Everything works on floats and on numpy arrays (voxel-wise conversion).
"""
from __future__ import annotations

import numpy as np

REFERENCE_FRACTION_GY = 2.0


def _check(fractions: float, alpha_beta_gy: float) -> None:
    if not fractions or fractions <= 0:
        raise ValueError(f"number of fractions must be positive, got {fractions!r}")
    if not alpha_beta_gy or alpha_beta_gy <= 0:
        raise ValueError(f"alpha/beta must be positive (Gy), got {alpha_beta_gy!r}")


def bed_gy(total_gy, fractions: float, alpha_beta_gy: float):
    """Biologically effective dose of ``total_gy`` given in ``fractions`` equal fractions."""
    _check(fractions, alpha_beta_gy)
    total = np.asarray(total_gy, dtype=float) if not np.isscalar(total_gy) else float(total_gy)
    return total * (1.0 + total / fractions / alpha_beta_gy)


def eqd2_gy(total_gy, fractions: float, alpha_beta_gy: float):
    """EQD2 of ``total_gy`` (physical, Gy) given in ``fractions`` equal fractions."""
    _check(fractions, alpha_beta_gy)
    total = np.asarray(total_gy, dtype=float) if not np.isscalar(total_gy) else float(total_gy)
    return total * (total / fractions + alpha_beta_gy) / (REFERENCE_FRACTION_GY + alpha_beta_gy)


def physical_from_eqd2_gy(eqd2_total_gy, fractions: float, alpha_beta_gy: float):
    """The total physical dose in ``fractions`` fractions whose EQD2 is ``eqd2_total_gy``.

    Positive root of the LQ quadratic, written as ``2c / (1 + sqrt(1 + 4c/(n a/b)))`` with
    ``c = EQD2 (1 + 2/(a/b))`` so that it stays accurate for large n (no cancellation).
    """
    _check(fractions, alpha_beta_gy)
    e = np.asarray(eqd2_total_gy, dtype=float) if not np.isscalar(eqd2_total_gy) else float(eqd2_total_gy)
    c = e * (1.0 + REFERENCE_FRACTION_GY / alpha_beta_gy)
    return 2.0 * c / (1.0 + np.sqrt(1.0 + 4.0 * c / (fractions * alpha_beta_gy)))


def convert_total_gy(total_gy: float, from_fractions: float, to_fractions: float, alpha_beta_gy: float) -> float:
    """Iso-effective total dose: ``total_gy`` in ``from_fractions`` re-expressed in ``to_fractions``."""
    if from_fractions == to_fractions:
        return float(total_gy)
    return float(physical_from_eqd2_gy(eqd2_gy(total_gy, from_fractions, alpha_beta_gy),
                                       to_fractions, alpha_beta_gy))

