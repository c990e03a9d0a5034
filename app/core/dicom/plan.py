"""RT Plan model: label, prescription and fractionation."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Plan:
    """An RT Plan's review-relevant facts. Doses in Gy; dates ISO ``YYYY-MM-DD`` or ''."""

    sop_instance_uid: str
    path: str
    label: str = ""
    name: str = ""
    intent: str = ""
    prescription_gy: float | None = None
    fractions: int | None = None
    dose_per_fraction_gy: float | None = None
    date: str = ""
    referenced_structure_set_uid: str = ""
    frame_of_reference_uid: str = ""
    patient_id: str = ""
    notes: list[str] = field(default_factory=list)
    study_instance_uid: str = ""
