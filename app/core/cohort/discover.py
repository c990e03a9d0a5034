"""Find the patients under a cohort folder by DICOM Patient ID (header scans only).

ROOT may hold one folder or zip archive per patient, loose files, or any mix: files are grouped
by their Patient ID, so one patient split over two folders (or a folder and a zip) is one job,
and a folder holding two patients gives two jobs. An input (a top-level folder, zip or file of
ROOT) that yields no usable DICOM file at all is a ``FailedInput`` with the reasons.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from app.core.dicom.load_report import LoadReport
from app.core.dicom.scan import ArchiveCache, ScanResult, classify, find_candidates


@dataclass(frozen=True)
class PatientJob:
    """One patient's work: the files (plain files and zip archives) holding its DICOM objects.

    ``root`` is the cohort folder (messages name files relative to it); ``input_issues`` are
    problems the header scan found in the same inputs, as (path, message): files that could not
    be read at all cannot be attributed to a patient, so every patient of that input carries them.
    CT images are not in ``paths`` (DVHs and constraints do not use them; reading their pixels
    would be a third of the work), except inside zip archives, which are loaded whole;
    ``ct_files`` counts them.
    """

    patient_id: str
    paths: tuple[str, ...]
    root: str
    inputs: tuple[str, ...] = ()
    input_issues: tuple[tuple[str, str], ...] = ()
    ct_files: int = 0


@dataclass(frozen=True)
class FailedInput:
    """A top-level folder, zip or file of ROOT with no usable DICOM RT file, and why."""

    path: str  # relative to ROOT
    reason: str


@dataclass
class Discovery:
    root: str
    jobs: list[PatientJob] = field(default_factory=list)
    failed_inputs: list[FailedInput] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # 'path: message' of skipped non-DICOM files


def relative(path_or_message: str, root: str) -> str:
    """``path_or_message`` with every occurrence of ``root/`` removed (names relative to ROOT)."""
    prefix = os.path.join(os.path.abspath(root), "")
    return path_or_message.replace(prefix, "")


LOOSE = "."  # the input name of plain files lying directly in ROOT (not in a folder or zip)


def _top_level(path: str, root: str) -> str:
    """The input (folder or zip directly below ROOT) that ``path`` lies in; LOOSE for plain files
    directly in ROOT; ROOT's own name if ROOT is a zip."""
    rel = os.path.relpath(path, root)
    if rel == ".":
        return os.path.basename(root)
    top = rel.split(os.sep, 1)[0]
    if top == rel and not rel.lower().endswith(".zip") and not os.path.isdir(os.path.join(root, top)):
        return LOOSE
    return top


def discover(root: str | os.PathLike[str], step: Callable[[str], None] | None = None) -> Discovery:
    """Scan the headers of every file under ``root`` and group them into patient jobs.

    ``step(path)`` is called after each file (for progress). Jobs are sorted by Patient ID.
    """
    root = os.path.abspath(os.fspath(root))
    out = Discovery(root)
    report = LoadReport()
    scanned = ScanResult(report=report)
    archives = ArchiveCache()
    try:
        for candidate in find_candidates([root], report):
            classify(candidate, scanned, archives)
            if step is not None:
                step(candidate.path)
    finally:
        archives.close()
    files: dict[str, set[str]] = {}
    inputs_of: dict[str, set[str]] = {}
    cts: dict[str, int] = {}
    for entry in scanned.entries:
        source = entry.file_path or entry.path
        files.setdefault(entry.patient_id, set())
        if entry.kind == "CT":
            cts[entry.patient_id] = cts.get(entry.patient_id, 0) + 1
        if entry.kind != "CT" or entry.member:
            files[entry.patient_id].add(source)
        inputs_of.setdefault(entry.patient_id, set()).add(_top_level(source, root))
    used_inputs = set().union(*inputs_of.values()) if inputs_of else set()
    issues_by_input: dict[str, list[tuple[str, str]]] = {}
    for issue in report.issues:
        top = _top_level(_real_part(issue.path), root)
        if issue.severity == "ignored":
            out.ignored.append(relative(f"{issue.path}: {issue.message}", root))
        issues_by_input.setdefault(top, []).append((relative(issue.path, root), issue.message))
    for top in sorted(issues_by_input):
        if top in used_inputs:
            continue
        # Loose non-DICOM files beside the patients (README, notes) are ignored, not failures.
        errors = [f"{p}: {m}" for p, m in issues_by_input[top] if top != LOOSE or not _is_benign(m)]
        if errors:
            out.failed_inputs.append(FailedInput(top, "no usable DICOM RT file: " + "; ".join(errors[:5])
                                                 + (f"; ... ({len(errors) - 5} more)" if len(errors) > 5 else "")))
    for patient_id in sorted(files):
        tops = tuple(sorted(inputs_of[patient_id]))
        problems = tuple(item for top in tops for item in issues_by_input.get(top, ())
                         if not _is_benign(item[1]))
        out.jobs.append(PatientJob(patient_id, tuple(sorted(files[patient_id])), root, tops, problems,
                                   cts.get(patient_id, 0)))
    return out


def _is_benign(message: str) -> bool:
    """Scan notes that do not make a patient fail (other kinds of DICOM, non-DICOM files beside)."""
    return message.endswith("; skipped") or message.endswith("; ignored") or "treated as empty" in message


def _real_part(path: str) -> str:
    """The file system part of a display path (``archive.zip/inner/name`` -> ``archive.zip``)."""
    probe = path
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return probe or path
