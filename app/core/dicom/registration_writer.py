"""Write a rigid DICOM Spatial Registration (REG) file: the manual registration made in rtreview.

The registered frame is the reference (fixed) CT's frame of reference; one Registration
Sequence item maps the moving CT's frame into it with one RIGID matrix, and a second item maps
the registered frame onto itself with the identity (the usual layout, PS3.3 C.20.2): items
name frames by Frame of Reference UID, not by image (no per-image references). New SOP Instance
and Series UIDs; the patient and study of the reference CT. Written atomically (rtreview.core.atomic): a failed write leaves no partial file.
"""
from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from rtreview.core.atomic import write_atomic

from .derived import new_instance
from .registration import SPATIAL_REGISTRATION, check_matrix


@dataclass(frozen=True)
class RegistrationSubject:
    """Who and what the registration is about (from the loaded patient and CTs)."""

    patient_id: str
    patient_name: str = ""
    patient_birth_date: str = ""  # DICOM DA (YYYYMMDD) or ''
    study_instance_uid: str = ""
    fixed_frame: str = ""
    moving_frame: str = ""


def registration_dataset(subject: RegistrationSubject, matrix: np.ndarray, *, description: str,
                         now: dt.datetime | None = None) -> Dataset:
    """The REG data set: ``matrix`` maps millimetres in ``subject.moving_frame`` into
    ``subject.fixed_frame`` (registered = matrix @ moving). ValueError when the matrix is not rigid."""
    m = np.asarray(matrix, dtype=np.float64)
    check_matrix(m, "RIGID")
    if not subject.fixed_frame or not subject.moving_frame or subject.fixed_frame == subject.moving_frame:
        raise ValueError("a registration needs two different frames of reference")
    ds = new_instance(SPATIAL_REGISTRATION, "REG", subject, frame_of_reference_uid=subject.fixed_frame,
                      series_number=901, series_description=description, now=now or dt.datetime.now())
    ds.ContentLabel = "MANUAL_RIGID"
    ds.ContentDescription = description[:64]
    ds.ContentCreatorName = ""
    items = []
    for frame, mat, comment in ((subject.moving_frame, m, "moving CT into the reference CT's frame"),
                                (subject.fixed_frame, np.eye(4), "reference CT (identity)")):
        item = Dataset()
        item.FrameOfReferenceUID = frame
        m_item = Dataset()
        m_item.FrameOfReferenceTransformationMatrixType = "RIGID"
        m_item.FrameOfReferenceTransformationMatrix = [float(v) for v in mat.reshape(16)]
        mrs = Dataset()
        mrs.MatrixSequence = Sequence([m_item])
        mrs.FrameOfReferenceTransformationComment = comment
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "125024", "DCM", "Image Content-based Alignment"
        mrs.RegistrationTypeCodeSequence = Sequence([code])
        item.MatrixRegistrationSequence = Sequence([mrs])
        items.append(item)
    ds.RegistrationSequence = Sequence(items)
    return ds


def write_registration(path: str | os.PathLike[str], subject: RegistrationSubject, matrix: np.ndarray, *,
                       description: str = "Manual rigid registration (rtreview)") -> str:
    """Write the REG file atomically; returns its SOP Instance UID."""
    ds = registration_dataset(subject, matrix, description=description)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    write_atomic(path, buffer.getvalue())
    return str(ds.SOPInstanceUID)
