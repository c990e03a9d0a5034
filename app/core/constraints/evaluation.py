"""Evaluate a protocol's constraints on DVHs: per plan, and on a multi-course EQD2 composite.

Per plan, limits are converted to the plan's fractionation (``n`` fractions) with the
structure's alpha/beta; both the physical and the EQD2 numbers are reported. A limit written in
2-Gy fractions (``dose_basis`` 'eqd2') becomes the physical dose D in n fractions with
EQD2(D, n) = limit; a limit written as a physical dose for ``basis_fractions`` (default: the
protocol's) fractions is carried over iso-effectively. For VxGy metrics the dose level x is
converted the same way. Dx / Dmax / Dmin are compared in physical Gy (the conversion is
monotonic, so this equals comparing EQD2s). A **mean** dose is compared in EQD2: the
voxel-wise mean EQD2 of the structure against the limit's EQD2 (the EQD2 of a physical mean
is not the mean EQD2).

Statuses (docs/protocols.md): pass; marginal = beyond the limit but inside the protocol's
variation band (``marginal_limit``, else ``marginal_band_pct``); fail; not evaluable. Serial
organs (cord, cauda equina, brainstem, plexus, optic structures) get no band. A conventional
protocol's absolute limits are not extrapolated to a plan above 4 Gy per fraction (not
evaluable: needs an SBRT protocol).

On a composite the DVH is already in EQD2 (voxel-wise, per course, then summed), so values
are compared with the limits' EQD2; ``value_gy`` is then the physical plan sum's value.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from rtreview.core.dvh.radiobiology import mean_eqd2_gy

from .alpha_beta import AlphaBeta, structure_alpha_beta
from .fractionation import convert_total_gy, eqd2_gy, physical_from_eqd2_gy
from .metrics import dose_value_gy, volume_value
from .model import Constraint, Protocol, StructureSpec
from .results import ConstraintResult, Evaluation, Status

_EPS = 1e-6
# Above this dose per fraction (Gy) the linear-quadratic conversion of conventionally
# fractionated limits is not trusted (docs/protocols.md, "Fractionation").
CONVENTIONAL_MAX_GY_PER_FRACTION = 4.0
NEEDS_SBRT = "needs an SBRT protocol"


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


def _band_pct(protocol: Protocol, structure: StructureSpec) -> float:
    """The protocol's default band, which never applies to a serial organ."""
    return 0.0 if structure.is_serial else protocol.marginal_band_pct


def _written(c: Constraint) -> str:
    absolute = c.unit == "Gy" or c.metric.kind == "VGy"
    basis = ""
    if absolute and c.dose_basis == "eqd2":
        basis = " (EQD2)"
    elif absolute and c.basis_fractions:
        basis = f" (in {c.basis_fractions} fx)"
    unit = {"%Rx": "% of Rx", "Gy": "Gy"}.get(c.unit, c.unit)
    return f"{c.metric.name} {c.comparator} {c.limit:g} {unit}{basis}"


def is_absolute(c: Constraint) -> bool:
    """A limit in absolute dose (Gy limit or VxGy level), converted with the fractionation."""
    return (c.metric.is_dose and c.unit == "Gy") or c.metric.kind == "VGy"


class _Conversions:
    """Dose numbers as written in a constraint -> physical Gy in the plan's fractions, and EQD2."""

    def __init__(self, protocol: Protocol, ab: float, c: Constraint, fractions: int, rx_gy: float):
        self.p, self.c, self.n, self.rx, self.ab = protocol, c, fractions, rx_gy, ab

    @property
    def basis_fractions(self) -> int:
        return self.c.basis_fractions or self.p.fractions

    def plan_gy(self, written: float | None) -> float | None:
        if written is None:
            return None
        if self.c.unit == "%Rx":
            return written * self.rx / 100.0
        if self.c.dose_basis == "eqd2":
            return float(physical_from_eqd2_gy(written, self.n, self.ab))
        return convert_total_gy(written, self.basis_fractions, self.n, self.ab)

    def eqd2(self, written: float | None) -> float | None:
        if written is None:
            return None
        if self.c.unit == "%Rx":
            return float(eqd2_gy(written * self.rx / 100.0, self.n, self.ab))
        if self.c.dose_basis == "eqd2":
            return float(written)
        return float(eqd2_gy(written, self.basis_fractions, self.ab))

    def note(self) -> tuple[str, int | None]:
        """A note when the limit as written was converted to a fractionation other than the
        protocol's (and the fractions the written number refers to)."""
        if not is_absolute(self.c) or self.n == self.p.fractions:
            return "", None
        if self.c.dose_basis == "eqd2":
            return (f"limit written in 2-Gy fractions (EQD2), converted to this plan's {self.n} fractions "
                    f"(LQ, α/β {self.ab:g} Gy); the protocol is written for {self.p.fractions} fractions"), None
        return (f"limit written for {self.basis_fractions} fractions, converted iso-effectively to this plan's "
                f"{self.n} fractions (LQ, α/β {self.ab:g} Gy)"), self.basis_fractions


def _not_evaluable_reason(dvh) -> str:
    if dvh is None:
        return ""
    if float(dvh.volume_cc) <= 0:
        return "the structure has no volume"
    if float(dvh.covered_volume_cc) <= 0:
        return "the structure lies outside the dose grid"
    return ""


def _base(protocol, s: StructureSpec, c: Constraint, roi_name, status, ab: AlphaBeta, note="") -> ConstraintResult:
    allowed = c.variation_allowed and not s.is_serial
    return ConstraintResult(structure=s.name, metric=c.metric.name, level=c.level, source=c.source,
                            alpha_beta_gy=ab.value_gy, comparator=c.comparator, status=status,
                            roi_name=roi_name, limit_as_written=_written(c), note=note or c.note,
                            variation_allowed=allowed, alpha_beta_origin=ab.origin, alpha_beta_source=ab.source)


def _coverage_note(dvh) -> str:
    total, covered = float(dvh.volume_cc), float(dvh.covered_volume_cc)
    if covered < 0.995 * total:
        return f"only {100 * covered / total:.1f}% of the structure lies inside the dose grid"
    return ""


def _join(*notes: str) -> str:
    return "; ".join(dict.fromkeys(n for n in notes if n))


def beyond_conventional(protocol: Protocol, dose_per_fraction_gy: float | None) -> bool:
    """A conventionally fractionated protocol (≤ 4 Gy per fraction) applied to a plan above 4 Gy
    per fraction: its absolute limits are not extrapolated."""
    return (dose_per_fraction_gy is not None and dose_per_fraction_gy > CONVENTIONAL_MAX_GY_PER_FRACTION + 1e-9
            and protocol.dose_per_fraction_gy <= CONVENTIONAL_MAX_GY_PER_FRACTION + 1e-9)


def evaluate_constraint(protocol: Protocol, structure: StructureSpec, c: Constraint, dvh, *,
                        fractions: int | None = None, prescription_gy: float | None = None,
                        roi_name: str | None = None, missing_reason: str = "",
                        alpha_beta: AlphaBeta | None = None,
                        dose_per_fraction_gy: float | None = None, per_fraction_from: str = "") -> ConstraintResult:
    """One constraint on one plan's DVH (``dvh`` None: not evaluable, ``missing_reason`` says why).

    ``alpha_beta``: the structure's resolved α/β (default: ``structure_alpha_beta(structure)``).
    ``dose_per_fraction_gy``: the plan's dose per fraction (Rx / fractions) when known."""
    n = fractions or protocol.fractions
    rx = prescription_gy or protocol.prescription_gy
    ab = alpha_beta or structure_alpha_beta(structure, roi_name)
    reason = missing_reason if dvh is None else _not_evaluable_reason(dvh)
    if dvh is None or reason:
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE, ab, reason or "structure not found")
    if is_absolute(c) and beyond_conventional(protocol, dose_per_fraction_gy):
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE, ab,
                     f"{NEEDS_SBRT}: the plan gives {dose_per_fraction_gy:.2f} Gy per fraction"
                     f"{f' ({per_fraction_from})' if per_fraction_from else ''}; this protocol's "
                     f"conventionally fractionated limits are not extrapolated above "
                     f"{CONVENTIONAL_MAX_GY_PER_FRACTION:g} Gy per fraction")
    conv = _Conversions(protocol, ab.value_gy, c, n, rx)
    converted, res_from = conv.note()
    res = _base(protocol, structure, c, roi_name, Status.PASS, ab, _join(_coverage_note(dvh), c.note, converted))
    res.converted_from_fractions = res_from
    res.limit_converted = bool(converted)
    band = _band_pct(protocol, structure)
    if c.metric.is_dose:
        res.value_gy = dose_value_gy(dvh, c.metric)
        res.limit_gy = conv.plan_gy(c.limit)
        res.limit_eqd2_gy = conv.eqd2(c.limit)
        if c.metric.kind == "Dmean" and c.unit == "Gy":
            # a mean limit is compared with a like quantity: the voxel-wise mean EQD2
            res.value_eqd2_gy = mean_eqd2_gy(dvh, n, ab.value_gy)
            res.unit = "Gy EQD2"
            res.value, res.limit = res.value_eqd2_gy, res.limit_eqd2_gy
            res.marginal_limit = conv.eqd2(c.marginal_limit) if c.marginal_limit is not None \
                else _band(res.limit, c.is_upper, band)
        else:
            res.value_eqd2_gy = (mean_eqd2_gy(dvh, n, ab.value_gy) if c.metric.kind == "Dmean"
                                 else float(eqd2_gy(res.value_gy, n, ab.value_gy)))
            res.value, res.limit = res.value_gy, res.limit_gy
            res.marginal_limit = conv.plan_gy(c.marginal_limit) if c.marginal_limit is not None \
                else _band(res.limit_gy, c.is_upper, band)
    else:
        if c.metric.kind == "VGy":
            res.threshold_gy, res.threshold_eqd2_gy = conv.plan_gy(c.metric.parameter), conv.eqd2(c.metric.parameter)
        else:  # V%Rx: the dose level is a fraction of this plan's prescription
            res.threshold_gy = c.metric.parameter * rx / 100.0
            res.threshold_eqd2_gy = float(eqd2_gy(res.threshold_gy, n, ab.value_gy))
        res.unit = c.metric.volume_unit
        res.value = volume_value(dvh, c.metric, res.threshold_gy)
        res.limit = c.limit
        res.marginal_limit = c.marginal_limit if c.marginal_limit is not None \
            else _band(c.limit, c.is_upper, band)
    return _finish(res, c)


def evaluate(protocol: Protocol, dvhs: Mapping[str, object], *, fractions: int | None = None,
             prescription_gy: float | None = None, plan_label: str = "",
             roi_names: Mapping[str, str] | None = None,
             missing_reasons: Mapping[str, str] | None = None,
             alpha_betas: Mapping[str, AlphaBeta] | None = None,
             dose_per_fraction_gy: float | None = None, per_fraction_from: str = "") -> Evaluation:
    """Evaluate every constraint of ``protocol``.

    ``dvhs`` maps protocol structure names to DVHs (absent or None: not evaluable, with the
    reason from ``missing_reasons``). ``roi_names`` maps structure names to the ROI used;
    ``alpha_betas`` structure names to their resolved α/β (``protocol_alpha_betas``).
    """
    roi_names = roi_names or {}
    missing_reasons = missing_reasons or {}
    alpha_betas = alpha_betas or {}
    ev = Evaluation(protocol=protocol.name, plan_label=plan_label, fractions=fractions or protocol.fractions,
                    prescription_gy=prescription_gy or protocol.prescription_gy)
    for s in protocol.structures:
        dvh = dvhs.get(s.name)
        for c in s.constraints:
            ev.results.append(evaluate_constraint(
                protocol, s, c, dvh, fractions=fractions, prescription_gy=prescription_gy,
                roi_name=roi_names.get(s.name), missing_reason=missing_reasons.get(s.name, "structure not found"),
                alpha_beta=alpha_betas.get(s.name), dose_per_fraction_gy=dose_per_fraction_gy,
                per_fraction_from=per_fraction_from))
    return ev


def evaluate_constraint_composite(protocol: Protocol, structure: StructureSpec, c: Constraint, dvh_eqd2,
                                  dvh_physical=None, *, roi_name: str | None = None,
                                  missing_reason: str = "", alpha_beta: AlphaBeta | None = None) -> ConstraintResult:
    """One absolute-dose constraint on a composite: ``dvh_eqd2`` is the voxel-wise EQD2 sum's DVH
    (with this structure's alpha/beta), ``dvh_physical`` the physical plan sum's (optional)."""
    ab = alpha_beta or structure_alpha_beta(structure, roi_name)
    if c.unit == "%Rx" or c.metric.kind == "V%Rx":
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE, ab,
                     "relative to a prescription; a composite of several courses has none")
    reason = missing_reason if dvh_eqd2 is None else _not_evaluable_reason(dvh_eqd2)
    if dvh_eqd2 is None or reason:
        return _base(protocol, structure, c, roi_name, Status.NOT_EVALUABLE, ab, reason or "structure not found")
    conv = _Conversions(protocol, ab.value_gy, c, protocol.fractions, protocol.prescription_gy)
    res = _base(protocol, structure, c, roi_name, Status.PASS, ab, _join(_coverage_note(dvh_eqd2), c.note))
    band = _band_pct(protocol, structure)
    if c.metric.is_dose:
        res.unit = "Gy EQD2"
        res.value_eqd2_gy = res.value = dose_value_gy(dvh_eqd2, c.metric)
        res.value_gy = dose_value_gy(dvh_physical, c.metric) if dvh_physical is not None else None
        res.limit_eqd2_gy = res.limit = conv.eqd2(c.limit)
        res.marginal_limit = conv.eqd2(c.marginal_limit) if c.marginal_limit is not None \
            else _band(res.limit, c.is_upper, band)
    else:
        res.threshold_eqd2_gy = conv.eqd2(c.metric.parameter)
        res.unit = c.metric.volume_unit
        res.value = volume_value(dvh_eqd2, c.metric, res.threshold_eqd2_gy)
        res.limit = c.limit
        res.marginal_limit = c.marginal_limit if c.marginal_limit is not None \
            else _band(c.limit, c.is_upper, band)
    return _finish(res, c)
