"""Evaluate a protocol's constraints on DVHs: per plan, and on a multi-course EQD2 composite.

Per plan, limits are converted to the plan's fractionation (``n`` fractions) with the
structure's alpha/beta and compared in physical Gy; both the physical and the EQD2 numbers
are reported. A limit written in 2-Gy fractions (``dose_basis`` 'eqd2') becomes the physical
dose D in n fractions with EQD2(D, n) = limit; a limit written for the protocol's own
fractionation (``dose_basis`` 'physical') is carried over iso-effectively when the plan is
fractionated differently. For VxGy metrics the dose level x is converted the same way.
Dmean limits are converted like any dose (the EQD2 of a mean dose is an approximation; the
composite, which converts voxel by voxel, has no such approximation).

On a composite the DVH is already in EQD2 (voxel-wise, per course, then summed), so values
are compared with the limits' EQD2; ``value_gy`` is then the physical plan sum's value.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from .fractionation import convert_total_gy, eqd2_gy, physical_from_eqd2_gy
from .metrics import dose_value_gy, volume_value
from .model import Constraint, Protocol, StructureSpec
from .results import ConstraintResult, Evaluation, Status

_EPS = 1e-6


def _judge(value: float, limit: float, marginal: float | None, upper: bool) -> Status:
    if (value <= limit + _EPS) if upper else (value >= limit - _EPS):
        return Status.PASS
    if marginal is not None and ((value <= marginal + _EPS) if upper else (value >= marginal - _EPS)):
        return Status.MARGINAL
    return Status.FAIL


def _finish(res: ConstraintResult, c: Constraint) -> ConstraintResult:
    if res.value is None or not math.isfinite(res.value):
        res.status = Status.NOT_EVALUABLE
        res.note = f"{c.metric.name} is undefined for this structure (volume larger than the structure?)"
        return res
    res.status = _judge(res.value, res.limit, res.marginal_limit, c.is_upper)
    return res


def _band(limit: float | None, upper: bool, band_pct: float) -> float | None:
    if limit is None or band_pct <= 0:
        return None
    return limit * (1 + band_pct / 100) if upper else limit * (1 - band_pct / 100)


def _written(c: Constraint) -> str:
    basis = {"eqd2": " (EQD2)", "physical": ""}[c.dose_basis] if (c.unit == "Gy" or c.metric.kind == "VGy") else ""
    unit = {"%Rx": "% of Rx", "Gy": "Gy"}.get(c.unit, c.unit)
    return f"{c.metric.name} {c.comparator} {c.limit:g} {unit}{basis}"


class _Conversions:
    """Dose numbers as written in a constraint -> physical Gy in the plan's fractions, and EQD2."""

    def __init__(self, protocol: Protocol, structure: StructureSpec, c: Constraint, fractions: int, rx_gy: float):
        self.p, self.c, self.n, self.rx, self.ab = protocol, c, fractions, rx_gy, structure.alpha_beta_gy

    def plan_gy(self, written: float | None) -> float | None:
        if written is None:
            return None
        if self.c.unit == "%Rx":
            return written * self.rx / 100.0
        if self.c.dose_basis == "eqd2":
            return float(physical_from_eqd2_gy(written, self.n, self.ab))
        return convert_total_gy(written, self.c.basis_fractions or self.p.fractions, self.n, self.ab)

    def eqd2(self, written: float | None) -> float | None:
        if written is None:
            return None
        if self.c.unit == "%Rx":
            return float(eqd2_gy(written * self.rx / 100.0, self.n, self.ab))
        if self.c.dose_basis == "eqd2":
            return float(written)
        return float(eqd2_gy(written, self.c.basis_fractions or self.p.fractions, self.ab))


def _not_evaluable_reason(dvh) -> str:
    if dvh is None:
        return ""
    if float(dvh.volume_cc) <= 0:
        return "the structure has no volume"
    if float(dvh.covered_volume_cc) <= 0:
        return "the structure lies outside the dose grid"
    return ""


def _base(protocol, s: StructureSpec, c: Constraint, roi_name, status, note="") -> ConstraintResult:
    return ConstraintResult(structure=s.name, metric=c.metric.name, level=c.level, source=c.source,
                            alpha_beta_gy=s.alpha_beta_gy, comparator=c.comparator, status=status,
                            roi_name=roi_name, limit_as_written=_written(c), note=note or c.note)


def _coverage_note(dvh) -> str:
    total, covered = float(dvh.volume_cc), float(dvh.covered_volume_cc)
    if covered < 0.995 * total:
        return f"only {100 * covered / total:.1f}% of the structure lies inside the dose grid"
    return ""


def evaluate_constraint(protocol: Protocol, structure: StructureSpec, c: Constraint, dvh, *,
                        fractions: int | None = None, prescription_gy: float | None = None,
                        roi_name: str | None = None, missing_reason: str = "") -> ConstraintResult:
    """One constraint on one plan's DVH (``dvh`` None: not evaluable, ``missing_reason`` says why)."""
    n = fractions or protocol.fractions
    rx = prescription_gy or protocol.prescription_gy
    reason = missing_reason if dvh is None else _not_evaluable_reason(dvh)
    if dvh is None or reason:
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE, reason or "structure not found")
    conv = _Conversions(protocol, structure, c, n, rx)
    res = _base(protocol, structure, c, roi_name, Status.PASS, _coverage_note(dvh) or c.note)
    if c.metric.is_dose:
        res.value_gy = res.value = dose_value_gy(dvh, c.metric)
        res.value_eqd2_gy = float(eqd2_gy(res.value_gy, n, structure.alpha_beta_gy))
        res.limit_gy = res.limit = conv.plan_gy(c.limit)
        res.limit_eqd2_gy = conv.eqd2(c.limit)
        res.marginal_limit = conv.plan_gy(c.marginal_limit) if c.marginal_limit is not None \
            else _band(res.limit_gy, c.is_upper, protocol.marginal_band_pct)
    else:
        if c.metric.kind == "VGy":
            res.threshold_gy, res.threshold_eqd2_gy = conv.plan_gy(c.metric.parameter), conv.eqd2(c.metric.parameter)
        else:  # V%Rx: the dose level is a fraction of this plan's prescription
            res.threshold_gy = c.metric.parameter * rx / 100.0
            res.threshold_eqd2_gy = float(eqd2_gy(res.threshold_gy, n, structure.alpha_beta_gy))
        res.unit = c.metric.volume_unit
        res.value = volume_value(dvh, c.metric, res.threshold_gy)
        res.limit = c.limit
        res.marginal_limit = c.marginal_limit if c.marginal_limit is not None \
            else _band(c.limit, c.is_upper, protocol.marginal_band_pct)
    return _finish(res, c)


def evaluate(protocol: Protocol, dvhs: Mapping[str, object], *, fractions: int | None = None,
             prescription_gy: float | None = None, plan_label: str = "",
             roi_names: Mapping[str, str] | None = None,
             missing_reasons: Mapping[str, str] | None = None) -> Evaluation:
    """Evaluate every constraint of ``protocol``.

    ``dvhs`` maps protocol structure names to DVHs (absent or None: not evaluable, with the
    reason from ``missing_reasons``). ``roi_names`` maps structure names to the ROI used.
    """
    roi_names = roi_names or {}
    missing_reasons = missing_reasons or {}
    ev = Evaluation(protocol=protocol.name, plan_label=plan_label, fractions=fractions or protocol.fractions,
                    prescription_gy=prescription_gy or protocol.prescription_gy)
    for s in protocol.structures:
        dvh = dvhs.get(s.name)
        for c in s.constraints:
            ev.results.append(evaluate_constraint(
                protocol, s, c, dvh, fractions=fractions, prescription_gy=prescription_gy,
                roi_name=roi_names.get(s.name), missing_reason=missing_reasons.get(s.name, "structure not found")))
    return ev


def evaluate_constraint_composite(protocol: Protocol, structure: StructureSpec, c: Constraint, dvh_eqd2,
                                  dvh_physical=None, *, roi_name: str | None = None,
                                  missing_reason: str = "") -> ConstraintResult:
    """One absolute-dose constraint on a composite: ``dvh_eqd2`` is the voxel-wise EQD2 sum's DVH
    (with this structure's alpha/beta), ``dvh_physical`` the physical plan sum's (optional)."""
    if c.unit == "%Rx" or c.metric.kind == "V%Rx":
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE,
                     "relative to a prescription; a composite of several courses has none")
    reason = missing_reason if dvh_eqd2 is None else _not_evaluable_reason(dvh_eqd2)
    if dvh_eqd2 is None or reason:
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE, reason or "structure not found")
    conv = _Conversions(protocol, structure, c, protocol.fractions, protocol.prescription_gy)
    res = _base(protocol, structure, c, roi_name, Status.PASS, _coverage_note(dvh_eqd2) or c.note)
    if c.metric.is_dose:
        res.unit = "Gy EQD2"
        res.value_eqd2_gy = res.value = dose_value_gy(dvh_eqd2, c.metric)
        res.value_gy = dose_value_gy(dvh_physical, c.metric) if dvh_physical is not None else None
        res.limit_eqd2_gy = res.limit = conv.eqd2(c.limit)
        res.marginal_limit = conv.eqd2(c.marginal_limit) if c.marginal_limit is not None \
            else _band(res.limit, c.is_upper, protocol.marginal_band_pct)
    else:
        res.threshold_eqd2_gy = conv.eqd2(c.metric.parameter)
        res.unit = c.metric.volume_unit
        res.value = volume_value(dvh_eqd2, c.metric, res.threshold_eqd2_gy)
        res.limit = c.limit
        res.marginal_limit = c.marginal_limit if c.marginal_limit is not None \
            else _band(c.limit, c.is_upper, protocol.marginal_band_pct)
    return _finish(res, c)
