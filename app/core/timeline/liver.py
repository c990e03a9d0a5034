"""Liver-function facts of a case at a date: Child-Pugh, ALBI, hepatitis B / C, prior liver-directed therapy.

The facts are the dated ``liver_function`` events of the case file (and ``procedure`` events
for liver-directed therapy). ``liver_status_at(case, day)`` takes, for each fact separately,
the latest assessment on or before ``day`` that states it, and says where it comes from (date,
source, illustrative). A fact no assessment states is unknown: the views then say e.g.
"needs Child-Pugh", never assume class A.

Conventions (used only to check that a class agrees with its score):

- Child-Pugh class from the score: A 5-6, B 7-9, C 10-15 (Pugh RNH et al. Br J Surg 1973;60:646-649).
- ALBI grade from the score (0.66 log10 bilirubin [µmol/L] - 0.085 albumin [g/L]): grade 1
  <= -2.60, grade 2 > -2.60 to <= -1.39, grade 3 > -1.39 (Johnson PJ et al. J Clin Oncol
  2015;33:550-558).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from .events import LiverFunction, Procedure
from .model import CaseTimeline

ALBI_GRADE_1_MAX = -2.60  # Johnson 2015
ALBI_GRADE_2_MAX = -1.39


def child_pugh_class_for_score(score: int) -> str:
    """'A' (5-6), 'B' (7-9), 'C' (10-15); ValueError outside 5-15."""
    if not 5 <= int(score) <= 15:
        raise ValueError(f"a Child-Pugh score is 5-15, not {score}")
    return "A" if score <= 6 else "B" if score <= 9 else "C"


def albi_grade_for_score(score: float) -> int:
    """ALBI grade 1, 2 or 3 for an ALBI score (Johnson 2015 cut-offs)."""
    return 1 if score <= ALBI_GRADE_1_MAX else 2 if score <= ALBI_GRADE_2_MAX else 3


@dataclass(frozen=True)
class Fact:
    """One liver fact with its provenance."""

    value: object
    date: _dt.date
    event_id: str
    source: str = ""
    illustrative: bool = False

    def describe(self, text: str | None = None) -> str:
        mark = " (illustrative)" if self.illustrative else ""
        return f"{text if text is not None else self.value} ({self.date.isoformat()}){mark}"


@dataclass(frozen=True)
class LiverStatus:
    """The liver facts known at ``at`` (None = unknown)."""

    at: _dt.date | None
    child_pugh_class: Fact | None = None
    child_pugh_score: Fact | None = None
    albi_grade: Fact | None = None
    albi_score: Fact | None = None
    hbv_status: Fact | None = None
    hcv_status: Fact | None = None
    antiviral: Fact | None = None
    prior_liver_directed: tuple[Procedure, ...] = field(default=())

    @property
    def child_pugh(self) -> str | None:
        """'A', 'B' or 'C': the stated class, else the class of the stated score; None if unknown."""
        if self.child_pugh_class is not None:
            return str(self.child_pugh_class.value)
        if self.child_pugh_score is not None:
            return child_pugh_class_for_score(int(self.child_pugh_score.value))
        return None

    def child_pugh_text(self) -> str:
        """'Child-Pugh B7 (2020-06-20)' or 'needs Child-Pugh'."""
        if self.child_pugh is None:
            return "needs Child-Pugh (not in the case file)"
        fact = self.child_pugh_class or self.child_pugh_score
        score = f"{self.child_pugh_score.value}" if self.child_pugh_score is not None else ""
        return "Child-Pugh " + fact.describe(f"{self.child_pugh}{score}")

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) for a report or a tooltip; unknown facts say so."""
        albi = "unknown"
        if self.albi_grade is not None or self.albi_score is not None:
            fact = self.albi_grade or self.albi_score
            grade = self.albi_grade.value if self.albi_grade is not None else albi_grade_for_score(
                float(self.albi_score.value))
            score = f", score {self.albi_score.value:g}" if self.albi_score is not None else ""
            albi = fact.describe(f"grade {grade}{score}")
        prior = ", ".join(f"{p.title} {p.date.isoformat()}" for p in self.prior_liver_directed)
        before = f" before {self.at.isoformat()}" if self.at else ""
        return [("Child-Pugh", self.child_pugh_text()),
                ("ALBI", albi),
                ("HBV", self.hbv_status.describe() if self.hbv_status else "unknown"),
                ("HCV", self.hcv_status.describe() if self.hcv_status else "unknown"),
                ("Prior liver-directed therapy", prior or f"none recorded{before}")]

    def to_json(self) -> dict:
        def fact(f: Fact | None):
            return None if f is None else {"value": f.value, "date": f.date.isoformat(), "event_id": f.event_id,
                                           "source": f.source, "illustrative": f.illustrative}
        return {"at": self.at.isoformat() if self.at else None, "child_pugh": self.child_pugh,
                "child_pugh_class": fact(self.child_pugh_class), "child_pugh_score": fact(self.child_pugh_score),
                "albi_grade": fact(self.albi_grade), "albi_score": fact(self.albi_score),
                "hbv_status": fact(self.hbv_status), "hcv_status": fact(self.hcv_status),
                "antiviral": fact(self.antiviral),
                "prior_liver_directed": [{"event_id": p.id, "name": p.title, "date": p.date.isoformat()}
                                         for p in self.prior_liver_directed]}


_FIELDS = ("child_pugh_class", "child_pugh_score", "albi_grade", "albi_score", "hbv_status", "hcv_status", "antiviral")


def liver_status_at(case: CaseTimeline | None, day: _dt.date | None = None) -> LiverStatus:
    """The liver facts of ``case`` on ``day`` (default: the latest of every fact). For each fact the
    latest assessment on or before ``day`` stating it; liver-directed procedures before ``day``.
    An empty status for no case."""
    if case is None:
        return LiverStatus(day)
    found: dict[str, Fact] = {}
    assessments = [e for e in case.of_kind(LiverFunction) if e.date is not None and (day is None or e.date <= day)]
    for event in assessments:  # date order: later ones overwrite
        for name in _FIELDS:
            value = getattr(event, name)
            if value is None or value == "":
                continue
            found[name] = Fact(value, event.date, event.id, event.source, event.illustrative)
    prior = tuple(p for p in case.of_kind(Procedure)
                  if p.is_liver_directed and p.date is not None and (day is None or p.date < day))
    return LiverStatus(day, prior_liver_directed=prior, **found)


def liver_function_warnings(case: CaseTimeline) -> list[tuple[str, str, str]]:
    """(code, event id, message) where an assessment's class disagrees with its own score."""
    out = []
    for event in case.of_kind(LiverFunction):
        if event.child_pugh_class and event.child_pugh_score is not None and 5 <= event.child_pugh_score <= 15:
            expected = child_pugh_class_for_score(event.child_pugh_score)
            if expected != event.child_pugh_class:
                out.append(("child_pugh_class_mismatch", event.id,
                            f"liver function {event.date}: Child-Pugh class {event.child_pugh_class} does not "
                            f"match score {event.child_pugh_score} (class {expected}: A 5-6, B 7-9, C 10-15)"))
        if event.albi_grade is not None and event.albi_score is not None:
            expected = albi_grade_for_score(event.albi_score)
            if expected != event.albi_grade:
                out.append(("albi_grade_mismatch", event.id,
                            f"liver function {event.date}: ALBI grade {event.albi_grade} does not match score "
                            f"{event.albi_score:g} (grade {expected}; cut-offs -2.60 and -1.39)"))
    return out


def course_day(case: CaseTimeline | None, label: str = "", sop_instance_uid: str = "",
               plan_date: str = "") -> tuple[_dt.date | None, str]:
    """(day, how) of a plan's course for the liver facts "before this course": the start of the RT
    course of the case file linked to the plan (label or SOP Instance UID), else the plan's date
    (RTPlanDate, ISO), else None (then the latest facts are used, and ``how`` says so)."""
    from .events import RtCourse

    if case is not None:
        for course in case.of_kind(RtCourse):
            if course.links_plan(label, sop_instance_uid) and course.start_date is not None:
                return course.start_date, f"course start {course.start_date.isoformat()}"
    if plan_date:
        try:
            day = _dt.date.fromisoformat(plan_date[:10])
            return day, f"plan date {day.isoformat()}"
        except ValueError:
            pass
    return None, "course date unknown: the latest assessment"


def child_pugh_for_plan(case: CaseTimeline | None, label: str = "", sop_instance_uid: str = "",
                        plan_date: str = "") -> tuple[str | None, str, LiverStatus]:
    """(class or None, text for the report/JSON, status) of the patient before a plan's course.

    The text names the assessment and the day it was taken for, e.g. 'Child-Pugh B7 (2020-06-20),
    latest before course start 2020-06-25', or 'needs Child-Pugh (not in the case file)'."""
    day, how = course_day(case, label, sop_instance_uid, plan_date)
    status = liver_status_at(case, day)
    if case is None:
        return None, "needs Child-Pugh (no case file)", status
    if status.child_pugh is None:
        return None, f"needs Child-Pugh (no assessment in the case file before the course; {how})", status
    return status.child_pugh, f"{status.child_pugh_text()}, latest on or before the {how}", status
