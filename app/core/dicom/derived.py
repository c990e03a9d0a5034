"""The header every DICOM object rtreview creates shares (a composite RT Dose, a manual REG).

New SOP Instance and Series UIDs; Explicit VR Little Endian file meta; UTF-8 (ISO_IR 192); the
patient and study of the reference the object derives from (a new Study Instance UID only when
the reference has none); the empty type-2 study attributes (PS3.3 C.7.2.1); rtreview as the
manufacturer and software version; creation and content date/time; Frame of Reference UID of
the reference (PS3.3 C.7.4.1).
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

from rtreview import APP_NAME, __version__


class Subject(Protocol):
    patient_id: str
    patient_name: str
    patient_birth_date: str  # DICOM DA (YYYYMMDD) or ''
    study_instance_uid: str


def new_instance(sop_class_uid: str, modality: str, subject: Subject, *, frame_of_reference_uid: str,
                 series_number: int, series_description: str, now: dt.datetime) -> Dataset:
    """A data set with file meta and the patient, study, series, equipment, frame of reference and
    SOP common modules filled; the caller adds the modality's own modules."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class_uid
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class_uid
    ds.InstanceCreationDate, ds.InstanceCreationTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.Modality = modality
    ds.PatientID = subject.patient_id
    ds.PatientName = subject.patient_name
    ds.PatientBirthDate = subject.patient_birth_date
    ds.PatientSex = ""
    ds.StudyInstanceUID = subject.study_instance_uid or generate_uid()
    ds.StudyDate = ds.StudyTime = ds.AccessionNumber = ds.ReferringPhysicianName = ds.StudyID = ""
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = series_number
    ds.SeriesDescription = series_description[:64]
    ds.Manufacturer = APP_NAME
    ds.SoftwareVersions = __version__
    ds.FrameOfReferenceUID = frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.InstanceNumber = 1
    ds.ContentDate, ds.ContentTime = ds.InstanceCreationDate, ds.InstanceCreationTime
    return ds
