"""Consistency checks on a case timeline, optionally against DICOM RT plans.

They produce warnings, never errors: the file may be right and the reviewer decides.
Codes (stable, for scripts): ``rt_fractions_exceed_weekdays``, ``rt_end_before_start``,
``therapy_end_before_start``, ``therapy_end_and_ongoing``,
``plan_not_found``, ``plan_date_after_course_start``, ``plan_date_long_before_course``,
``plan_prescription_differs``, ``plan_fractions_differ``, ``patient_id_differs``,
``event_after_last_follow_up``, ``systemic_concurrent_with_rt`` and ``systemic_near_rt``
(anti-VEGF or checkpoint inhibitor within 30 days before or after a course; both severity ``note``),
``rt_dose_per_fraction_differs`` (a stated dose per fraction that is not dose / fractions),
``rt_fractions_not_all_delivered`` (note: fewer delivered than planned), ``rt_interruption_outside_course``,
``child_pugh_class_mismatch`` and ``albi_grade_mismatch`` (a class that disagrees with its own score).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable, Protocol

from .drugs import rt_interaction_class
from .model import CaseTimeline, RtCourse, SystemicTherapy

PLAN_DATE_MAX_LEAD_DAYS = 60  # a plan approved longer than this before its course starts is suspicious
DOSE_TOLERANCE_GY = 0.01
NEAR_RT_DAYS = 30  # anti-VEGF agents and checkpoint inhibitors this close to RT are worth a note


class PlanLike(Protocol):
    """What the checks need of ``rtreview.core.dicom.plan.Plan``."""

    sop_instance_uid: str
    label: str
    date: str
    prescription_gy: float | None
    fractions: int | None
    patient_id: str


@dataclass(frozen=True)
class TimelineWarning:
    code: str
    message: str
    event_id: str = ""
    severity: str = "warning"  # or "note"

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def weekdays_between(start: _dt.date, end: _dt.date) -> int:
    """Monday-to-Friday days from ``start`` to ``end``, both included (0 if end < start)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (start + _dt.timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def nth_weekday(start: _dt.date, n: int) -> _dt.date:
    """The date of the n-th weekday counting ``start`` (if a weekday) as the first."""
    day, seen = start, 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen >= n:
                return day
        day += _dt.timedelta(days=1)


def check_case(case: CaseTimeline, plans: Iterable[PlanLike] | None = None) -> list[TimelineWarning]:
    """All warnings for ``case``; with ``plans`` (e.g. from the DICOM loader) the plan checks too."""
    out = (_rt_course_checks(case) + _rt_course_detail_checks(case) + _therapy_checks(case)
           + _follow_up_checks(case) + _concurrency_checks(case) + _liver_checks(case))
    if plans is not None:
        out += check_against_plans(case, list(plans))
    return out


def _rt_course_checks(case: CaseTimeline) -> list[TimelineWarning]:
    out = []
    for course in case.of_kind(RtCourse):
        if course.end_date is None or not course.fractions:
            continue
        if course.end_date < course.start_date:
            out.append(TimelineWarning("rt_end_before_start", f"RT course {course.title}: ends "
                                f"{course.end_date} before it starts {course.start_date}", course.id))
            continue
        weekdays = weekdays_between(course.start_date, course.end_date)
        per_day = 2 if course.schedule == "twice_daily" else 1
        if course.fractions > per_day * weekdays and course.schedule != "other":
            expected = nth_weekday(course.start_date, -(-course.fractions // per_day))
            pace = "two fractions" if per_day == 2 else "one fraction"
            hint = "" if per_day == 2 else ", or whether it was given twice daily"
            out.append(TimelineWarning(
                "rt_fractions_exceed_weekdays",
                f"RT course {course.title}: {course.fractions} fractions cannot fit "
                f"{course.start_date}..{course.end_date} ({weekdays} weekdays) at {pace} per "
                f"weekday; at that pace it would end about {expected}. Check the dates, the fraction "
                f"count{hint}.", course.id))
    return out


def _rt_course_detail_checks(case: CaseTimeline) -> list[TimelineWarning]:
    out = []
    for course in case.of_kind(RtCourse):
        if course.dose_per_fraction_gy is not None and course.dose_gy is not None and course.fractions:
            computed = course.dose_gy / course.fractions
            if abs(computed - course.dose_per_fraction_gy) > DOSE_TOLERANCE_GY:
                out.append(TimelineWarning(
                    "rt_dose_per_fraction_differs",
                    f"RT course {course.title}: {course.dose_per_fraction_gy:g} Gy per fraction is stated, but "
                    f"{course.dose_gy:g} Gy / {course.fractions} fx is {computed:.4g} Gy per fraction", course.id))
        if course.fractions_delivered is not None and course.fractions and course.fractions_delivered < course.fractions:
            delivered = course.delivered_dose_gy
            dose = f" ({delivered:g} Gy of {course.dose_gy:g} Gy)" if delivered is not None and course.dose_gy else ""
            out.append(TimelineWarning(
                "rt_fractions_not_all_delivered",
                f"RT course {course.title}: {course.fractions_delivered} of {course.fractions} planned fractions "
                f"delivered{dose}; the plan's dose is the planned dose", course.id, "note"))
        for start, end, reason in course.interruption_spans():
            outside = start is not None and (start < course.start_date
                                             or (course.end_date is not None and start > course.end_date))
            if outside or (start is not None and end is not None and end < start):
                out.append(TimelineWarning(
                    "rt_interruption_outside_course",
                    f"RT course {course.title}: interruption {start}{'..' + str(end) if end else ''} "
                    f"{reason} is not within the course {course.start_date}..{course.end_date or ''}".replace("  ", " "),
                    course.id))
    return out


def _liver_checks(case: CaseTimeline) -> list[TimelineWarning]:
    from .liver import liver_function_warnings

    return [TimelineWarning(code, message, event_id) for code, event_id, message in liver_function_warnings(case)]


def _therapy_checks(case: CaseTimeline) -> list[TimelineWarning]:
    out = []
    for therapy in case.of_kind(SystemicTherapy):
        if therapy.is_ongoing and therapy.end_date is not None:
            out.append(TimelineWarning("therapy_end_and_ongoing", f"{therapy.drug}: marked ongoing but has an "
                                       f"end date ({therapy.end_date}); durations use the end date", therapy.id))
        if therapy.end_date is not None and therapy.end_date < therapy.start_date:
            out.append(TimelineWarning("therapy_end_before_start", f"{therapy.drug}: ends {therapy.end_date} "
                                       f"before it starts {therapy.start_date}", therapy.id))
    return out


def _follow_up_checks(case: CaseTimeline) -> list[TimelineWarning]:
    follow_up = case.last_follow_up_date
    if follow_up is None:
        return []
    out = []
    for event in case.sorted_events():
        last = max(d for d in (event.start, event.end) if d is not None)
        if last > follow_up:
            out.append(TimelineWarning("event_after_last_follow_up",
                                f"{event.title} ({last}) is after the last follow-up ({follow_up})", event.id))
    for series in case.lab_series:
        late = [s.date for s in series.samples if s.date > follow_up]
        if late:
            out.append(TimelineWarning("event_after_last_follow_up", f"{series.analyte}: {len(late)} sample(s) after "
                                f"the last follow-up ({follow_up}), e.g. {late[0]}", series.id))
    return out


def _concurrency_checks(case: CaseTimeline) -> list[TimelineWarning]:
    out = []
    follow_up = case.last_follow_up_date
    for course in case.of_kind(RtCourse):
        rt_end = course.end_date or course.start_date
        for therapy in case.of_kind(SystemicTherapy):
            t_end = therapy.end_date or (follow_up if therapy.ongoing else therapy.start_date) or _dt.date.max
            kind = rt_interaction_class(therapy.drug, therapy.drug_class)
            why = f" ({kind}: relevant to RT toxicity)" if kind else ""
            if therapy.start <= rt_end and t_end >= course.start_date:
                out.append(TimelineWarning("systemic_concurrent_with_rt",
                                           f"{therapy.drug}{why} given during RT course {course.title} "
                                           f"({course.start_date}..{rt_end})", course.id, "note"))
            elif kind and 0 < (therapy.start - rt_end).days <= NEAR_RT_DAYS:
                out.append(TimelineWarning("systemic_near_rt", f"{therapy.drug}{why} started "
                                           f"{(therapy.start - rt_end).days} day(s) after RT course "
                                           f"{course.title} ended ({rt_end})", course.id, "note"))
            elif kind and therapy.end_date and 0 < (course.start_date - therapy.end_date).days <= NEAR_RT_DAYS:
                out.append(TimelineWarning("systemic_near_rt", f"{therapy.drug}{why} stopped "
                                           f"{(course.start_date - therapy.end_date).days} day(s) before RT "
                                           f"course {course.title} started ({course.start_date})", course.id, "note"))
    return out


def find_plan(course: RtCourse, plans: list[PlanLike]) -> PlanLike | None:
    """The plan a course links to: by SOP Instance UID when both have one, else by label."""
    for plan in plans:
        if course.plan_sop_instance_uid and plan.sop_instance_uid == course.plan_sop_instance_uid:
            return plan
    for plan in plans:
        if course.plan_label and plan.label.casefold() == course.plan_label.casefold():
            return plan
    return None


def check_against_plans(case: CaseTimeline, plans: list[PlanLike]) -> list[TimelineWarning]:
    out = []
    if not plans:
        return [TimelineWarning("plan_not_found", "no RT plans in the given DICOM: the courses' plan links "
                                "were not checked")]
    pid = case.patient.patient_id
    for plan in plans:
        if pid and plan.patient_id and plan.patient_id != pid:
            out.append(TimelineWarning("patient_id_differs", f"plan {plan.label}: PatientID {plan.patient_id} "
                                f"differs from the case's {pid}"))
    for course in case.of_kind(RtCourse):
        if not (course.plan_label or course.plan_sop_instance_uid):
            continue
        plan = find_plan(course, plans)
        link = course.plan_label or course.plan_sop_instance_uid
        if plan is None:
            out.append(TimelineWarning("plan_not_found", f"RT course {course.title}: linked plan {link} is not "
                                "among the loaded plans", course.id))
            continue
        out += _compare(course, plan)
    return out


def _compare(course: RtCourse, plan: PlanLike) -> list[TimelineWarning]:
    out = []
    name = f"RT course {course.title} / plan {plan.label}"
    plan_date = _parse_date(plan.date)
    if plan_date is not None:
        if plan_date > course.start_date:
            out.append(TimelineWarning("plan_date_after_course_start", f"{name}: plan dated {plan_date}, after the "
                                f"course start {course.start_date}", course.id))
        elif (course.start_date - plan_date).days > PLAN_DATE_MAX_LEAD_DAYS:
            out.append(TimelineWarning("plan_date_long_before_course", f"{name}: plan dated {plan_date}, "
                                f"{(course.start_date - plan_date).days} days before the course start "
                                f"{course.start_date}", course.id))
    if plan.prescription_gy is not None and course.dose_gy is not None \
            and abs(plan.prescription_gy - course.dose_gy) > DOSE_TOLERANCE_GY:
        out.append(TimelineWarning("plan_prescription_differs", f"{name}: plan prescribes {plan.prescription_gy:g} Gy, "
                            f"the course records {course.dose_gy:g} Gy", course.id))
    if plan.fractions and course.fractions and plan.fractions != course.fractions:
        out.append(TimelineWarning("plan_fractions_differ", f"{name}: plan has {plan.fractions} fractions, "
                            f"the course records {course.fractions}", course.id))
    return out


def _parse_date(text: str) -> _dt.date | None:
    text = (text or "").strip()
    for candidate in (text, text[:4] + "-" + text[4:6] + "-" + text[6:8] if len(text) == 8 else ""):
        try:
            return _dt.date.fromisoformat(candidate)
        except ValueError:
            continue
    return None
