"""The receive store: each received DICOM instance written atomically into a folder per patient,
named by its SOP Instance UID, checked before it is kept, and indexed in SQLite.

Layout: ``ROOT/<patient folder>/<SOP Instance UID>.dcm``, ``ROOT/index.sqlite``, and
``ROOT/.incoming/`` for files being written (renamed into place when complete, so a reader never
sees a partial file). A second copy of an instance replaces nothing when its bytes are equal and
is otherwise replaced atomically; either way the index keeps one row (``copies`` counts them).

Refusals carry the DICOM C-STORE failure status (PS3.4 Table B.2-1): 0xC000 "cannot understand"
(truncated or undecodable data set, invalid UID), 0xA900 "data set does not match SOP class"
(identity differs from the request, image without pixel data), 0xA700 "out of resources" (the
file could not be written).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import RE_VALID_UID, UID

from ..atomic import write_atomic
from ..dicom.source import pydicom_module
from .index import INDEX_NAME, InstanceRecord, StoreIndex
from .integrity import IncompleteDataset, check_complete

pydicom_module()  # rtreview's reading settings (no value validation warnings quoting values)

CANNOT_UNDERSTAND = 0xC000
DOES_NOT_MATCH_SOP_CLASS = 0xA900
OUT_OF_RESOURCES = 0xA700
INCOMING = ".incoming"
# Image storage classes whose instances must carry pixel data (CT, MR, PET and their enhanced forms).
IMAGE_CLASSES = {"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.4",
                 "1.2.840.10008.5.1.4.1.1.4.1", "1.2.840.10008.5.1.4.1.1.128", "1.2.840.10008.5.1.4.1.1.130"}
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class StoreRefused(Exception):
    """The instance was not kept; ``status`` is the C-STORE failure status, ``reason`` says why."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Stored:
    record: InstanceRecord
    path: Path
    duplicate: bool  # the same bytes were already in the store (nothing written)


def patient_folder_name(patient_id: str) -> str:
    """A file-system-safe folder name for a Patient ID; IDs that needed changing get a short hash
    so two different IDs never share a folder."""
    safe = _SAFE.sub("_", patient_id.strip()).lstrip(".")
    if safe == patient_id and safe:
        return safe
    digest = hashlib.sha1(patient_id.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{safe or 'no_patient_id'}-{digest}"


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value).strip()


class DicomStore:
    """Folder + index; :meth:`receive` is safe to call from several association threads at once."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / INCOMING).mkdir(exist_ok=True)
        self.index = StoreIndex(self.root / INDEX_NAME)
        self._remove_stale_parts()

    def _remove_stale_parts(self, older_than_s: float = 3600.0) -> None:
        """Temporary files left by a listener that was killed while writing (a live one renames within
        seconds)."""
        now = time.time()
        incoming = self.root / INCOMING
        for part in [*incoming.glob(".*.tmp"), *incoming.glob("*.part")]:  # core.atomic's, and older versions'
            try:
                if now - part.stat().st_mtime > older_than_s:
                    part.unlink()
            except OSError:
                pass

    def receive(self, file_meta: FileMetaDataset, encoded: bytes, *, sop_class_uid: str, sop_instance_uid: str,
                calling_ae: str) -> Stored:
        """Check and keep one instance received as ``encoded`` (the data set bytes in the transfer
        syntax of ``file_meta``). Raises :class:`StoreRefused`; writes nothing then."""
        ds, file_bytes = self._decode(file_meta, encoded)
        self._check_identity(ds, sop_class_uid, sop_instance_uid)
        patient_id = _text(ds, "PatientID")
        target = self.root / patient_folder_name(patient_id) / f"{sop_instance_uid}.dcm"
        duplicate = False
        try:
            if target.is_file() and target.stat().st_size == len(file_bytes) and target.read_bytes() == file_bytes:
                duplicate = True
            else:
                self._write(target, file_bytes)
        except OSError as exc:
            raise StoreRefused(OUT_OF_RESOURCES, f"could not write {target.name}: {exc.strerror or exc}") from exc
        label = _text(ds, "RTPlanLabel") or _text(ds, "StructureSetLabel") or _text(ds, "SeriesDescription")
        record = InstanceRecord(
            sop_instance_uid=sop_instance_uid, sop_class_uid=sop_class_uid, modality=_text(ds, "Modality"),
            patient_id=patient_id, patient_name=_text(ds, "PatientName"), study_uid=_text(ds, "StudyInstanceUID"),
            study_date=_text(ds, "StudyDate"), series_uid=_text(ds, "SeriesInstanceUID"), label=label,
            path=str(target.relative_to(self.root)), size_bytes=len(file_bytes),
            received_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"), calling_ae=calling_ae)
        self.index.add(record)
        return Stored(record, target, duplicate)

    @staticmethod
    def _decode(file_meta: FileMetaDataset, encoded: bytes) -> tuple[Dataset, bytes]:
        syntax = UID(str(file_meta.get("TransferSyntaxUID", "")))
        if not syntax.is_transfer_syntax:
            raise StoreRefused(CANNOT_UNDERSTAND, f"unknown transfer syntax {syntax!r}")
        body = encoded
        try:
            if syntax.is_deflated:
                body = zlib.decompress(encoded, -zlib.MAX_WBITS)
            check_complete(body, implicit_vr=syntax.is_implicit_VR, little_endian=syntax.is_little_endian)
        except (IncompleteDataset, zlib.error) as exc:
            raise StoreRefused(CANNOT_UNDERSTAND, f"malformed data set: {exc}") from exc
        stream = io.BytesIO()
        stream.write(b"\0" * 128 + b"DICM")
        write_file_meta_info(stream, file_meta, enforce_standard=True)
        stream.write(encoded)
        file_bytes = stream.getvalue()
        try:
            ds = dcmread(io.BytesIO(file_bytes))
            for _ in ds.iterall():  # decode every element, sequences included
                pass
        except Exception as exc:  # pydicom raises many types on damaged input; all mean "cannot understand"
            raise StoreRefused(CANNOT_UNDERSTAND, f"data set cannot be decoded: {type(exc).__name__}: {exc}") from exc
        return ds, file_bytes

    @staticmethod
    def _check_identity(ds: Dataset, sop_class_uid: str, sop_instance_uid: str) -> None:
        if len(sop_instance_uid) > 64 or not RE_VALID_UID.match(sop_instance_uid):
            raise StoreRefused(CANNOT_UNDERSTAND, f"invalid SOP Instance UID {sop_instance_uid!r}")
        if _text(ds, "SOPInstanceUID") != sop_instance_uid or _text(ds, "SOPClassUID") != sop_class_uid:
            raise StoreRefused(DOES_NOT_MATCH_SOP_CLASS,
                               "SOP Class/Instance UID in the data set differ from the C-STORE request")
        if sop_class_uid in IMAGE_CLASSES and "PixelData" not in ds:
            raise StoreRefused(DOES_NOT_MATCH_SOP_CLASS, "image without pixel data")

    def _write(self, target: Path, data: bytes) -> None:
        """Write into .incoming, flush to disk, rename into place (same file system)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data, temp_folder=self.root / INCOMING)

    def patient_folder(self, patient_id: str) -> Path:
        return self.root / patient_folder_name(patient_id)
