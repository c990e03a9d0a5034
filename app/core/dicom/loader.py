"""Load DICOM RT from paths into a Case: scan headers, read what is used, link, report.

``load(paths, progress, cancel)`` never raises for bad input: every file it cannot use is a
LoadIssue in ``Case.report``. Only cancellation raises (LoadCancelled).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Iterable


from .case import Case, Patient
from .ct import read_ct_series
from .errors import DicomReadError
from .limits import check_voxels
from .link import link_patient
from .load_report import LoadReport
from .registration import read_registration
from .rtdose import read_dose
from .rtplan import iso_date, read_plan
from .rtstruct import read_structure_set
from .scan import ArchiveCache, ScanEntry, ScanResult, classify, find_candidates
from .source import text

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

Progress = Callable[[int, int, str], None]


class LoadCancelled(Exception):
    """The caller's ``cancel()`` returned True; the partial load is discarded."""


class _Ticker:
    """Counts work units (each file is scanned once and used once: total = 2 x files)."""

    def __init__(self, total: int, progress: Progress | None, cancel: Callable[[], bool] | None):
        self.done, self.total, self.progress, self.cancel = 0, total, progress, cancel

    def __call__(self, message: str) -> None:
        if self.cancel is not None and self.cancel():
            raise LoadCancelled("load cancelled")
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total, message)


def load(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
         progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
         ct_pixels: bool = True) -> Case:
    """Read every CT, RT Structure Set, RT Plan and RT Dose under ``paths`` (files, folders,
    .zip archives) into a Case grouped by PatientID, with dose links and a load report.

    ``progress(done, total, message)`` is called as files are read; ``cancel()`` is polled
    before each file and aborts with LoadCancelled when it returns True. ``ct_pixels=False``:
    CT series from their scanned headers only (``CtVolume.hu`` None; links and notes as with
    the images), for callers that need no CT image (``rtreview dvh``).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    case = Case()
    candidates = find_candidates(list(paths), case.report)
    tick = _Ticker(2 * len(candidates), progress, cancel)
    scanned = ScanResult(report=case.report)
    archives = ArchiveCache()
    try:
        for candidate in candidates:
            tick(f"reading header {candidate.path}")
            classify(candidate, scanned, archives)
        for patient_id, entries in _by_patient(scanned.entries).items():
            patient = _load_patient(patient_id, entries, case.report, tick, archives, ct_pixels)
            if patient.plans or patient.doses or patient.structure_sets or patient.cts or patient.registrations:
                case.patients.append(patient)  # patients whose every file failed are only in the report
    finally:
        archives.close()
    for patient in case.patients:
        link_patient(patient, case.report)
    if progress is not None:
        progress(tick.total, tick.total, "loaded")
    return case


def _by_patient(entries: list[ScanEntry]) -> dict[str, list[ScanEntry]]:
    out: dict[str, list[ScanEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.path):
        out.setdefault(entry.patient_id, []).append(entry)
    return dict(sorted(out.items()))


def _load_patient(patient_id: str, entries: list[ScanEntry], report: LoadReport, tick: _Ticker,
                  archives: ArchiveCache, ct_pixels: bool = True) -> Patient:
    first = entries[0].header
    patient = Patient(patient_id=patient_id, name=text(first, "PatientName"),
                      birth_date=iso_date(text(first, "PatientBirthDate")))
    for entry in entries:
        if entry.kind == "CT":
            continue
        tick(f"reading {entry.path}")
        try:
            if entry.kind == "RTSTRUCT":  # the header is the whole object (no pixel data)
                ss = read_structure_set(entry.header, entry.path)
                patient.structure_sets.append(ss)
                for note in ss.notes:
                    report.add(entry.path, note, "warning")
                for roi in ss.rois:
                    for note in roi.notes:
                        if note != "no contours":
                            report.add(entry.path, f"ROI {roi.number} '{roi.name}': {note}", "warning")
            elif entry.kind == "RTPLAN":
                patient.plans.append(read_plan(entry.header, entry.path))
            elif entry.kind == "RTDOSE":
                patient.doses.append(read_dose(entry.read_full(archives), entry.path))
            elif entry.kind == "REG":
                reg = read_registration(entry.read_full(archives), entry.path)
                patient.registrations.append(reg)
                for _source, _target, reason in reg.unsupported:
                    report.add(entry.path, f"registration not used: {reason}", "warning")
                for note in reg.notes:
                    report.add(entry.path, note, "warning")
        except DicomReadError as exc:
            report.add(exc.path, exc.message)
        except Exception as exc:  # malformed values pydicom could not convert; never abort the load
            report.add(entry.path, f"cannot be used: malformed data ({type(exc).__name__}: {exc})")
    _load_cts(patient, [e for e in entries if e.kind == "CT"], report, tick, archives, ct_pixels)
    return patient


def _load_cts(patient: Patient, entries: list[ScanEntry], report: LoadReport, tick: _Ticker,
              archives: ArchiveCache, pixels: bool = True) -> None:
    """Read the CT series the patient's RT objects use (all of them when there are none)."""
    series: dict[str, list[ScanEntry]] = {}
    for entry in entries:
        series.setdefault(text(entry.header, "SeriesInstanceUID"), []).append(entry)
    wanted_series = {s.referenced_series_uid for s in patient.structure_sets}
    wanted_frames = {o.frame_of_reference_uid for o in [*patient.structure_sets, *patient.doses, *patient.plans]}
    wanted_frames |= {f for r in patient.registrations for f in r.frames}
    has_rt = bool(patient.structure_sets or patient.doses or patient.plans)
    for uid, members in series.items():
        frame = text(members[0].header, "FrameOfReferenceUID")
        if has_rt and uid not in wanted_series and frame not in wanted_frames:
            report.add(os.path.dirname(members[0].path) or members[0].path,
                       f"CT series {uid} ({len(members)} slices) is not used by any structure set, "
                       "plan or dose of its patient; not loaded", "ignored")
            for member in members:
                tick(f"skipping {member.path}")
            continue
        readers = [_lazy(member, archives) if pixels else (lambda e=member: e.header) for member in members]
        try:
            _check_series_budget(members)  # from the headers, before any slice is decoded
            ct = read_ct_series(readers, [m.path for m in members],
                                step=lambda name: tick(f"reading {name}"), pixels=pixels)
        except DicomReadError as exc:
            report.add(exc.path, exc.message)
            continue
        for warning in ct.warnings:
            report.add(ct.paths[0] if ct.paths else members[0].path, f"CT series {uid}: {warning}", "warning")
        patient.cts.append(ct)


def _check_series_budget(members: list[ScanEntry]) -> None:
    try:
        rows, cols = int(members[0].header.get("Rows", 0) or 0), int(members[0].header.get("Columns", 0) or 0)
    except Exception:  # a damaged Rows/Columns element (any pydicom error): the slice readers report it
        return
    if rows > 0 and cols > 0:
        check_voxels((len(members), rows, cols), members[0].path, "CT series")


def _lazy(entry: ScanEntry, archives: ArchiveCache) -> Callable[[], Dataset]:
    return lambda: entry.read_full(archives)
