"""Find the patients under a cohort folder by DICOM Patient ID (header scans only).

ROOT may hold one folder or zip archive per patient, loose files, or any mix: files are grouped
by their Patient ID, so one patient split over two folders (or a folder and a zip) is one job,
and a folder holding two patients gives two jobs. An input (a folder or zip directly in ROOT,
or the loose files of ROOT together) that yields no usable DICOM file at all is a
``FailedInput`` with the reasons.

Each input is scanned by ``scan_input(top, root=...)``, a pure function with a small picklable
result, so a runner can scan the inputs in parallel (``discover(root, imap=runner.imap)``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from rtreview.core.dicom.load_report import LoadReport
from rtreview.core.dicom.scan import ArchiveCache, ScanResult, classify, find_candidates

LOOSE = "."  # the input name of plain files lying directly in ROOT (not in a folder or zip)


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
    """A folder, zip or the loose files of ROOT with no usable DICOM RT file, and why."""

    path: str  # relative to ROOT
    reason: str


@dataclass(frozen=True)
class InputScan:
    """What the header scan of one input found: (patient_id, file, kind, in_zip) per DICOM file
    and (path, message, severity) per problem; paths absolute."""

    top: str
    entries: tuple[tuple[str, str, str, bool], ...] = ()
    issues: tuple[tuple[str, str, str], ...] = ()


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


def list_inputs(root: str) -> list[str]:
    """The inputs of ROOT: its folders and zip archives, and LOOSE when it has other plain files
    (ROOT's own name when ROOT is a zip archive)."""
    if not os.path.isdir(root):
        return [os.path.basename(root)]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return [LOOSE]  # scan_input reports why
    tops = [n for n in names if os.path.isdir(os.path.join(root, n)) or n.lower().endswith(".zip")]
    return tops + ([LOOSE] if len(tops) < len(names) else [])


def scan_input(top: str, root: str) -> InputScan:
    """Read the headers of every file of input ``top`` of ``root`` (read-only, no pixel data)."""
    if not os.path.isdir(root):
        paths = [root]
    elif top == LOOSE:
        names = sorted(os.listdir(root)) if os.path.isdir(root) else []
        paths = [p for p in (os.path.join(root, n) for n in names)
                 if not os.path.isdir(p) and not p.lower().endswith(".zip")]
    else:
        paths = [os.path.join(root, top)]
    report = LoadReport()
    scanned = ScanResult(report=report)
    archives = ArchiveCache()
    try:
        for candidate in find_candidates(paths, report):
            classify(candidate, scanned, archives)
    finally:
        archives.close()
    entries = tuple((e.patient_id, e.file_path or e.path, e.kind, bool(e.member)) for e in scanned.entries)
    return InputScan(top, entries, tuple((i.path, i.message, i.severity) for i in report.issues))


def _serial_imap(fn, items: Iterable, **kwargs) -> Iterator[tuple[object, object, BaseException | None]]:
    for item in items:
        yield item, fn(item, **kwargs), None


Imap = Callable[..., Iterator[tuple[object, object, BaseException | None]]]


def discover(root: str | os.PathLike[str], imap: Imap | None = None) -> Discovery:
    """Scan every input of ``root`` and group the files into patient jobs (sorted by Patient ID).

    ``imap(fn, items, **kwargs)`` yields ``(item, fn(item, **kwargs), error)`` in any order
    (a runner's ``imap``, to scan inputs in parallel); default: one after another, here.
    """
    root = os.path.abspath(os.fspath(root))
    out = Discovery(root)
    scans: list[InputScan] = []
    for top, scan, error in (imap or _serial_imap)(scan_input, list_inputs(root), root=root):
        if error is not None:
            out.failed_inputs.append(FailedInput(top, f"could not be scanned: {type(error).__name__}: {error}"))
        else:
            scans.append(scan)
    files: dict[str, set[str]] = {}
    inputs_of: dict[str, set[str]] = {}
    cts: dict[str, int] = {}
    issues_by_input: dict[str, list[tuple[str, str]]] = {}
    for scan in sorted(scans, key=lambda s: s.top):
        for patient_id, source, kind, in_zip in scan.entries:
            files.setdefault(patient_id, set())
            if kind == "CT":
                cts[patient_id] = cts.get(patient_id, 0) + 1
            if kind != "CT" or in_zip:
                files[patient_id].add(source)
            inputs_of.setdefault(patient_id, set()).add(scan.top)
        for path, message, severity in scan.issues:
            if severity == "ignored":
                out.ignored.append(relative(f"{path}: {message}", root))
            issues_by_input.setdefault(scan.top, []).append((relative(path, root), message))
    used_inputs = set().union(*inputs_of.values()) if inputs_of else set()
    for scan in sorted(scans, key=lambda s: s.top):
        top = scan.top
        if top in used_inputs or top not in issues_by_input:
            continue
        # Loose non-DICOM files beside the patients (README, notes) are ignored, not failures.
        errors = [f"{p}: {m}" for p, m in issues_by_input[top] if top != LOOSE or not _is_benign(m)]
        if errors:
            more = f"; ... ({len(errors) - 5} more)" if len(errors) > 5 else ""
            out.failed_inputs.append(FailedInput(top, "no usable DICOM RT file: " + "; ".join(errors[:5]) + more))
    out.failed_inputs.sort(key=lambda f: f.path)
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
