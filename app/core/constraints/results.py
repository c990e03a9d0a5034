"""Results of evaluating constraints: one row per constraint, in Gy and in EQD2.

Plain dataclasses, so a GUI panel can list, color and sort them and the CLI can print them.
``to_dict`` gives the JSON shape scripts rely on (see docs/protocols.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .metrics import parse_metric


class Status(str, Enum):
    PASS = "pass"
    MARGINAL = "marginal"
    FAIL = "fail"
    NOT_EVALUABLE = "not_evaluable"


@dataclass(frozen=True)
class LimitMarker:
    """Where a limit sits on a cumulative DVH plot of the evaluated DVH.

    ``dose_gy`` on the dose axis (Gy, or Gy EQD2 on a composite) and ``volume`` in
    ``volume_unit`` ('%' or 'cc'); ``volume`` None for Dmean/Dmax/Dmin (a vertical line).
    """

    dose_gy: float | None
    volume: float | None
    volume_unit: str = ""


@dataclass
class ConstraintResult:
    """One constraint on one structure.

    ``value``/``limit``/``marginal_limit`` are in ``unit`` (Gy for dose metrics, % or cc for
    volume metrics; coverage limits written in % of prescription are given here in Gy too).
    Dose metrics also carry ``value_gy``/``value_eqd2_gy`` and ``limit_gy``/``limit_eqd2_gy``;
    volume metrics carry their dose level as ``threshold_gy``/``threshold_eqd2_gy``.
    """

    structure: str
    metric: str
    level: str
    source: str
    alpha_beta_gy: float
    comparator: str
    status: Status
    roi_name: str | None = None
    unit: str = "Gy"
    value: float | None = None
    limit: float | None = None
    marginal_limit: float | None = None
    value_gy: float | None = None
    value_eqd2_gy: float | None = None
    limit_gy: float | None = None
    limit_eqd2_gy: float | None = None
    threshold_gy: float | None = None
    threshold_eqd2_gy: float | None = None
    limit_as_written: str = ""
    note: str = ""
    # The protocol accepts this constraint's marginal band (marginal then does not fail a check).
    variation_allowed: bool = False
    # Where the alpha/beta comes from: 'user', 'protocol', 'table' or 'default' (and the citation).
    alpha_beta_origin: str = ""
    alpha_beta_source: str = ""
    # The fractions the limit as written refers to, when they differ from the plan's (the
    # limit was converted iso-effectively); None when no conversion was needed.
    converted_from_fractions: int | None = None
    # The limit was converted to a fractionation other than the protocol's (the note says how).
    limit_converted: bool = False

    @property
    def is_mandatory(self) -> bool:
        return self.level == "mandatory"

    def counts_as_failed(self, strict: bool = False) -> bool:
        """Does this result make a check fail (``rtreview check`` exit 3)? A mandatory result
        that fails, or is marginal without a variation band the protocol allows for it; with
        ``strict`` also a mandatory one that is not evaluable."""
        if not self.is_mandatory:
            return False
        if self.status is Status.FAIL:
            return True
        if self.status is Status.MARGINAL:
            return not self.variation_allowed
        return strict and self.status is Status.NOT_EVALUABLE

    def limit_marker(self) -> LimitMarker | None:
        """The limit as a point (or line) to draw on this structure's DVH; None if not evaluable."""
        if self.limit is None:
            return None
        m = parse_metric(self.metric)
        # a composite row is in EQD2 only (no physical limit); a plan's mean-dose row is judged in
        # EQD2 but has its physical limit too, drawn on the physical DVH
        eqd2 = self.unit == "Gy EQD2" and self.limit_gy is None
        if m.is_dose:
            dose = self.limit_eqd2_gy if eqd2 else self.limit_gy
            if m.kind in ("D%", "Dcc"):
                return LimitMarker(dose, m.parameter, "%" if m.kind == "D%" else "cc")
            return LimitMarker(dose, None)
        dose = self.threshold_gy if self.threshold_gy is not None else self.threshold_eqd2_gy
        return LimitMarker(dose, self.limit, self.unit)

    def to_dict(self) -> dict:
        # 6 decimals: every view (check text, window, PDF) formats these same numbers to 2 decimals
        def r(x, nd=6):
            return None if x is None else round(float(x), nd)

        return {
            "structure": self.structure, "roi": self.roi_name, "metric": self.metric,
            "value_gy": r(self.value_gy), "value_eqd2_gy": r(self.value_eqd2_gy),
            "alpha_beta_gy": self.alpha_beta_gy,
            "limit_gy": r(self.limit_gy), "limit_eqd2_gy": r(self.limit_eqd2_gy),
            "level": self.level, "status": self.status.value, "source": self.source,
            "comparator": self.comparator, "value": r(self.value), "limit": r(self.limit),
            "marginal_limit": r(self.marginal_limit), "unit": self.unit,
            "threshold_gy": r(self.threshold_gy), "threshold_eqd2_gy": r(self.threshold_eqd2_gy),
            "limit_as_written": self.limit_as_written, "note": self.note,
            "variation_allowed": self.variation_allowed, "alpha_beta_origin": self.alpha_beta_origin,
            "alpha_beta_source": self.alpha_beta_source, "converted_from_fractions": self.converted_from_fractions,
            "limit_converted": self.limit_converted,
            "counts_as_failed": self.counts_as_failed(),
        }


@dataclass
class Evaluation:
    """A protocol evaluated against one plan (or a composite of several)."""

    protocol: str
    results: list[ConstraintResult] = field(default_factory=list)
    plan_label: str = ""
    fractions: int | None = None
    prescription_gy: float | None = None
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The DVH each protocol structure was evaluated on (composite: the EQD2 DVH), for views
    # that show a result's DVH with its limit; not part of the JSON.
    dvhs: dict[str, object] = field(default_factory=dict, repr=False)
    # Composite only: per structure, each course's EQD2 DVH alone at the composite's sample points.
    course_dvhs: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)

    @property
    def mandatory_failed(self) -> list[ConstraintResult]:
        """Mandatory results that fail the check: failed, or marginal without an allowed band."""
        return self.failing(strict=False)

    def failing(self, strict: bool = False) -> list[ConstraintResult]:
        """The results that make the check fail (see ``ConstraintResult.counts_as_failed``)."""
        return [r for r in self.results if r.counts_as_failed(strict)]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results:
            out[r.status.value] += 1
        return out

    def to_dict(self) -> dict:
        return {"plan_label": self.plan_label, "fractions": self.fractions,
                "prescription_gy": self.prescription_gy, "protocol": self.protocol,
                "results": [r.to_dict() for r in self.results],
                "unmatched_structures": list(self.unmatched), "notes": list(self.notes)}
