"""One JSON-ready summary of a case: events in date order, derived facts, warnings.

This is what ``rtreview timeline --format json`` prints; keys carry their units
(``dose_gy``, ``days``, ``pfs_days``); dates are ISO ``YYYY-MM-DD``; a missing value is null.
The keys are documented in ``app/cli/timeline.py`` and ``docs/timeline.md``.
"""
from __future__ import annotations

import datetime as _dt

from .checks import PlanLike, check_case, find_plan
from .derived import lines_of_therapy, progression_free_survival, time_on_therapy
from .liver import liver_status_at
from .model import CaseTimeline, Event, LiverFunction, RtCourse

SUMMARY_VERSION = 1


def _iso(value: _dt.date | None) -> str | None:
    return value.isoformat() if value else None


def event_summary(event: Event) -> dict:
    out = {
        "id": event.id, "kind": event.kind, "title": event.title,
        "start_date": _iso(event.start), "end_date": _iso(event.end), "ongoing": event.ongoing,
        "details": dict(event.details()), "source": event.source, "illustrative": event.illustrative,
    }
    for name in ("dose_gy", "fractions", "plan_label", "drug", "line", "result"):
        if hasattr(event, name):
            out[name] = getattr(event, name)
    if isinstance(event, RtCourse):
        out.update({"dose_per_fraction_gy": event.per_fraction_gy, "schedule": event.schedule or None,
                    "interval_hours": event.interval_hours, "fractions_delivered": event.fractions_delivered,
                    "technique": event.technique or None, "overall_treatment_days": event.overall_treatment_days,
                    "interruptions": [{"start_date": _iso(a), "end_date": _iso(b), "reason": r}
                                      for a, b, r in event.interruption_spans()]})
    if isinstance(event, LiverFunction):
        out.update({name: (None if getattr(event, name) in (None, "") else getattr(event, name)) for name in (
            "child_pugh_class", "child_pugh_score", "albi_grade", "albi_score", "hbv_status", "hcv_status")})
    return out


def summarize(case: CaseTimeline, plans: list[PlanLike] | None = None,
              pfs_start: _dt.date | str | None = None) -> dict:
    """The summary dict; ``plans`` (DICOM) adds the plan checks; ``pfs_start`` is a date or event id."""
    try:
        pfs = progression_free_survival(case, pfs_start)
    except ValueError:
        if pfs_start is not None:
            raise  # the caller's start is wrong: say so
        pfs = None  # an empty case
    follow_up = case.last_follow_up
    return {
        "summary_version": SUMMARY_VERSION,
        "title": case.title,
        "patient_id": case.patient.patient_id,
        "last_follow_up": {"date": _iso(follow_up.date), "status": follow_up.status,
                           "source": follow_up.source, "illustrative": follow_up.illustrative}
        if follow_up else None,
        "events": [event_summary(e) for e in case.sorted_events()],
        "lab_series": [{"id": s.id, "analyte": s.analyte, "unit": s.unit,
                        "upper_limit_normal": s.upper_limit_normal, "source": s.source,
                        "illustrative": s.illustrative,
                        "samples": [{"date": _iso(x.date), "value": x.value} for x in s.samples]}
                       for s in case.lab_series],
        "lines_of_therapy": [{"line": line.number, "regimen": line.regimen, "drugs": line.drugs,
                              "continued_drugs": line.continued_drugs, "start_date": _iso(line.start_date),
                              "end_date": _iso(line.end_date), "ongoing": line.ongoing,
                              "days": line.days, "line_inferred": line.line_inferred}
                             for line in lines_of_therapy(case)],
        "time_on_therapy": [{"event_id": t.event_id, "drug": t.drug, "line": t.line,
                             "start_date": _iso(t.start_date), "end_date": _iso(t.end_date),
                             "ongoing": t.ongoing, "days": t.days} for t in time_on_therapy(case)],
        "pfs": None if pfs is None else {
            "start_date": _iso(pfs.start_date), "start": pfs.start_label, "end_date": _iso(pfs.end_date),
            "pfs_days": pfs.days, "pfs_months": None if pfs.months is None else round(pfs.months, 1),
            "progressed": pfs.progressed, "censored": pfs.censored,
            "event_id": pfs.event_id or None, "rule": pfs.censor_rule},
        "plans_checked": plans is not None,
        "plan_links": None if plans is None else [_plan_link(c, find_plan(c, plans)) for c in case.of_kind(RtCourse)],
        "liver_status": [{"event_id": c.id, "plan_label": c.plan_label or None,
                          **liver_status_at(case, c.start_date).to_json()} for c in case.of_kind(RtCourse)],
        "warnings": [{"code": w.code, "severity": w.severity, "event_id": w.event_id or None,
                      "message": w.message} for w in check_case(case, plans)],
    }


def _plan_link(course: RtCourse, plan: PlanLike | None) -> dict:
    """Which DICOM plan an RT course resolved to (plan fields null when not found)."""
    return {"event_id": course.id, "plan_label": course.plan_label or None,
            "found": plan is not None,
            "sop_instance_uid": plan.sop_instance_uid if plan else None,
            "plan_date": (plan.date or None) if plan else None,
            "prescription_gy": plan.prescription_gy if plan else None,
            "fractions": plan.fractions if plan else None}
