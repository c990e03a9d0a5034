"""The optional re-irradiation time factor of a multi-course composite: a user choice, off by default.

When a structure is irradiated again after an interval, part of the earlier course's effect may
have recovered. Whether, how much and in which tissue is not settled: rtreview ships **no
value**. The user may state one for a case (case file top-level ``reirradiation_time_factor``,
schema ``#/$defs/reirradiation_time_factor``)::

    {"enabled": true, "recovery_pct": 25, "min_interval_days": 180,
     "source": "e.g. Nieder C et al. IJROBP 2006 (spinal cord); the physician's choice"}

Then, in the EQD2 composite, every course that ended at least ``min_interval_days`` before the
latest course started counts with weight ``1 - recovery_pct / 100``; other courses count fully.
The check output says which courses were discounted and by how much. See docs/protocols.md
("Re-irradiation time factor") for the literature a user may base the numbers on.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

KEY = "reirradiation_time_factor"


@dataclass(frozen=True)
class TimeFactor:
    recovery_pct: float
    min_interval_days: int
    source: str = ""

    def weight_for(self, interval_days: int | None) -> float:
        """The weight of an earlier course that ended ``interval_days`` before the latest began."""
        if interval_days is None or interval_days < self.min_interval_days:
            return 1.0
        return 1.0 - self.recovery_pct / 100.0

    def describe(self) -> str:
        src = f"; source: {self.source}" if self.source else ""
        return (f"re-irradiation time factor (user choice): courses ended >= {self.min_interval_days} days before "
                f"the latest course count {100 - self.recovery_pct:g} % of their EQD2{src}")


def time_factor_from(raw: dict | None) -> TimeFactor | None:
    """The case document's time factor, None when absent, disabled or incomplete (= off)."""
    item = (raw or {}).get(KEY)
    if not isinstance(item, dict) or item.get("enabled") is not True:
        return None
    pct, days = item.get("recovery_pct"), item.get("min_interval_days")
    if not (isinstance(pct, (int, float)) and not isinstance(pct, bool) and 0 <= pct <= 100):
        return None
    if not (isinstance(days, int) and not isinstance(days, bool) and days >= 0):
        return None
    return TimeFactor(float(pct), int(days), str(item.get("source", "") or ""))


def store_time_factor(raw: dict, factor: TimeFactor | None, enabled: bool = True) -> None:
    """Write the user's choice into the case document (``factor`` None removes it)."""
    if factor is None:
        raw.pop(KEY, None)
        return
    raw[KEY] = {"enabled": bool(enabled), "recovery_pct": factor.recovery_pct,
                "min_interval_days": factor.min_interval_days, "source": factor.source}


def course_weights(spans: dict[str, tuple[_dt.date | None, _dt.date | None]],
                   factor: TimeFactor | None) -> dict[str, tuple[float, str]]:
    """``{course key: (weight, note)}`` for courses given as ``{key: (start, end)}``.

    The latest course (by start) and every course without dates keep weight 1; with ``factor``
    None every weight is 1."""
    out = {key: (1.0, "") for key in spans}
    if factor is None:
        return out
    dated = {k: (s, e or s) for k, (s, e) in spans.items() if s is not None}
    if len(dated) < 2:
        return out
    latest_key = max(dated, key=lambda k: dated[k][0])
    latest_start = dated[latest_key][0]
    for key, (start, end) in dated.items():
        if key == latest_key:
            continue
        interval = (latest_start - end).days
        weight = factor.weight_for(interval)
        if weight != 1.0:
            out[key] = (weight, f"{key}: ended {interval} days before {latest_key} started; counted at "
                                f"{100 * weight:g} % of its EQD2 (re-irradiation time factor, user choice)")
    for key in spans:
        if key not in dated:
            out[key] = (1.0, f"{key}: no course dates in the case file, no time factor applied")
    return out


def weights_for_plans(case, plans: list[tuple[str, str]]) -> dict[str, tuple[float, str]]:
    """``{plan label: (weight, note)}`` for the composite of ``plans`` (``(label, SOP Instance UID)``),
    from the case timeline's time factor and the dates of the RT courses linked to the plans; {} when
    the factor is off (the default) or there is no case file. A plan without a linked, dated course
    keeps weight 1 (its note says so)."""
    if case is None:
        return {}
    factor = time_factor_from(case.raw)
    if factor is None:
        return {}
    from .events import RtCourse

    spans = {}
    for label, uid in plans:
        course = next((c for c in case.of_kind(RtCourse) if c.links_plan(label, uid)), None)
        spans[label] = (course.start_date, course.end_date) if course is not None else (None, None)
    out = course_weights(spans, factor)
    first = next(iter(out))
    out[first] = (out[first][0], "; ".join(x for x in (factor.describe(), out[first][1]) if x))
    return out
