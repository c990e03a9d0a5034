"""Plan-quality indices from DVHs: homogeneity, Paddick conformity, gradient index.

Isodose volumes (PIV) come from the body/external structure's DVH when one is given (the
isodose volume inside the patient), else from the whole dose grid (voxel count x voxel volume).
Doses in Gy, volumes in cc.
"""
from __future__ import annotations

import numpy as np

from .dvh import Dvh

MM3_PER_CC = 1000.0


def homogeneity_index(target: Dvh) -> float:
    """ICRU 83: (D2% - D98%) / D50%."""
    return target.homogeneity_index()


def grid_isodose_volume_cc(dose, level_gy: float) -> float:
    """Volume of the dose grid receiving at least ``level_gy`` (voxel volumes; non-uniform z ok)."""
    dx, dy, _ = dose.spacing_mm
    z = np.asarray(dose.z_mm, dtype=float)
    if z.size > 1:
        edges = np.concatenate(([z[0] - (z[1] - z[0]) / 2], (z[:-1] + z[1:]) / 2, [z[-1] + (z[-1] - z[-2]) / 2]))
        thickness = np.diff(edges)
    else:
        thickness = np.array([1.0])
    counts = np.count_nonzero(dose.dose_gy >= level_gy, axis=(1, 2))
    return float(np.dot(counts, thickness) * dx * dy / MM3_PER_CC)


def isodose_volume_cc(level_gy: float, body: Dvh | None = None, dose=None) -> float:
    """Volume receiving at least ``level_gy``: inside ``body`` if given, else the dose grid's."""
    if body is not None:
        return body.v_gy(level_gy)
    if dose is None:
        raise ValueError("an isodose volume needs the body DVH or the dose grid")
    return grid_isodose_volume_cc(dose, level_gy)


def paddick_ci(target: Dvh, prescription_gy: float, body: Dvh | None = None, dose=None) -> float:
    """Paddick conformity index TV_PIV² / (TV x PIV) (1 = perfect); NaN if undefined."""
    tv = target.covered_volume_cc
    tv_piv = target.v_gy(prescription_gy)
    piv = isodose_volume_cc(prescription_gy, body, dose)
    return tv_piv * tv_piv / (tv * piv) if tv > 0 and piv > 0 else float("nan")


def gradient_index(prescription_gy: float, body: Dvh | None = None, dose=None) -> float:
    """Paddick gradient index: V(50% of Rx) / V(Rx), isodose volumes; NaN if V(Rx) = 0."""
    v100 = isodose_volume_cc(prescription_gy, body, dose)
    v50 = isodose_volume_cc(0.5 * prescription_gy, body, dose)
    return v50 / v100 if v100 > 0 else float("nan")


def rtog_ci(target: Dvh, prescription_gy: float, body: Dvh | None = None, dose=None) -> float:
    """RTOG conformity index PIV / TV."""
    tv = target.covered_volume_cc
    return isodose_volume_cc(prescription_gy, body, dose) / tv if tv > 0 else float("nan")


def find_body(dvhs) -> Dvh | None:
    """The EXTERNAL-type DVH (else one named BODY / EXTERNAL / SKIN / OUTLINE), or None."""
    items = list(dvhs.values()) if isinstance(dvhs, dict) else list(dvhs)
    for dvh in items:
        if dvh.type.upper() == "EXTERNAL":
            return dvh
    for dvh in items:
        if dvh.name.strip().upper() in ("BODY", "EXTERNAL", "SKIN", "OUTLINE", "PATIENT"):
            return dvh
    return None
