"""Constraint results as table rows and DVH limit points, and which courses form the composite
(no Qt). The numbers come from ``rtreview.core.constraints``; this module only formats and places them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rtreview.core.constraints import ConstraintResult, Status

from .dvh_curves import CurveSettings, DoseUnit, convert_dose

COLUMNS = ("Structure", "Metric", "Value", "Value EQD2", "Limit", "Limit EQD2", "Level", "Status", "Source")
COLUMN_TIPS = {
    "Value": "The plan's value: physical dose (Gy) for dose metrics, % or cc for volume metrics "
             "(composite: the physical plan sum)",
    "Value EQD2": "The value as EQD2 (Gy in 2-Gy fractions) with the structure's α/β",
    "Limit": "The limit in the plan's fractionation (physical Gy), or in % / cc for volume metrics",
    "Limit EQD2": "The limit as EQD2 (Gy in 2-Gy fractions) with the structure's α/β",
    "Level": "mandatory or optimal; † the limit was converted to the plan's fractionation (it differs from the "
             "protocol's: hover the row)",
    "Status": "pass / marginal (beyond the limit, inside the protocol's variation band: fails the check unless the "
              "protocol allows that band) / fail / not evaluable",
    "Source": "The literature source of the limit (hover for the whole citation)",
}
# Text AND colour, so the status survives colour blindness and black-and-white printing.
STATUS_TEXT = {Status.PASS: "✔ pass", Status.MARGINAL: "◐ marginal", Status.FAIL: "✖ FAIL",
               Status.NOT_EVALUABLE: "– not evaluable"}
STATUS_RGB = {Status.PASS: (46, 125, 50), Status.MARGINAL: (214, 150, 0), Status.FAIL: (198, 40, 40),
              Status.NOT_EVALUABLE: (96, 100, 108)}
STATUS_TEXT_RGB = {Status.PASS: (255, 255, 255), Status.MARGINAL: (20, 20, 20), Status.FAIL: (255, 255, 255),
                   Status.NOT_EVALUABLE: (235, 235, 235)}


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" + (f" {unit}" if unit else "")


def comparator_text(comparator: str) -> str:
    return {"<=": "≤", ">=": "≥"}.get(comparator, comparator)


def cells(result: ConstraintResult) -> list[str]:
    """The row of ``result`` in COLUMNS order (units in the cells: volume metrics are in % or cc).
    Numbers are those of ``result.to_dict()`` (as ``rtreview check`` prints them), so the window,
    the command line and the PDF show the same digits."""
    from types import SimpleNamespace

    d = result.to_dict()
    r = SimpleNamespace(**{k: d[k] for k in ("value", "limit", "value_gy", "value_eqd2_gy", "limit_gy",
                                             "limit_eqd2_gy", "threshold_eqd2_gy", "unit", "comparator")},
                        structure=result.structure, metric=result.metric, level=result.level, source=result.source)
    cmp = comparator_text(r.comparator)
    is_dose = r.unit in ("Gy", "Gy EQD2")
    if is_dose:
        value, value_eqd2 = _num(r.value_gy, "Gy"), _num(r.value_eqd2_gy, "Gy")
        limit = f"{cmp} {_num(r.limit_gy, 'Gy')}" if r.limit_gy is not None else "–"
        limit_eqd2 = f"{cmp} {_num(r.limit_eqd2_gy, 'Gy')}" if r.limit_eqd2_gy is not None else "–"
    else:
        value, value_eqd2 = _num(r.value, r.unit), "–"
        limit = f"{cmp} {_num(r.limit, r.unit)}" if r.limit is not None else "–"
        limit_eqd2 = (f"at {_num(r.threshold_eqd2_gy, 'Gy')}" if r.threshold_eqd2_gy is not None else "–")
    level = r.level + (" †" if result.limit_converted else "")  # converted to the plan's fractions
    return [r.structure, r.metric, value, value_eqd2, limit, limit_eqd2, level, status_text(result), r.source]


def status_text(r: ConstraintResult) -> str:
    """'✔ pass', '◐ marginal', '◐ marginal (allowed)' (a variation band the protocol allows), ..."""
    if r.status is Status.MARGINAL and r.variation_allowed:
        return STATUS_TEXT[r.status] + " (allowed)"
    return STATUS_TEXT[r.status]


def row_tooltip(r: ConstraintResult) -> str:
    """Plain-text details of one result: the limit as written, ROI, α/β, marginal band, note."""
    lines = [f"{r.structure} ({r.roi_name or 'no ROI'}): {r.limit_as_written or r.metric}",
             f"α/β {r.alpha_beta_gy:g} Gy ({r.alpha_beta_origin or 'protocol'}) · {r.level}"]
    if r.marginal_limit is not None:
        allowed = " (a variation the protocol allows)" if r.variation_allowed else " (fails the check)"
        lines.append(f"marginal up to {r.marginal_limit:.2f} {r.unit}{allowed}")
    if r.unit == "Gy EQD2" and r.value_gy is not None:
        lines.append("mean dose judged as the voxel-wise mean EQD2 against the limit's EQD2")
    if r.threshold_gy is not None or r.threshold_eqd2_gy is not None:
        lines.append(f"dose level {_num(r.threshold_gy, 'Gy')} (EQD2 {_num(r.threshold_eqd2_gy, 'Gy')})")
    if r.note:
        lines.append(r.note)
    lines.append(f"Source: {r.source}")
    return "\n".join(lines)


def summary(results: list[ConstraintResult]) -> str:
    """'12 pass · 1 marginal · 2 FAIL' (statuses present only)."""
    counts = {s: 0 for s in Status}
    for r in results:
        counts[r.status] += 1
    words = {Status.PASS: "pass", Status.MARGINAL: "marginal", Status.FAIL: "FAIL",
             Status.NOT_EVALUABLE: "not evaluable"}
    return " · ".join(f"{n} {words[s]}" for s, n in counts.items() if n) or "no constraints"


@dataclass(frozen=True)
class LimitPoint:
    """Where a limit goes on the DVH plot, in the plot's units; ``volume`` None: a vertical line."""

    dose: float
    volume: float | None
    upper: bool  # an upper limit (the curve should pass below/left of it)


def limit_point(r: ConstraintResult, settings: CurveSettings, rx_gy: float | None, fractions: int | None,
                covered_volume_cc: float | None, dose_is_eqd2: bool = False) -> LimitPoint | None:
    """The limit of ``r`` in the plot's units (cumulative DVH); None if it has none.

    ``dose_is_eqd2``: the result's doses are already EQD2 (a composite), drawn as they are.
    Volumes in % are of the structure's part inside the dose grid, as the DVH curves.
    """
    marker = r.limit_marker()
    if marker is None or marker.dose_gy is None:
        return None
    if dose_is_eqd2:
        dose = float(marker.dose_gy)
    else:
        dose = float(convert_dose(np.array([marker.dose_gy]), settings, rx_gy, fractions, r.alpha_beta_gy)[0])
        if settings.dose_unit is DoseUnit.PCT_RX and not rx_gy:
            return None
    volume = marker.volume
    if volume is not None and marker.volume_unit != settings.volume_unit.value:
        if not covered_volume_cc:
            return None
        volume = volume * covered_volume_cc / 100.0 if marker.volume_unit == "%" else volume * 100.0 / covered_volume_cc
    return LimitPoint(dose, None if volume is None else float(volume), r.comparator == "<=")


def treatment_order(links: list) -> list:
    """Courses in treatment order (plan date, then load order), as ``rtreview check`` sums them."""
    return sorted(links, key=lambda link: (link.plan.date if link.plan is not None and link.plan.date else "9999"))


def composite_links(case, current=None) -> list:
    """The courses to sum: links of one patient on one frame of reference with a structure set
    (>= 2), the group of ``current`` if it is in one, else the first group; [] if none."""
    if case is None:
        return []
    groups = []
    for patient in case.patients:
        by_frame: dict[str, list] = {}
        for link in treatment_order(patient.links):
            if link.structure_set is not None:
                frame = link.dose.frame_of_reference_uid or link.structure_set.frame_of_reference_uid
                by_frame.setdefault(frame, []).append(link)
        groups += [g for g in by_frame.values() if len(g) >= 2]
    for group in groups:
        if any(link is current for link in group):
            return group
    return groups[0] if groups else []
