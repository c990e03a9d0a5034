"""Fractionation effects: BED and EQD2 (linear-quadratic model), per voxel.

Per-voxel dose per fraction = D / n (the plan's dose distribution delivered in n equal
fractions). BED = D (1 + d / (α/β)); EQD2 = BED / (1 + 2 / (α/β)). Doses in Gy.
Default α/β: the table of ``rtreview.core.dvh.alpha_beta`` (TG-263 names), else 10 Gy for
targets (tumour, early effects) and 3 Gy for organs at risk (late effects).

The mean EQD2 of a structure is the mean of the voxel-wise EQD2 (``mean_eqd2_gy``), never the
EQD2 of the physical mean: the conversion is convex, so the latter underestimates it.
"""
from __future__ import annotations

import numpy as np

from . import histogram
from .dvh import Dvh

ALPHA_BETA_TUMOR_GY = 10.0
ALPHA_BETA_LATE_GY = 3.0


def default_alpha_beta(roi_or_dvh) -> float:
    """The default table's α/β for this ROI / DVH (by name), else 10 Gy for targets (PTV/CTV/GTV/ITV
    by type or name) and 3 Gy otherwise (``rtreview.core.dvh.alpha_beta.default_alpha_beta``)."""
    from .alpha_beta import default_alpha_beta as lookup

    return lookup(getattr(roi_or_dvh, "name", "") or "", roi_type=getattr(roi_or_dvh, "type", "") or "").value_gy


def _check(fractions: int, alpha_beta_gy: float) -> None:
    if fractions < 1:
        raise ValueError(f"number of fractions must be >= 1, not {fractions}")
    if not alpha_beta_gy > 0:
        raise ValueError(f"alpha/beta must be positive, not {alpha_beta_gy}")


def bed_gy(dose_gy, fractions: int, alpha_beta_gy: float):
    """Biologically effective dose of total dose ``dose_gy`` given in ``fractions`` fractions."""
    _check(fractions, alpha_beta_gy)
    d = np.asarray(dose_gy, dtype=float)
    out = d * (1.0 + d / fractions / alpha_beta_gy)
    return float(out) if out.ndim == 0 else out


def eqd2_gy(dose_gy, fractions: int, alpha_beta_gy: float):
    """Equivalent dose in 2 Gy fractions."""
    bed = np.asarray(bed_gy(dose_gy, fractions, alpha_beta_gy))
    out = bed / (1.0 + 2.0 / alpha_beta_gy)
    return float(out) if out.ndim == 0 else out


def physical_from_eqd2_gy(eqd2, fractions: int, alpha_beta_gy: float):
    """Inverse of eqd2_gy: the physical total dose in ``fractions`` fractions with that EQD2."""
    _check(fractions, alpha_beta_gy)
    bed = np.asarray(eqd2, dtype=float) * (1.0 + 2.0 / alpha_beta_gy)
    # D^2 / (n ab) + D - bed = 0, positive root.
    a = 1.0 / (fractions * alpha_beta_gy)
    out = (-1.0 + np.sqrt(1.0 + 4.0 * a * bed)) / (2.0 * a)
    return float(out) if out.ndim == 0 else out


def mean_eqd2_gy(dvh, fractions: int, alpha_beta_gy: float) -> float:
    """The mean of the voxel-wise EQD2 over the covered volume (Gy).

    Exact over the DVH's dose samples when it kept them; otherwise from the DVH's mean and the
    variance of its cumulative curve's bins. NaN when the structure has no covered volume."""
    covered = float(dvh.covered_volume_cc)
    if not covered > 0:
        return float("nan")
    if getattr(dvh, "has_samples", False):
        doses = np.asarray(eqd2_gy(dvh.sample_dose_gy.astype(float), fractions, alpha_beta_gy), dtype=float)
        volumes = dvh.sample_volume_cc.astype(float)
        return float(np.dot(doses, volumes) / volumes.sum())
    # From the curve: EQD2 is quadratic in the dose, so its mean is (E[d²]/n + a/b E[d]) / (2 + a/b),
    # with E[d] the DVH's own mean and the variance from the bins around it (exact for a uniform dose).
    edges = np.asarray(dvh.dose_gy, dtype=float)
    per_bin = -np.diff(np.asarray(dvh.cumulative_cc, dtype=float))  # volume with dose in [edge i, edge i+1)
    total = per_bin.sum()
    if not total > 0:
        return float("nan")
    mean = float(dvh.mean_gy)
    mids = 0.5 * (edges[:-1] + edges[1:])
    variance = float(np.dot(per_bin, (mids - mean) ** 2) / total)
    return float(((mean * mean + variance) / fractions + alpha_beta_gy * mean) / (2.0 + alpha_beta_gy))


def converted_dvh(dvh: Dvh, fractions: int, alpha_beta_gy: float | None = None, kind: str = "eqd2") -> Dvh:
    """The DVH with every sample's dose converted to EQD2 or BED (``kind``), re-histogrammed.

    Uses the kept samples (exact: the mean EQD2 is the mean of per-voxel EQD2s); without samples
    the curve's bin edges are converted (the conversion is monotonic, so volumes carry over).
    """
    ab = default_alpha_beta(dvh) if alpha_beta_gy is None else alpha_beta_gy
    convert = {"eqd2": eqd2_gy, "bed": bed_gy}[kind]
    note = f"{kind.upper()} with alpha/beta {ab:g} Gy in {fractions} fractions"
    if dvh.has_samples:
        doses = np.asarray(convert(dvh.sample_dose_gy.astype(float), fractions, ab), dtype=float)
        volumes = dvh.sample_volume_cc
        mean = mean_eqd2_gy(dvh, fractions, ab) if kind == "eqd2" else float(
            np.dot(doses, volumes.astype(float)) / max(float(volumes.astype(float).sum()), 1e-300))
        width = histogram.choose_bin_width(float(doses.max()) if doses.size else 0.0, None)
        diff = histogram.differential(doses, volumes, width)
        cum = histogram.cumulative(diff)
        axis = np.arange(cum.size) * width
        samples = doses.astype(np.float32)
    else:
        axis = np.asarray(convert(dvh.dose_gy, fractions, ab), dtype=float)
        cum, diff = dvh.cumulative_cc, dvh.differential_cc
        mean = float(np.sum(diff * convert(0.5 * (dvh.dose_gy[:-1] + dvh.dose_gy[1:]), fractions, ab))
                     / max(dvh.covered_volume_cc, 1e-300))
        width, volumes, samples = dvh.bin_width_gy, dvh.sample_volume_cc, dvh.sample_dose_gy
    return Dvh(roi_number=dvh.roi_number, name=dvh.name, type=dvh.type, color_rgb=dvh.color_rgb,
               volume_cc=dvh.volume_cc, covered_volume_cc=dvh.covered_volume_cc,
               min_gy=float(convert(dvh.min_gy, fractions, ab)), mean_gy=mean,
               max_gy=float(convert(dvh.max_gy, fractions, ab)), bin_width_gy=width, dose_gy=axis,
               cumulative_cc=cum, differential_cc=diff, notes=dvh.notes + (note,),
               prescription_gy=None, sample_dose_gy=samples, sample_volume_cc=volumes)
