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
    """A course of radiotherapy, linked to a DICOM plan by label or SOP Instance UID.

    ``fractions`` are the planned fractions; ``fractions_delivered`` (optional) how many were
    given. ``dose_per_fraction_gy`` is as the source states it (else dose / fractions, see
    ``per_fraction_gy``). ``schedule``: ``daily``, ``twice_daily`` (with ``interval_hours``, the
    time between the two fractions of a day) or ``other``. ``interruptions``: the file's list of
    ``{"start_date", "end_date", "reason"}`` (dates as text)."""

    KIND: ClassVar[str] = "rt_course"
    LANE: ClassVar[str] = "radiotherapy"
    site: str = ""
    start_date: _dt.date | None = None
    end_date: _dt.date | None = None
    dose_gy: float | None = None
    fractions: int | None = None
    plan_label: str = ""
    plan_sop_instance_uid: str = ""
    dose_per_fraction_gy: float | None = None
    schedule: str = ""
    interval_hours: float | None = None
    fractions_delivered: int | None = None
    technique: str = ""
    interruptions: list = field(default_factory=list)

    @property
    def start(self) -> _dt.date:
        return self.start_date

    @property
    def per_fraction_gy(self) -> float | None:
        """The dose per fraction as given, else total dose / planned fractions (Gy)."""
        if self.dose_per_fraction_gy is not None:
            return self.dose_per_fraction_gy
        if self.dose_gy is None or not self.fractions:
            return None
        return self.dose_gy / self.fractions

    @property
    def overall_treatment_days(self) -> int | None:
        """Overall treatment time: first to last treatment day, both counted (days)."""
        if self.start_date is None or self.end_date is None or self.end_date < self.start_date:
            return None
        return (self.end_date - self.start_date).days + 1

    @property
    def delivered_dose_gy(self) -> float | None:
        """Dose per fraction x fractions delivered, when the delivered count is known."""
        if self.fractions_delivered is None or self.per_fraction_gy is None:
            return None
        return self.per_fraction_gy * self.fractions_delivered

    def interruption_spans(self) -> list[tuple[_dt.date | None, _dt.date | None, str]]:
        """(start, end, reason) of each interruption; a date that does not parse is None."""
        out = []
        for item in self.interruptions or []:
            if not isinstance(item, dict):
                continue
            out.append((_parse_day(item.get("start_date")), _parse_day(item.get("end_date")),
                        str(item.get("reason", "") or "")))
        return out

    @property
    def title(self) -> str:
        dose = f"{self.dose_gy:g} Gy/{self.fractions} fx" if self.dose_gy is not None else ""
        return " ".join(x for x in (self.plan_label or self.site, dose) if x)

    def details(self) -> list[tuple[str, str]]:
        out = [(k, v) for k, v in super().details() if k not in ("interruptions", "dose_per_fraction_gy")]
        if self.per_fraction_gy is not None:
            given = "" if self.dose_per_fraction_gy is not None else " (dose / fractions)"
            out.insert(min(4, len(out)), ("dose per fraction", f"{self.per_fraction_gy:g} Gy{given}"))
        if self.fractions_delivered is not None and self.fractions:
            delivered = f"{self.fractions_delivered} of {self.fractions} planned"
            if self.delivered_dose_gy is not None:
                delivered += f" ({self.delivered_dose_gy:g} Gy delivered)"
            out.append(("fractions delivered", delivered))
        if self.overall_treatment_days is not None:
            out.append(("overall treatment time", f"{self.overall_treatment_days} days (first to last day)"))
        for start, end, reason in self.interruption_spans():
            span = f"{start}" + (f"..{end}" if end else "")
            out.append(("interruption", f"{span} {reason}".strip()))
        return out

    def links_plan(self, label: str = "", sop_instance_uid: str = "") -> bool:
        if sop_instance_uid and self.plan_sop_instance_uid:
            return sop_instance_uid == self.plan_sop_instance_uid
        return bool(label) and label.casefold() == self.plan_label.casefold()


def _parse_day(value) -> _dt.date | None:
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


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


# Procedure names counted as liver-directed therapy without ``liver_directed`` set (folded
# case- and separator-insensitively): transarterial (chemo)embolisation / radioembolisation,
# hepatic arterial infusion chemotherapy, ablation, percutaneous ethanol injection, resection.
LIVER_DIRECTED_NAMES = ("TACE", "cTACE", "DEB-TACE", "DEBTACE", "TAE", "TARE", "SIRT", "HAIC", "HAI", "RFA",
                        "MWA", "PEI", "hepatectomy", "liver resection", "liver transplant")


@dataclass(eq=False)
class Procedure(Event):
    """A procedure; ``liver_directed`` marks liver-directed therapy (TACE, HAIC, ablation, ...),
    also recognised by name (``LIVER_DIRECTED_NAMES``)."""

    KIND: ClassVar[str] = "procedure"
    LANE: ClassVar[str] = "procedures"
    date: _dt.date | None = None
    end_date: _dt.date | None = None
    name: str = ""
    regimen: str = ""
    liver_directed: bool = False

    @property
    def is_liver_directed(self) -> bool:
        fold = "".join(ch for ch in self.name.casefold() if ch.isalnum())
        names = {"".join(ch for ch in n.casefold() if ch.isalnum()) for n in LIVER_DIRECTED_NAMES}
        return self.liver_directed or fold in names

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


CHILD_PUGH_CLASSES = ("A", "B", "C")
VIRUS_STATUSES = ("negative", "positive", "resolved", "unknown")


@dataclass(eq=False)
class LiverFunction(Event):
    """A dated liver-function assessment: Child-Pugh class and score, ALBI grade and score,
    hepatitis B / C status. Every field is optional; a missing one is unknown, never assumed."""

    KIND: ClassVar[str] = "liver_function"
    LANE: ClassVar[str] = "other"
    date: _dt.date | None = None
    child_pugh_class: str = ""
    child_pugh_score: int | None = None
    albi_grade: int | None = None
    albi_score: float | None = None
    hbv_status: str = ""
    hcv_status: str = ""
    antiviral: str = ""

    @property
    def title(self) -> str:
        parts = []
        if self.child_pugh_class or self.child_pugh_score is not None:
            score = "" if self.child_pugh_score is None else str(self.child_pugh_score)
            parts.append(f"CP {self.child_pugh_class}{score}")
        if self.albi_grade is not None:
            parts.append(f"ALBI {self.albi_grade}")
        for virus, status in (("HBV", self.hbv_status), ("HCV", self.hcv_status)):
            if status and status != "unknown":
                parts.append(f"{virus} {status}")
        return " · ".join(parts) or "liver function"


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
    ImagingStudy, LiverFunction, Death, Note)}
