"""Facts derived from a case timeline: lines of therapy, time on each therapy, PFS.

Day counts are calendar days between dates (end minus start). An ongoing therapy or line
runs to the last follow-up. PFS runs from a chosen start to the first progression (a
``response`` with result PD) or death after it, else it is censored at the last
follow-up (or, with ``censor_at="last_assessment"``, at the last response assessment).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from .model import CaseTimeline, Death, Event, ResponseAssessment, SystemicTherapy

DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25


@dataclass
class TherapyDuration:
    """Time on one systemic therapy; ``end_date`` is the stop date, or the last follow-up when ongoing."""

    event_id: str
    drug: str
    start_date: _dt.date
    end_date: _dt.date | None
    ongoing: bool
    days: int | None
    line: int | None


@dataclass
class LineOfTherapy:
    """Line ``number``: from its first new drug to the next line's start (or ongoing)."""

    number: int
    start_date: _dt.date
    end_date: _dt.date | None
    ongoing: bool
    days: int | None
    drugs: list[str] = field(default_factory=list)  # started in this line
    continued_drugs: list[str] = field(default_factory=list)  # from earlier lines, still given
    therapy_ids: list[str] = field(default_factory=list)
    line_inferred: bool = False  # some therapy had no "line": numbered from progressions

    @property
    def regimen(self) -> str:
        return " + ".join(self.drugs + [f"{d} (continued)" for d in self.continued_drugs])


@dataclass
class ProgressionFreeSurvival:
    start_date: _dt.date
    start_label: str
    end_date: _dt.date | None
    days: int | None
    progressed: bool  # True: an event (progression or death); False: censored
    event_id: str = ""
    censor_rule: str = ""

    @property
    def censored(self) -> bool:
        return not self.progressed

    @property
    def months(self) -> float | None:
        return None if self.days is None else self.days / DAYS_PER_MONTH

    @property
    def years(self) -> float | None:
        return None if self.days is None else self.days / DAYS_PER_YEAR


def _days(start: _dt.date, end: _dt.date | None) -> int | None:
    return None if end is None else (end - start).days


def progressions(case: CaseTimeline) -> list[Event]:
    """Progression events (PD assessments and deaths) by date."""
    return [e for e in case.sorted_events()
            if (isinstance(e, ResponseAssessment) and e.is_progression) or isinstance(e, Death)]


def therapy_lines(case: CaseTimeline) -> dict[str, tuple[int, bool]]:
    """Line number of each systemic therapy (by event id) and whether it was inferred.

    A therapy without ``line`` gets 1 + the number of progressions between the first
    therapy's start and its own start."""
    therapies = case.of_kind(SystemicTherapy)
    if not therapies:
        return {}
    first = therapies[0].start
    pd_dates = [e.start for e in progressions(case) if e.start >= first]
    out = {}
    for t in therapies:
        if t.line is not None:
            out[t.id] = (t.line, False)
        else:
            out[t.id] = (1 + sum(1 for d in pd_dates if d < t.start), True)
    return out


def time_on_therapy(case: CaseTimeline) -> list[TherapyDuration]:
    follow_up = case.last_follow_up_date
    lines = therapy_lines(case)
    out = []
    for t in case.of_kind(SystemicTherapy):
        end = t.end_date if t.end_date is not None else (follow_up if t.ongoing else None)
        out.append(TherapyDuration(t.id, t.drug, t.start, end, t.ongoing, _days(t.start, end),
                                   lines[t.id][0]))
    return out


def lines_of_therapy(case: CaseTimeline) -> list[LineOfTherapy]:
    lines = therapy_lines(case)
    therapies = case.of_kind(SystemicTherapy)
    numbers = sorted({n for n, _ in lines.values()})
    follow_up = case.last_follow_up_date
    out: list[LineOfTherapy] = []
    for i, number in enumerate(numbers):
        own = [t for t in therapies if lines[t.id][0] == number]
        start = min(t.start for t in own)
        continued = [t for t in therapies if lines[t.id][0] < number and t.start <= start
                     and (t.end_date is None or t.end_date >= start)]
        next_start = min((t.start for t in therapies if lines[t.id][0] in numbers[i + 1:]), default=None)
        if next_start is not None:
            end, ongoing = next_start, False
        elif any(t.ongoing for t in own + continued):
            end, ongoing = follow_up, True
        else:
            end, ongoing = max(t.end_date for t in own), False
        out.append(LineOfTherapy(
            number, start, end, ongoing, _days(start, end),
            drugs=_unique(t.drug for t in own), continued_drugs=_unique(t.drug for t in continued),
            therapy_ids=[t.id for t in own + continued],
            line_inferred=any(lines[t.id][1] for t in own)))
    return out


def _unique(names) -> list[str]:
    out: list[str] = []
    for name in names:
        if name not in out:
            out.append(name)
    return out


def resolve_pfs_start(case: CaseTimeline, start: _dt.date | str | None = None) -> tuple[_dt.date, str]:
    """The PFS start: a date, an event id (its start), or by default the latest line's start."""
    if isinstance(start, _dt.date):
        return start, start.isoformat()
    if isinstance(start, str) and start:
        try:
            event = case.event_by_id(start)
        except KeyError:
            try:
                return _dt.date.fromisoformat(start), start
            except ValueError:
                ids = ", ".join(e.id for e in case.sorted_events() if not e.id_generated) or "none"
                raise ValueError(f"{start!r} is neither a date (YYYY-MM-DD) nor an event id of the case "
                                 f"(ids: {ids})") from None
        return event.start, f"{event.title} ({event.id})"
    lines = lines_of_therapy(case)
    if lines:
        line = lines[-1]
        return line.start_date, f"start of line {line.number}: {line.regimen}"
    events = case.sorted_events()
    if not events:
        raise ValueError("an empty case has no PFS start")
    return events[0].start, f"{events[0].title} ({events[0].id})"


def progression_free_survival(case: CaseTimeline, start: _dt.date | str | None = None,
                              censor_at: str = "last_follow_up") -> ProgressionFreeSurvival:
    """PFS from ``start`` (see ``resolve_pfs_start``); progression or death on or before the
    start date does not count (it is why the line started)."""
    start_date, label = resolve_pfs_start(case, start)
    for event in progressions(case):
        if event.start > start_date:
            return ProgressionFreeSurvival(start_date, label, event.start, _days(start_date, event.start),
                                           True, event.id, "event: " + event.title)
    if censor_at == "last_assessment":
        assessed = [e.start for e in case.of_kind(ResponseAssessment) if e.start > start_date]
        end = max(assessed) if assessed else None
        rule = "censored at the last response assessment"
    else:
        end = case.last_follow_up_date
        rule = "censored at the last follow-up"
    if end is None:
        rule += " (none recorded: PFS unknown)"
    return ProgressionFreeSurvival(start_date, label, end, _days(start_date, end), False, "", rule)
