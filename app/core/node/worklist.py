"""The worklist: what the store holds, by patient, newest arrival first (built from the index only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .index import InstanceRecord, StoreIndex


@dataclass(frozen=True)
class PlanEntry:
    label: str
    sop_instance_uid: str
    received_at: str  # UTC, ISO 8601
    calling_ae: str


@dataclass
class PatientEntry:
    patient_id: str
    patient_name: str
    folder: Path  # every received file of the patient is in here
    first_received: str
    last_received: str
    counts: dict[str, int] = field(default_factory=dict)  # modality -> instances
    plans: list[PlanEntry] = field(default_factory=list)

    def summary(self) -> str:
        """E.g. 'CT 117, RTSTRUCT 1, RTPLAN 2, RTDOSE 2'."""
        order = ["CT", "MR", "PT", "REG", "RTSTRUCT", "RTPLAN", "RTDOSE"]
        keys = sorted(self.counts, key=lambda m: (order.index(m) if m in order else len(order), m))
        return ", ".join(f"{m or '?'} {self.counts[m]}" for m in keys)


def build_worklist(records: list[InstanceRecord], root: Path) -> list[PatientEntry]:
    """Group indexed instances by Patient ID; plans listed by arrival; patients newest first."""
    patients: dict[str, PatientEntry] = {}
    for r in sorted(records, key=lambda r: r.received_at):
        entry = patients.get(r.patient_id)
        if entry is None:
            folder = (root / r.path).parent
            entry = patients[r.patient_id] = PatientEntry(r.patient_id, r.patient_name, folder, r.received_at,
                                                          r.received_at)
        entry.last_received = r.received_at
        entry.patient_name = r.patient_name or entry.patient_name
        entry.counts[r.modality] = entry.counts.get(r.modality, 0) + 1
        if r.modality == "RTPLAN":
            entry.plans.append(PlanEntry(r.label, r.sop_instance_uid, r.received_at, r.calling_ae))
    return sorted(patients.values(), key=lambda p: p.last_received, reverse=True)


def read_worklist(root: Path) -> list[PatientEntry]:
    """The worklist of the store at ``root`` (an empty list when nothing was received yet)."""
    root = Path(root)
    if not (root / "index.sqlite").is_file():
        return []
    return build_worklist(StoreIndex(root / "index.sqlite", create=False).instances(), root)
