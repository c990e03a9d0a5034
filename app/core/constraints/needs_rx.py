"""Constraints a plan cannot be judged on because its prescription or fractions are unknown.

The evaluation converts limits with the plan's prescription (``%Rx`` limits, ``V95%Rx``) and
fractions (every Gy limit is converted to the plan's fractionation; EQD2 needs them). When the
plan does not state one, using the protocol's value instead would be a guess that looks like a
fact; these rows are marked not evaluable with a note starting "needs Rx" / "needs fractions",
and the numbers that depend on the unknown are cleared (a dose the DVH gives, e.g. D95% in Gy,
stays). Applied after ``evaluate`` by ``plan_check.check_plan``.
"""
from __future__ import annotations

from .model import Constraint, Protocol
from .results import Evaluation, Status

NEEDS_RX = "needs Rx: the plan's prescription is unknown (set it in the plan tree or with --rx PLAN=GY/FRACTIONS)"
NEEDS_FRACTIONS = ("needs fractions: the plan's number of fractions is unknown, so its doses cannot be compared "
                   "with limits written for another fractionation (set it in the plan tree or with --rx)")


def is_relative_to_rx(c: Constraint) -> bool:
    return c.unit == "%Rx" or c.metric.kind == "V%Rx"


def _constraints_in_order(protocol: Protocol) -> list[Constraint]:
    return [c for s in protocol.structures for c in s.constraints]


def mark_unknowns(ev: Evaluation, protocol: Protocol, *, rx_known: bool, fractions_known: bool) -> None:
    """Mark the rows of ``ev`` (evaluated from ``protocol``, one row per constraint in the
    protocol's order) that need the unknown prescription or fractions."""
    if rx_known and fractions_known:
        return
    if not rx_known:
        ev.prescription_gy = None
    if not fractions_known:
        ev.fractions = None
    constraints = _constraints_in_order(protocol)
    if len(constraints) != len(ev.results):  # not one row per constraint: nothing safe to pair
        return
    for c, res in zip(constraints, ev.results):
        if res.status is Status.NOT_EVALUABLE and not (res.value is not None or res.value_gy is not None):
            continue  # already not evaluable for its own reason (structure missing, no volume)
        relative = is_relative_to_rx(c)
        if relative and not rx_known:
            _clear(res, NEEDS_RX, keep_value=c.metric.is_dose)
        elif not relative and not fractions_known:
            _clear(res, NEEDS_FRACTIONS, keep_value=c.metric.is_dose)
            res.value_eqd2_gy = None
        elif not fractions_known:
            res.value_eqd2_gy = res.limit_eqd2_gy = res.threshold_eqd2_gy = None
            res.limit_converted, res.converted_from_fractions = False, None
            res.note = "; ".join(x for x in (res.note, "EQD2 needs the plan's fractions (unknown)") if x)


def _clear(res, note: str, keep_value: bool) -> None:
    if res.unit == "Gy EQD2" and res.value_gy is not None:  # a mean judged in EQD2: keep the physical value
        res.unit, res.value = "Gy", res.value_gy
    res.status = Status.NOT_EVALUABLE
    res.limit = res.limit_gy = res.limit_eqd2_gy = res.marginal_limit = None
    res.threshold_gy = res.threshold_eqd2_gy = None
    if not keep_value:
        res.value = res.value_gy = res.value_eqd2_gy = None
    res.note = note
