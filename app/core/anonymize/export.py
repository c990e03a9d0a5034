"""Export an anonymised copy of DICOM files (and case timelines) into a new folder.

``anonymize_paths(paths, out_dir, ...)`` reads every DICOM file under ``paths`` (files, folders,
zip archives; inputs are only read), anonymises it with one :class:`~.dataset.Anonymizer`, and
writes ``OUT/<pseudonym>/<MODALITY>.<new SOP Instance UID>.dcm`` atomically (original file names
may hold names, so none is reused). Case files (``*.case.json``) among the inputs, or named by
``case_paths``, become ``OUT/<pseudonym>.case.json``. The key file (old -> new identifiers and the
date offset) is written only when ``key_path`` is given, atomically, and never inside OUT.
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from pydicom.dataset import FileMetaDataset

from rtreview import __version__
from rtreview.core.atomic import atomic_path, write_atomic
from rtreview.core.dicom.errors import DicomReadError
from rtreview.core.dicom.load_report import LoadReport
from rtreview.core.dicom.scan import _member_bytes, find_candidates
from rtreview.core.dicom.source import read_dataset, read_stream

from .dataset import AnonymizeError, Anonymizer
from .timeline import anonymize_case_document

DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
CASE_SUFFIX = ".case.json"


class ExportError(ValueError):
    """The export cannot start (output folder not empty, key file inside it, ...)."""


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    cases: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (input path, why)
    key_path: Path | None = None
    date_offset_days: int = 0
    cancelled: bool = False


def case_sources(case) -> tuple[list[str], set[str]]:
    """The files a loaded case came from (zip members as their archive) and its Patient IDs: the
    input of the window's File > Export anonymised… (archives may hold other patients: filter)."""
    paths: list[str] = []
    for patient in case.patients:
        objects = [*patient.plans, *patient.doses, *patient.structure_sets]
        names = [o.path for o in objects] + [p for ct in patient.cts for p in ct.paths]
        for name in names:
            path = name
            while path and not os.path.isfile(path):  # 'archive.zip/inner/file.dcm' -> the archive
                parent = os.path.dirname(path)
                path = parent if parent != path else ""
            if path and path not in paths:
                paths.append(path)
    return paths, {p.patient_id for p in case.patients}


def anonymize_paths(paths, out_dir, *, key_path=None, case_paths=(), retain_dates: bool = False,
                    date_offset_days: int | None = None, progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None, patient_ids: set[str] | None = None) -> ExportResult:
    out = Path(out_dir).resolve()
    key = Path(key_path).resolve() if key_path else None
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"output folder {out} exists and is not empty: choose a new folder")
    if key is not None and (key == out or out in key.parents):
        raise ExportError(f"key file {key} must not be inside the anonymised export {out}")
    report = LoadReport()
    candidates = find_candidates([os.fspath(p) for p in paths], report)
    anonymizer = Anonymizer(retain_dates=retain_dates, date_offset_days=date_offset_days)
    result = ExportResult(date_offset_days=anonymizer.date_offset_days)
    result.skipped.extend((i.path, i.message) for i in report.issues)
    cases = [Path(c.file_path) for c in candidates if not c.member and c.path.endswith(CASE_SUFFIX)]
    cases += [Path(p) for p in case_paths if Path(p) not in cases]
    dicom = [c for c in candidates if not c.path.endswith(CASE_SUFFIX)]
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    total = len(dicom) + len(cases)
    for done, candidate in enumerate(dicom):
        if cancelled is not None and cancelled():
            result.cancelled = True
            _remove_partial(out, result, created)
            return result
        _export_one(candidate, anonymizer, out, result, patient_ids)
        if progress is not None:
            progress(done + 1, total)
    patients = set(anonymizer.mapping.patients.values())
    for k, case in enumerate(cases):
        _export_case(case, anonymizer, out, patients, result)
        if progress is not None:
            progress(len(dicom) + k + 1, total)
    if key is not None:
        write_atomic(key, json.dumps(_key_document(anonymizer), indent=2, ensure_ascii=False) + "\n")
        result.key_path = key
    return result


def _remove_partial(out: Path, result: ExportResult, created: bool) -> None:
    """A cancelled export leaves nothing behind: its files go, and the folders it made."""
    for path in result.written + result.cases:
        path.unlink(missing_ok=True)
    for folder in sorted({p.parent for p in result.written}, reverse=True):
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()
    if created and not any(out.iterdir()):
        out.rmdir()
    result.written, result.cases = [], []


def _export_one(candidate, anonymizer: Anonymizer, out: Path, result: ExportResult,
                patient_ids: set[str] | None) -> None:
    try:
        if candidate.member:
            ds = read_stream(io.BytesIO(_member_bytes(candidate.file_path, candidate.member, candidate.path, None)),
                             candidate.path)
        else:
            ds = read_dataset(candidate.file_path, candidate.path)[0]
    except DicomReadError as exc:
        result.skipped.append((candidate.path, exc.message))
        return
    except Exception as exc:  # damaged files fail in many ways inside pydicom
        result.skipped.append((candidate.path, f"cannot be read ({type(exc).__name__})"))
        return
    sop_class = str(ds.get("SOPClassUID", "") or getattr(ds, "file_meta", {}).get("MediaStorageSOPClassUID", ""))
    if patient_ids is not None and str(ds.get("PatientID", "") or "").strip() not in patient_ids:
        return  # another patient in the same folder or archive: not part of this export
    if sop_class == DICOMDIR_CLASS:
        result.skipped.append((candidate.path, "DICOMDIR (a media index holding identifiers); not exported"))
        return
    try:
        _ensure_meta(ds)
        anonymizer.anonymize(ds)
    except AnonymizeError as exc:
        result.skipped.append((candidate.path, str(exc)))
        return
    modality = "".join(ch for ch in str(ds.get("Modality", "") or "DICOM") if ch.isalnum()) or "DICOM"
    target = out / str(ds.PatientID) / f"{modality}.{ds.SOPInstanceUID}.dcm"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        ds.save_as(tmp, enforce_file_format=True)
    result.written.append(target)


def _ensure_meta(ds) -> None:
    """Files read without File Meta (raw data sets) get one, so the copy is a standard file."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" not in meta:
        meta.TransferSyntaxUID = "1.2.840.10008.1.2" if ds.is_implicit_VR in (None, True) else "1.2.840.10008.1.2.1"
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID


def _export_case(case: Path, anonymizer: Anonymizer, out: Path, patients: set[str], result: ExportResult) -> None:
    try:
        document = json.loads(case.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        result.skipped.append((str(case), f"case file cannot be read ({exc})"))
        return
    if not isinstance(document, dict):
        result.skipped.append((str(case), "case file is not a JSON object"))
        return
    anonymised = anonymize_case_document(document, anonymizer)
    pseudonym = anonymised.get("patient", {}).get("patient_id") or (sorted(patients)[0] if len(patients) == 1 else "")
    name = f"{pseudonym or 'case'}{CASE_SUFFIX}"
    target = out / name
    k = 2
    while target.exists():
        target = out / f"{pseudonym or 'case'}-{k}{CASE_SUFFIX}"
        k += 1
    write_atomic(target, json.dumps(anonymised, indent=2, ensure_ascii=False) + "\n")
    result.cases.append(target)


def _key_document(anonymizer: Anonymizer) -> dict:
    m = anonymizer.mapping
    return {
        "format": "rtreview-anonymization-key", "format_version": 1, "rtreview_version": __version__,
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "warning": "re-identifies the anonymised export: keep it apart from the export",
        "profile": "DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile"
                   + (" + Retain Longitudinal Temporal Information with Modified Dates" if anonymizer.retain_dates else ""),
        "date_offset_days": anonymizer.date_offset_days,
        "patients": [{"patient_id": old, "patient_name": m.patient_names.get(new, ""), "pseudonym": new}
                     for old, new in m.patients.items()],
        "labels": m.labels,
        "uids": m.uids,
    }
