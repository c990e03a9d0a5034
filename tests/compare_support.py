"""A re-plan of the sample's LIVER dose for comparison tests: scaled by 0.97, moved +2.5 mm in x,
naming no plan (its label is its file name)."""
from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.uid import generate_uid


def make_replan(sample_dicom: Path, path: Path, scale: float = 0.97, shift_x_mm: float = 2.5) -> Path:
    ds = pydicom.dcmread(sample_dicom / "RD_LIVER.dcm")
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    del ds.ReferencedRTPlanSequence
    ds.ImagePositionPatient = [float(ds.ImagePositionPatient[0]) + shift_x_mm, *map(float, ds.ImagePositionPatient[1:])]
    ds.DoseGridScaling = float(ds.DoseGridScaling) * scale
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path
