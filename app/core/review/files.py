"""The files a sign-off covers, their sha256, and whether they changed since (no Qt).

``reviewed_files(link)``: the plan, dose and structure set files of a dose link, each with its
SOP Instance UID, file name and the sha256 of its bytes (a zip member is read from its archive,
``archive.zip/inner/name`` as the loader names it). ``changes_since(entry, links)``: what differs
between a sign-off and the plans loaded now — another SOP Instance of a reviewed object, or the
same one with other bytes. Reading files is I/O: the window calls it off the GUI thread.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass

from .log import KIND_LABELS, Entry, ReviewedFile

CHUNK = 1 << 20


def sha256_of(path: str) -> str | None:
    """sha256 (hex) of a file, or of a zip member named ``archive.zip/inner/name``; None when it
    cannot be read."""
    try:
        if os.path.isfile(path):
            digest = hashlib.sha256()
            with open(path, "rb") as stream:
                for block in iter(lambda: stream.read(CHUNK), b""):
                    digest.update(block)
            return digest.hexdigest()
        archive, member = _split_zip(path)
        if archive is None:
            return None
        with zipfile.ZipFile(archive, "r") as zf, zf.open(member, "r") as stream:
            digest = hashlib.sha256()
            for block in iter(lambda: stream.read(CHUNK), b""):
                digest.update(block)
            return digest.hexdigest()
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, EOFError):
        return None


def _split_zip(path: str) -> tuple[str | None, str]:
    parts = path.replace("\\", "/").split("/")
    for i in range(len(parts) - 1, 0, -1):
        head = "/".join(parts[:i])
        if head.lower().endswith(".zip") and os.path.isfile(head):
            return head, "/".join(parts[i:])
    return None, ""


def _objects(link) -> list[tuple[str, object]]:
    return [(kind, obj) for kind, obj in (("plan", link.plan), ("dose", link.dose),
                                          ("structure_set", link.structure_set)) if obj is not None]


def reviewed_files(link) -> list[ReviewedFile]:
    """The plan, dose and structure set of ``link`` as reviewed now (hashes read from disk)."""
    return [ReviewedFile(kind, obj.sop_instance_uid, os.path.basename(str(obj.path)), sha256_of(str(obj.path)))
            for kind, obj in _objects(link)]


def plan_uid(link) -> str:
    """The plan's SOP Instance UID (for a dose without its plan: the plan the dose references)."""
    if link.plan is not None:
        return link.plan.sop_instance_uid
    return getattr(link.dose, "referenced_plan_uid", "") if link.dose is not None else ""


def link_for(entry: Entry, links) -> object | None:
    """The loaded link a sign-off was about (by plan UID, else by the dose's UID)."""
    for link in links:
        if entry.plan_sop_instance_uid and plan_uid(link) == entry.plan_sop_instance_uid:
            return link
    doses = {f.sop_instance_uid for f in entry.files if f.kind == "dose"}
    return next((link for link in links if link.dose is not None and link.dose.sop_instance_uid in doses), None)


@dataclass(frozen=True)
class FileChange:
    kind: str
    recorded: ReviewedFile
    now_uid: str
    now_file: str

    def __str__(self) -> str:
        what = KIND_LABELS.get(self.kind, self.kind)
        if self.now_uid != self.recorded.sop_instance_uid:
            return (f"{what} is another instance now ({self.now_file}, UID …{self.now_uid[-12:]}; "
                    f"reviewed: {self.recorded.file}, UID …{self.recorded.sop_instance_uid[-12:]})")
        return f"{what} {self.now_file} has other contents (sha256 differs)"


def changes_since(entry: Entry, links) -> list[FileChange]:
    """How the files of ``entry``'s plan as loaded now differ from those signed; [] when equal
    or when that plan is not loaded (nothing to compare)."""
    link = link_for(entry, links)
    if link is None:
        return []
    now = dict(_objects(link))
    out = []
    for recorded in entry.files:
        obj = now.get(recorded.kind)
        if obj is None:
            continue  # not loaded this time: nothing to compare
        path = str(obj.path)
        if obj.sop_instance_uid != recorded.sop_instance_uid or (
                recorded.sha256 is not None and sha256_of(path) != recorded.sha256):
            out.append(FileChange(recorded.kind, recorded, obj.sop_instance_uid, os.path.basename(path)))
    return out


def latest_per_plan(all_entries: list[Entry]) -> list[Entry]:
    """The last sign-off of each plan (what a change on load is reported against)."""
    last: dict[str, Entry] = {}
    for e in all_entries:
        last[e.plan_sop_instance_uid or e.plan_label] = e
    return list(last.values())


@dataclass(frozen=True)
class ChangedSinceSignOff:
    entry: Entry
    changes: tuple[FileChange, ...]

    def __str__(self) -> str:
        return (f"reviewed files changed since the sign-off of {self.entry.plan_label} by {self.entry.who} "
                f"on {self.entry.when}: " + "; ".join(map(str, self.changes)))


def check_loaded(all_entries: list[Entry], links) -> list[ChangedSinceSignOff]:
    """For each plan's latest sign-off whose plan is loaded: the files changed since."""
    out = []
    for entry in latest_per_plan(all_entries):
        changes = changes_since(entry, links)
        if changes:
            out.append(ChangedSinceSignOff(entry, tuple(changes)))
    return out


def sign_off_for(link, reviewer: str, role: str, decision: str, comment: str = "", software: str = ""):
    """A ``SignOff`` of ``link`` as loaded now (plan UID, files and their hashes)."""
    from rtreview import APP_NAME, __version__

    from .log import SignOff

    return SignOff(reviewer=reviewer, role=role, decision=decision, comment=comment, plan_label=link.label,
                   plan_sop_instance_uid=plan_uid(link), files=reviewed_files(link),
                   software=software or f"{APP_NAME} {__version__}")
