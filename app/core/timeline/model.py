"""The case timeline: patient link, events, lab series and last follow-up, as dataclasses.

Every object keeps the dict it was read from (``raw``) so unknown fields survive a save.
The event kinds live in ``events``; they are re-exported here.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import ClassVar

from .events import (EVENT_CLASSES, AdverseEvent, Death, Diagnosis, Event, ImagingStudy, LiverFunction,  # noqa: F401
                     Note, Procedure, ResponseAssessment, RtCourse, SystemicTherapy)
from .record import Record, new_event_id  # noqa: F401

@dataclass(eq=False)
class LabSample(Record):
    date: _dt.date | None = None
    value: float | None = None
    source: str = ""
    illustrative: bool = False


@dataclass(eq=False)
class LabSeries(Record):
    """A tumor marker or other lab value over time, in one unit (e.g. AFP in ng/mL)."""

    id: str = ""
    analyte: str = ""
    unit: str = ""
    upper_limit_normal: float | None = None
    source: str = ""
    illustrative: bool = False
    samples: list[LabSample] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict, **extra):
        samples = [LabSample.from_dict(s) for s in data.get("samples", [])]
        return super().from_dict({k: v for k, v in data.items() if k != "samples"}, samples=samples, **extra)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["samples"] = [s.to_dict() for s in self.samples]
        return out


@dataclass(eq=False)
class FollowUp(Record):
    date: _dt.date | None = None
    status: str = ""
    source: str = ""
    illustrative: bool = False


@dataclass(eq=False)
class PatientLink(Record):
    """Who the case is about: ``patient_id`` as in the DICOM (PatientID), optional."""

    patient_id: str = ""
    sex: str = ""
    age_at_diagnosis_years: int | None = None
    description: str = ""
    source: str = ""
    illustrative: bool = False


@dataclass(eq=False)
class CaseTimeline(Record):
    """The whole case file."""

    title: str = ""
    description: str = ""
    source: str = ""
    patient: PatientLink = field(default_factory=PatientLink)
    last_follow_up: FollowUp | None = None
    events: list[Event] = field(default_factory=list)
    lab_series: list[LabSeries] = field(default_factory=list)

    _SKIP: ClassVar[frozenset[str]] = frozenset({"raw", "patient", "last_follow_up", "events", "lab_series"})

    @property
    def last_follow_up_date(self) -> _dt.date | None:
        return self.last_follow_up.date if self.last_follow_up else None

    def sorted_events(self) -> list[Event]:
        """Events by start date (stable: same-day events keep file order)."""
        return sorted(self.events, key=lambda e: e.start)

    def of_kind(self, cls: type[Event]) -> list[Event]:
        return sorted((e for e in self.events if isinstance(e, cls)), key=lambda e: e.start)

    def unused_id(self, prefix: str) -> str:
        """``prefix-N`` with the smallest N no event or lab series uses."""
        used = {e.id for e in self.events} | {s.id for s in self.lab_series}
        n = 1
        while f"{prefix}-{n}" in used:
            n += 1
        return f"{prefix}-{n}"

    def event_by_id(self, event_id: str) -> Event:
        for event in self.events:
            if event.id == event_id:
                return event
        raise KeyError(event_id)
