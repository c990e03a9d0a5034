"""Find DICOM files under paths (files, folders, .zip archives) and classify them by header.

Only headers are read (``stop_before_pixels=True``). Zip members are named
``archive.zip/inner/path``. Folders are walked recursively following symlinks, each real
directory once, so symlink loops end. Files are opened read-only.
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .errors import DicomReadError
from .load_report import LoadReport
from .pixel_element import with_pixel_data
from .source import pydicom_module, read_dataset, read_stream, text

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from .raw import RawDataset

# SOP Class UID -> kind of object we review.
KINDS = {
    "1.2.840.10008.5.1.4.1.1.2": "CT",
    "1.2.840.10008.5.1.4.1.1.481.3": "RTSTRUCT",
    "1.2.840.10008.5.1.4.1.1.481.5": "RTPLAN",
    "1.2.840.10008.5.1.4.1.1.481.2": "RTDOSE",
    "1.2.840.10008.5.1.4.1.1.66.1": "REG",  # Spatial Registration
    "1.2.840.10008.5.1.4.1.1.66.3": "REG",  # Deformable Spatial Registration (read, reported, not applied)
}


@dataclass
class ScanEntry:
    """One classified DICOM file. ``path`` is its display name; ``header`` its data set without
    pixel data (complete for RTSTRUCT and RTPLAN, which have none): a ``raw.RawDataset``, or a
    pydicom Dataset for files the raw reader leaves to pydicom."""

    path: str
    kind: str  # CT, RTSTRUCT, RTPLAN, RTDOSE, REG
    header: "Dataset | RawDataset"
    file_path: str = ""  # real file, or the zip archive holding the member
    member: str = ""  # zip member name, '' for plain files

    @property
    def patient_id(self) -> str:
        return text(self.header, "PatientID")

    def read_full(self, archives: "ArchiveCache | None" = None) -> Any:
        """The whole data set, pixel data included (read-only)."""
        if not self.member:
            if self.kind == "CT":  # the header read already, plus the native pixel data element
                full = with_pixel_data(self.file_path, self.header)
                if full is not None:
                    return full
            return read_dataset(self.file_path, self.path, fast=True)[0]
        return read_stream(io.BytesIO(_member_bytes(self.file_path, self.member, self.path, archives)), self.path,
                           fast=True)


class ArchiveCache:
    """Open zip archives kept for the duration of a load (opened read-only); close() them after."""

    def __init__(self) -> None:
        self._open: dict[str, zipfile.ZipFile] = {}

    def get(self, path: str) -> zipfile.ZipFile:
        if path not in self._open:
            self._open[path] = zipfile.ZipFile(path, "r")
        return self._open[path]

    def close(self) -> None:
        for archive in self._open.values():
            archive.close()
        self._open.clear()


def _member_bytes(file_path: str, member: str, name: str, archives: ArchiveCache | None) -> bytes:
    try:
        if archives is not None:
            return archives.get(file_path).read(member)
        with zipfile.ZipFile(file_path, "r") as archive:
            return archive.read(member)
    except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:  # damaged or encrypted member
        raise DicomReadError(name, f"cannot read the zip archive member ({exc})") from exc


@dataclass
class Candidate:
    """A file to look at: a plain file, or a member of a zip archive."""

    path: str
    file_path: str
    member: str = ""


@dataclass
class ScanResult:
    entries: list[ScanEntry] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)


def find_candidates(paths, report: LoadReport) -> list[Candidate]:
    """Every file under ``paths`` (recursively; zip members listed), each real file once."""
    out: list[Candidate] = []
    seen_files: set[str] = set()
    seen_dirs: set[str] = set()
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            for file_path in _walk(path, seen_dirs, report):
                _add_file(file_path, out, seen_files, report)
        elif os.path.exists(path):
            _add_file(path, out, seen_files, report)
        elif os.path.islink(path):
            report.add(path, "broken symbolic link; skipped")
        else:
            report.add(path, "no such file or folder")
    return out


def classify(candidate: Candidate, result: ScanResult, archives: ArchiveCache | None = None) -> None:
    """Read one candidate's header and add it to ``result`` (or explain in its report)."""
    try:
        if candidate.member:
            data = _member_bytes(candidate.file_path, candidate.member, candidate.path, archives)
            header = read_stream(io.BytesIO(data), candidate.path, stop_before_pixels=True, fast=True)
        else:
            header = read_dataset(candidate.file_path, candidate.path, stop_before_pixels=True, fast=True)[0]
    except DicomReadError as exc:
        # Non-DICOM files (README, DICOMDIR viewers, ...) are common beside exports: 'ignored'.
        not_dicom = exc.message.startswith("not a DICOM file")
        result.report.add(candidate.path, exc.message + ("; skipped" if not_dicom else ""),
                          "ignored" if not_dicom else "error")
        return
    except Exception as exc:  # pydicom can fail in unexpected ways on damaged files; never abort
        result.report.add(candidate.path, f"cannot be read: damaged DICOM ({type(exc).__name__}: {exc})")
        return
    meta = getattr(header, "file_meta", None)
    sop_class = text(header, "SOPClassUID") or (text(meta, "MediaStorageSOPClassUID") if meta is not None else "")
    kind = KINDS.get(sop_class)
    if kind is None:
        what = pydicom_module().uid.UID(sop_class).name if sop_class else "no SOP Class UID"
        result.report.add(candidate.path, f"{what} is not reviewed (not CT, RT Structure Set, RT Plan, "
                                          "RT Dose or Spatial Registration); ignored", "ignored")
        return
    damaged = [k for k in IDENTITY_KEYWORDS if k in header and _undecodable(header, k)]
    if damaged:
        result.report.add(candidate.path, f"damaged element(s) {', '.join(damaged)} cannot be decoded; "
                                          "treated as empty", "warning")
    result.entries.append(ScanEntry(candidate.path, kind, header, candidate.file_path, candidate.member))


# Header elements that group and link files; a damaged one is reported (then read as '').
IDENTITY_KEYWORDS = ("PatientID", "PatientName", "StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID",
                     "SOPInstanceUID")


def _undecodable(header: Any, keyword: str) -> bool:
    try:
        header.get(keyword, None)
        return False
    except Exception:  # pydicom converts raw values lazily; damaged ones raise here
        return True


def scan(paths, step: Callable[[str], None] | None = None) -> ScanResult:
    """Find and classify the DICOM files under ``paths``; ``step(path)`` after each file."""
    result = ScanResult()
    archives = ArchiveCache()
    try:
        for candidate in find_candidates(paths, result.report):
            classify(candidate, result, archives)
            if step is not None:
                step(candidate.path)
    finally:
        archives.close()
    return result


def _walk(top: str, seen_dirs: set[str], report: LoadReport) -> Iterator[str]:
    real = os.path.realpath(top)
    if real in seen_dirs:
        return
    seen_dirs.add(real)
    try:
        names = sorted(os.listdir(top))
    except OSError as exc:
        report.add(top, f"cannot list the folder ({exc.strerror or exc})")
        return
    for name in names:
        path = os.path.join(top, name)
        if os.path.isdir(path):
            if os.path.realpath(path) in seen_dirs:
                if os.path.islink(path):
                    report.add(path, "symbolic link to a folder already scanned (loop?); skipped", "ignored")
                continue
            yield from _walk(path, seen_dirs, report)
        elif os.path.isfile(path):
            yield path
        elif os.path.islink(path):
            report.add(path, "broken symbolic link; skipped", "ignored")


def _add_file(path: str, out: list[Candidate], seen: set[str], report: LoadReport) -> None:
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    if path.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path, "r") as archive:
                members = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as exc:
            report.add(path, f"cannot open the zip archive ({exc})")
            return
        for info in sorted(members, key=lambda i: i.filename):
            name = f"{path}/{info.filename}"
            if info.filename.lower().endswith(".zip"):
                report.add(name, "zip archive inside a zip archive; not opened", "ignored")
                continue
            out.append(Candidate(name, path, info.filename))
        return
    out.append(Candidate(path, path))

