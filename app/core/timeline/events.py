"""The kinds of dated event on a case timeline (diagnosis, RT course, systemic therapy, ...).

Dates are ``datetime.date``; doses in Gy (``dose_gy``) or mg (``dose_mg``). ``LANE`` says
where a view draws the event.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import ClassVar

from .record import Record, _to_json


@dataclass(eq=False)
class Event(Record):
    """One dated fact. ``start`` is the event's date; ``end`` is None for a point in time or
    an ongoing treatment (see ``ongoing``)."""

    KIND: ClassVar[str] = ""
    LANE: ClassVar[str] = "other"
    id: str = ""
    kind: str = ""
    source: str = ""
    illustrative: bool = False
    notes: str = ""
    date_precision: str = "day"
    id_generated: bool = field(default=False, repr=False)  # the file gave no id: do not write one

    _SKIP: ClassVar[frozenset[str]] = frozenset({"raw", "id_generated"})

    def __post_init__(self):
        self.kind = self.KIND

    @property
    def start(self) -> _dt.date:
        return self.date  # type: ignore[attr-defined]

    @property
    def end(self) -> _dt.date | None:
        return getattr(self, "end_date", None)

    @property
    def ongoing(self) -> bool:
        return False

    @property
    def title(self) -> str:
        """Short label for a timeline."""
        return self.KIND.replace("_", " ")

    def details(self) -> list[tuple[str, str]]:
        """(label, text) pairs for a tooltip or a text listing, kind-specific fields first."""
        out = []
        for f in self._known_fields():
            if f.name in ("id", "kind", "source", "illustrative", "notes", "date_precision", "is_ongoing",
                          "title_text"):
                continue  # shown elsewhere (title, span, source line)
            value = getattr(self, f.name)
            if value in (None, "") or value is False:
                continue
            out.append((f.name, f"{value:g}" if isinstance(value, float) else str(_to_json(value))))
        if self.notes:
            out.append(("notes", self.notes))
        if self.date_precision != "day":
            out.append(("date precision", f"{self.date_precision} (the source gives no exact day)"))
        return out


@dataclass(eq=False)
class Diagnosis(Event):
    KIND: ClassVar[str] = "diagnosis"
    date: _dt.date | None = None
    disease: str = ""
    stage: str = ""

    @property
    def title(self) -> str:
        return f"Dx: {self.disease}" if self.disease else "Diagnosis"


@dataclass(eq=False)
class RtCourse(Event):
    """A course of radiotherapy, linked to a DICOM plan by label or SOP Instance UID."""

    KIND: ClassVar[str] = "rt_course"
    LANE: ClassVar[str] = "radiotherapy"
    site: str = ""
    start_date: _dt.date | None = None
    end_date: _dt.date | None = None
    dose_gy: float | None = None
    fractions: int | None = None
    plan_label: str = ""
    plan_sop_instance_uid: str = ""

    @property
    def start(self) -> _dt.date:
        return self.start_date

    @property
    def dose_per_fraction_gy(self) -> float | None:
        if self.dose_gy is None or not self.fractions:
            return None
        return self.dose_gy / self.fractions

    @property
    def title(self) -> str:
        dose = f"{self.dose_gy:g} Gy/{self.fractions} fx" if self.dose_gy is not None else ""
        return " ".join(x for x in (self.plan_label or self.site, dose) if x)

    def details(self) -> list[tuple[str, str]]:
        out = super().details()
        if self.dose_per_fraction_gy is not None:
            out.insert(4, ("dose per fraction", f"{self.dose_per_fraction_gy:g} Gy"))
        return out

    def links_plan(self, label: str = "", sop_instance_uid: str = "") -> bool:
        if sop_instance_uid and self.plan_sop_instance_uid:
            return sop_instance_uid == self.plan_sop_instance_uid
        return bool(label) and label.casefold() == self.plan_label.casefold()


@dataclass(eq=False)
class SystemicTherapy(Event):
    KIND: ClassVar[str] = "systemic_therapy"
    LANE: ClassVar[str] = "systemic"
    drug: str = ""
    drug_class: str = ""
    dose_mg: float | None = None
    schedule: str = ""
    start_date: _dt.date | None = None
    end_date: _dt.date | None = None
    line: int | None = None
    is_ongoing: bool = False  # the file's "ongoing" (see to_dict/from_dict)

    @property
    def start(self) -> _dt.date:
        return self.start_date

    @property
    def ongoing(self) -> bool:
        return self.is_ongoing or self.end_date is None

    @property
    def title(self) -> str:
        return self.drug

    @classmethod
    def from_dict(cls, data: dict, **extra):
        return super().from_dict(data, is_ongoing=bool(data.get("ongoing", False)), **extra)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.pop("is_ongoing", None)
        if "ongoing" in self.raw or self.is_ongoing:
            out["ongoing"] = self.is_ongoing
        return out


@dataclass(eq=False)
class Procedure(Event):
    KIND: ClassVar[str] = "procedure"
    LANE: ClassVar[str] = "procedures"
    date: _dt.date | None = None
    end_date: _dt.date | None = None
    name: str = ""
    regimen: str = ""

    @property
    def title(self) -> str:
        return "-".join(x for x in (self.name, self.regimen) if x)


@dataclass(eq=False)
class ResponseAssessment(Event):
    """A response assessment; ``result`` PD is a progression."""

    KIND: ClassVar[str] = "response"
    LANE: ClassVar[str] = "imaging"
    date: _dt.date | None = None
    modality: str = ""
    result: str = ""
    criterion: str = ""
    finding: str = ""

    @property
    def is_progression(self) -> bool:
        return self.result == "PD"

    @property
    def title(self) -> str:
        return self.result or "response"


@dataclass(eq=False)
class AdverseEvent(Event):
    KIND: ClassVar[str] = "adverse_event"
    date: _dt.date | None = None
    end_date: _dt.date | None = None
    term: str = ""
    grade: int | None = None
    ctcae_version: str = ""
    attribution: str = ""

    @property
    def title(self) -> str:
        return f"{self.term} G{self.grade}" if self.grade else self.term


@dataclass(eq=False)
class ImagingStudy(Event):
    KIND: ClassVar[str] = "imaging"
    LANE: ClassVar[str] = "imaging"
    date: _dt.date | None = None
    modality: str = ""
    study_instance_uid: str = ""
    finding: str = ""

    @property
    def title(self) -> str:
        return self.modality or "imaging"


@dataclass(eq=False)
class Death(Event):
    KIND: ClassVar[str] = "death"
    date: _dt.date | None = None
    cause: str = ""

    @property
    def title(self) -> str:
        return "Death"


@dataclass(eq=False)
class Note(Event):
    KIND: ClassVar[str] = "note"
    date: _dt.date | None = None
    title_text: str = ""

    @property
    def title(self) -> str:
        return self.title_text or "note"

    @classmethod
    def from_dict(cls, data: dict, **extra):
        return super().from_dict(data, title_text=data.get("title", ""), **extra)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.pop("title_text", None)
        if "title" in self.raw or self.title_text:
            out["title"] = self.title_text
        return out


EVENT_CLASSES: dict[str, type[Event]] = {cls.KIND: cls for cls in (
    Diagnosis, RtCourse, SystemicTherapy, Procedure, ResponseAssessment, AdverseEvent,
    ImagingStudy, Death, Note)}
