"""pydicom dataset builders: CT slices, RT Structure Set, RT Plan, RT Dose.

Nothing here reads the clock: every date, time and UID comes from ``Identity`` and the caller.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.sequence import Sequence

from . import uids

IMPLEMENTATION_VERSION = "RTR_SAMPLE_1"


@dataclass(frozen=True)
class Identity:
    """Who and when: the synthetic patient, the study, and the shared frame of reference."""

    patient_id: str
    patient_name: str = "SYNTHETIC^SAMPLE"
    birth_date: str = "19660301"
    sex: str = "M"
    study_date: str = "20200618"  # simulation CT, a week before the liver course
    study_time: str = "091500"
    institution: str = "SYNTHETIC (rtreview sample generator)"

    def uid(self, *parts) -> str:
        return uids.uid(self.patient_id, *parts)

    @property
    def study_uid(self) -> str:
        return self.uid("study")

    @property
    def frame_uid(self) -> str:
        return self.uid("frame-of-reference")


def fmt(v: float, nd: int = 2) -> str:
    """A short DS string (at most ``nd`` decimals, no trailing zeros, no '-0')."""
    s = f"{round(float(v), nd):.{nd}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


CONTOUR_DATA = Tag(0x3006, 0x0050)


def raw_ds(tag: Tag, values: list[str]) -> RawDataElement:
    """A multi-valued DS element stored as its encoded bytes: pydicom writes it as is, which
    spares the per-value DS validation (contour data has ~10^5 numbers)."""
    raw = "\\".join(values).encode("ascii")
    if len(raw) % 2:
        raw += b" "
    return RawDataElement(tag, "DS", len(raw), raw, 0, False, True)


def _item(**kw) -> Dataset:
    ds = Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds


def _base(ident: Identity, sop_class: str, sop_uid: str, modality: str, series_uid: str,
          series_number: int, description: str, date: str, time: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = uids.EXPLICIT_VR_LE
    meta.ImplementationClassUID = uids.uid("rtreview-sample-generator")
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.InstanceCreationDate, ds.InstanceCreationTime = date, time
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    ds.StudyDate, ds.StudyTime = ident.study_date, ident.study_time
    ds.SeriesDate, ds.SeriesTime = date, time
    ds.AccessionNumber = ""
    ds.Modality = modality
    ds.Manufacturer = "SYNTHETIC"
    ds.InstitutionName = ident.institution
    ds.ReferringPhysicianName = ""
    ds.StationName = "RTR-SAMPLE"
    ds.StudyDescription = "SYNTHETIC abdomen-pelvis RT (rtreview sample)"
    ds.SeriesDescription = description
    ds.ManufacturerModelName = "make_sample_dicom.py"
    ds.PatientName = ident.patient_name
    ds.PatientID = ident.patient_id
    ds.PatientBirthDate = ident.birth_date
    ds.PatientSex = ident.sex
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "Synthetic data: no patient was involved"
    ds.SoftwareVersions = IMPLEMENTATION_VERSION
    ds.StudyInstanceUID = ident.study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "RTR1"
    ds.SeriesNumber = series_number
    return ds


def ct_slices(ident: Identity, hu: np.ndarray, xs, ys, zs, thickness_mm: float) -> list[Dataset]:
    """One CT Image per plane of ``hu`` (nz, ny, nx); instance 1 is the most superior."""
    series = ident.uid("ct-series")
    order = np.argsort(-zs)
    out = []
    for n, k in enumerate(order, start=1):
        z = float(zs[k])
        sop = ident.uid("ct", n)
        ds = _base(ident, uids.CT_IMAGE, sop, "CT", series, 1, "SYNTHETIC CT abdomen-pelvis",
                   ident.study_date, ident.study_time)
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.AcquisitionDate, ds.AcquisitionTime = ident.study_date, ident.study_time
        ds.ContentDate, ds.ContentTime = ident.study_date, ident.study_time
        ds.BodyPartExamined = "ABDOMEN"
        ds.SliceThickness = fmt(thickness_mm)
        ds.KVP = "120"
        ds.PatientPosition = "HFS"
        ds.InstanceNumber = n
        ds.ImagePositionPatient = [fmt(xs[0]), fmt(ys[0]), fmt(z)]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.FrameOfReferenceUID = ident.frame_uid
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = fmt(z)
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = hu.shape[1], hu.shape[2]
        ds.PixelSpacing = [fmt(ys[1] - ys[0], 3), fmt(xs[1] - xs[0], 3)]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.WindowCenter, ds.WindowWidth = "40", "400"
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "-1024", "1", "HU"
        stored = np.clip(np.rint(hu[k] + 1024.0), -32768, 32767).astype("<i2")
        ds.PixelData = stored.tobytes()
        out.append(ds)
    return out


def rtstruct(ident: Identity, ct: list[Dataset], rois, contours_of, date: str, time: str) -> Dataset:
    """The structure set. ``rois``: sequence of objects with name/type/color_rgb;
    ``contours_of(roi, z)`` gives the roi's polygons on plane z."""
    ds = _base(ident, uids.RT_STRUCT, ident.uid("rtstruct"), "RTSTRUCT", ident.uid("rtstruct-series"),
               2, "SYNTHETIC structures", date, time)
    ds.StructureSetLabel = "SYNTHETIC_RTR"
    ds.StructureSetName = "SYNTHETIC sample structures"
    ds.StructureSetDate, ds.StructureSetTime = date, time
    ds.InstanceNumber = 1
    images = [_item(ReferencedSOPClassUID=uids.CT_IMAGE, ReferencedSOPInstanceUID=c.SOPInstanceUID)
              for c in ct]
    series = _item(SeriesInstanceUID=ct[0].SeriesInstanceUID, ContourImageSequence=Sequence(images))
    study = _item(ReferencedSOPClassUID=uids.STUDY_COMPONENT, ReferencedSOPInstanceUID=ident.study_uid,
                  RTReferencedSeriesSequence=Sequence([series]))
    ds.ReferencedFrameOfReferenceSequence = Sequence([_item(
        FrameOfReferenceUID=ident.frame_uid, RTReferencedStudySequence=Sequence([study]))])
    by_z = {round(float(c.ImagePositionPatient[2]), 3): c for c in ct}
    roi_seq, contour_seq, obs_seq = [], [], []
    for number, roi in enumerate(rois, start=1):
        roi_seq.append(_item(ROINumber=number, ReferencedFrameOfReferenceUID=ident.frame_uid,
                             ROIName=roi.name, ROIGenerationAlgorithm="AUTOMATIC"))
        items = []
        for z, img in sorted(by_z.items(), reverse=True):
            for poly in contours_of(roi, z):
                data = np.column_stack([poly, np.full(len(poly), z)]).ravel()
                item = _item(
                    ContourImageSequence=Sequence([_item(ReferencedSOPClassUID=uids.CT_IMAGE,
                                                         ReferencedSOPInstanceUID=img.SOPInstanceUID)]),
                    ContourGeometricType="CLOSED_PLANAR", NumberOfContourPoints=len(poly),
                    ContourNumber=len(items) + 1)
                item[CONTOUR_DATA] = raw_ds(CONTOUR_DATA, [fmt(v, 1) for v in data])
                items.append(item)
        contour_seq.append(_item(ROIDisplayColor=[str(c) for c in roi.color_rgb],
                                 ContourSequence=Sequence(items), ReferencedROINumber=number))
        obs_seq.append(_item(ObservationNumber=number, ReferencedROINumber=number,
                             ROIObservationLabel=roi.name, RTROIInterpretedType=roi.type,
                             ROIInterpreter=""))
    ds.StructureSetROISequence = Sequence(roi_seq)
    ds.ROIContourSequence = Sequence(contour_seq)
    ds.RTROIObservationsSequence = Sequence(obs_seq)
    ds.ApprovalStatus = "APPROVED"
    return ds
