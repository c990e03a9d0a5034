"""The review log: sign-off entries kept in the case file, append-only and tamper-evident (no Qt).

An entry records who signed (name, role), when (ISO 8601 with the UTC offset), the decision
(``DECISIONS``), a comment, the plan (label and SOP Instance UID) and the files reviewed (kind,
SOP Instance UID, file name, sha256 of the file's bytes), and the software version.

Append-only: entries are only ever added at the end (``merge_logs`` never drops or changes one
already written). Tamper-evident: every entry carries ``previous_sha256`` (the hash of the entry
before it; '' for the first) and ``entry_sha256`` (the hash of its own canonical JSON — sorted
keys, no whitespace, UTF-8 — without that field). ``verify_log`` recomputes both: an edited,
removed, inserted or reordered entry is detected. This is a hash chain, not a digital signature:
someone who rewrites the last entry *and* its hash with a text editor is not detected (no secret
key is involved); the PDF prints each entry's hash so a printed or archived report pins it.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field

LOG_KEY = "review_log"  # top-level key of the case file
DECISIONS: dict[str, str] = {
    "approved": "Approved",
    "approved_with_comments": "Approved with comments",
    "changes_requested": "Changes requested",
}
ROLES = ("radiation oncologist", "medical physicist", "dosimetrist", "resident", "other")
FILE_KINDS = ("plan", "dose", "structure_set")
KIND_LABELS = {"plan": "RT Plan", "dose": "RT Dose", "structure_set": "RT Structure Set"}


class ReviewLogError(ValueError):
    """A sign-off that cannot be recorded (the message says why)."""


@dataclass(frozen=True)
class ReviewedFile:
    kind: str  # one of FILE_KINDS
    sop_instance_uid: str
    file: str  # the file's name (no folder)
    sha256: str | None  # None: the file could not be read again for hashing

    def to_dict(self) -> dict:
        return {"kind": self.kind, "sop_instance_uid": self.sop_instance_uid, "file": self.file,
                "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict) -> "ReviewedFile":
        return cls(str(data.get("kind", "")), str(data.get("sop_instance_uid", "")), str(data.get("file", "")),
                   data.get("sha256"))


@dataclass
class SignOff:
    """What the reviewer enters, plus what was reviewed (``files``)."""

    reviewer: str
    role: str
    decision: str
    comment: str
    plan_label: str
    plan_sop_instance_uid: str
    files: list[ReviewedFile] = field(default_factory=list)
    signed_at: str = ""  # ISO 8601 with offset; '' = now
    software: str = ""

    def check(self) -> None:
        if not self.reviewer.strip():
            raise ReviewLogError("a sign-off needs the reviewer's name")
        if self.decision not in DECISIONS:
            raise ReviewLogError(f"decision {self.decision!r} is not one of {', '.join(DECISIONS)}")
        if self.decision != "approved" and not self.comment.strip():
            what = DECISIONS[self.decision].lower()
            raise ReviewLogError(f"'{what}' needs a comment saying what")


def now_iso() -> str:
    return _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def canonical(entry: dict) -> bytes:
    """The bytes an entry's hash is taken of: sorted keys, no whitespace, UTF-8, without
    ``entry_sha256``."""
    body = {k: v for k, v in entry.items() if k != "entry_sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def new_entry(sign_off: SignOff, log: list[dict]) -> dict:
    """The entry to append to ``log`` (chained to its last entry). Keys in reading order."""
    sign_off.check()
    entry = {
        "signed_at": sign_off.signed_at or now_iso(),
        "reviewer": sign_off.reviewer.strip(),
        "role": sign_off.role.strip(),
        "decision": sign_off.decision,
        "comment": sign_off.comment.strip(),
        "plan_label": sign_off.plan_label,
        "plan_sop_instance_uid": sign_off.plan_sop_instance_uid,
        "files": [f.to_dict() for f in sign_off.files],
        "software": sign_off.software,
        "previous_sha256": log[-1].get("entry_sha256", entry_hash(log[-1])) if log else "",
    }
    entry["entry_sha256"] = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class LogProblem:
    index: int  # 0-based entry index
    message: str

    def __str__(self) -> str:
        return f"review log entry {self.index + 1}: {self.message}"


def verify_log(log) -> list[LogProblem]:
    """Problems of a review log: an entry changed after it was written (its hash), or removed,
    inserted or reordered (the chain). [] for an intact log."""
    if log is None:
        return []
    if not isinstance(log, list):
        return [LogProblem(0, "the review log is not a list")]
    problems = []
    previous = ""
    for i, entry in enumerate(log):
        if not isinstance(entry, dict):
            problems.append(LogProblem(i, "not an object"))
            previous = ""
            continue
        own = entry_hash(entry)
        if entry.get("entry_sha256") != own:
            problems.append(LogProblem(i, "changed after it was written (its content does not match its hash)"))
        if entry.get("previous_sha256", "") != previous:
            problems.append(LogProblem(i, "the entry before it was changed, removed or reordered (the chain "
                                          "of hashes breaks here)"))
        previous = entry.get("entry_sha256", own) if isinstance(entry.get("entry_sha256"), str) else own
    return problems


def merge_logs(on_disk: list | None, in_memory: list | None) -> list:
    """The log to write when a case file is saved: every entry already on disk, unchanged and in
    order, then the entries only the program's copy has (appended by this session)."""
    disk = list(on_disk) if isinstance(on_disk, list) else []
    known = {json.dumps(e, sort_keys=True) for e in disk}
    extra = [e for e in (in_memory if isinstance(in_memory, list) else [])
             if json.dumps(e, sort_keys=True) not in known]
    return disk + extra


@dataclass(frozen=True)
class Entry:
    """A read-only view of one log entry (for views and the PDF)."""

    index: int
    signed_at: str
    reviewer: str
    role: str
    decision: str
    comment: str
    plan_label: str
    plan_sop_instance_uid: str
    files: tuple[ReviewedFile, ...]
    software: str
    entry_sha256: str

    @property
    def decision_text(self) -> str:
        return DECISIONS.get(self.decision, self.decision)

    @property
    def when(self) -> str:
        """'2026-12-04 16:42 +01:00' (minutes; the offset kept)."""
        try:
            t = _dt.datetime.fromisoformat(self.signed_at)
        except ValueError:
            return self.signed_at
        offset = t.strftime("%z")
        offset = f" {offset[:3]}:{offset[3:]}" if offset else ""
        return t.strftime("%Y-%m-%d %H:%M") + offset

    @property
    def who(self) -> str:
        return f"{self.reviewer} ({self.role})" if self.role else self.reviewer


def entries(log) -> list[Entry]:
    out = []
    for i, e in enumerate(log if isinstance(log, list) else []):
        if not isinstance(e, dict):
            continue
        out.append(Entry(i, str(e.get("signed_at", "")), str(e.get("reviewer", "")), str(e.get("role", "")),
                         str(e.get("decision", "")), str(e.get("comment", "")), str(e.get("plan_label", "")),
                         str(e.get("plan_sop_instance_uid", "")),
                         tuple(ReviewedFile.from_dict(f) for f in e.get("files", []) if isinstance(f, dict)),
                         str(e.get("software", "")), str(e.get("entry_sha256", ""))))
    return out
