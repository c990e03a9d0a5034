"""Small synthetic DICOM RT data sets for tests (pydicom only; geometry known exactly).

Every builder returns a ``pydicom.Dataset`` with File Meta; ``save(ds, path)`` writes it as a
standard file. Coordinates in mm, doses in Gy. Reuse freely.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
RT_PLAN = "1.2.840.10008.5.1.4.1.1.481.5"
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def base(sop_class: str, modality: str, *, patient_id: str = "SYN001", patient_name: str = "Synthetic^Patient",
         charset: str | None = None, study_uid: str = "", frame_uid: str = "") -> Dataset:
    """A data set with File Meta, patient, study and SOP identity filled in."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.Modality = modality
    ds.PatientID = patient_id
    ds.PatientName = patient_name
    ds.PatientBirthDate = "19600101"
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    if frame_uid:
        ds.FrameOfReferenceUID = frame_uid
    return ds


def save(ds: Dataset, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def _pixels(ds: Dataset, stored: np.ndarray) -> None:
    ds.Rows, ds.Columns = int(stored.shape[-2]), int(stored.shape[-1])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if stored.dtype == np.int16 else 0
    ds.PixelData = np.ascontiguousarray(stored).tobytes()


def ct_series(z_mm: Sequence[float], *, rows: int = 8, cols: int = 8, spacing=(2.0, 2.0), origin=(-8.0, -8.0),
              hu: np.ndarray | None = None, slope: float = 1.0, intercept: float = -1024.0,
              orientation=AXIAL, frame_uid: str = "", study_uid: str = "", **patient) -> list[Dataset]:
    """CT slices at positions ``z_mm`` in one series; ``hu`` (nz, rows, cols) defaults to a ramp."""
    frame_uid = frame_uid or generate_uid()
    study_uid = study_uid or generate_uid()
    series_uid = generate_uid()
    if hu is None:
        hu = np.arange(len(z_mm) * rows * cols, dtype=np.float64).reshape(len(z_mm), rows, cols) - 500
    out = []
    for k, z in enumerate(z_mm):
        ds = base(CT_IMAGE, "CT", study_uid=study_uid, frame_uid=frame_uid, **patient)
        ds.SeriesInstanceUID = series_uid
        ds.ImagePositionPatient = [origin[0], origin[1], float(z)]
        ds.ImageOrientationPatient = list(orientation)
        ds.PixelSpacing = list(spacing)
        ds.SliceThickness = 2.0
        ds.InstanceNumber = k + 1
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        _pixels(ds, np.round((hu[k] - intercept) / slope).astype(np.int16))
        out.append(ds)
    return out


def roi_square(z_mm: float, half: float = 5.0, cx: float = 0.0, cy: float = 0.0, close: bool = False) -> np.ndarray:
    pts = [(cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half), (cx - half, cy + half)]
    if close:
        pts.append(pts[0])
    return np.array([(x, y, z_mm) for x, y in pts], dtype=float)


def rtstruct(rois: Sequence[dict], *, frame_uid: str = "", series_uid: str = "", label: str = "SYN_SS",
             **patient) -> Dataset:
    """RTSTRUCT; each roi dict: number, name, type, color (r,g,b) and contours: list of
    (geometric type, (N,3) points). ``color`` None leaves ROIDisplayColor out."""
    ds = base(RT_STRUCT, "RTSTRUCT", **patient)
    ds.StructureSetLabel = label
    ds.StructureSetName = label
    frame_uid = frame_uid or generate_uid()
    ref_frame = Dataset()
    ref_frame.FrameOfReferenceUID = frame_uid
    study = Dataset()
    study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    study.ReferencedSOPInstanceUID = ds.StudyInstanceUID
    series = Dataset()
    series.SeriesInstanceUID = series_uid or generate_uid()
    study.RTReferencedSeriesSequence = DicomSequence([series])
    ref_frame.RTReferencedStudySequence = DicomSequence([study])
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([ref_frame])
    ss_rois, contours, observations = [], [], []
    for roi in rois:
        item = Dataset()
        item.ROINumber = roi["number"]
        item.ReferencedFrameOfReferenceUID = frame_uid
        item.ROIName = roi["name"]
        item.ROIGenerationAlgorithm = "MANUAL"
        ss_rois.append(item)
        c = Dataset()
        c.ReferencedROINumber = roi["number"]
        if roi.get("color", (255, 0, 0)) is not None:
            c.ROIDisplayColor = list(roi.get("color", (255, 0, 0)))
        seq = []
        for kind, points in roi.get("contours", []):
            contour = Dataset()
            contour.ContourGeometricType = kind
            points = np.asarray(points, dtype=float).reshape(-1, 3)
            contour.NumberOfContourPoints = len(points)
            contour.ContourData = [float(v) for v in points.ravel()]
            seq.append(contour)
        if seq:
            c.ContourSequence = DicomSequence(seq)
        contours.append(c)
        obs = Dataset()
        obs.ObservationNumber = roi["number"]
        obs.ReferencedROINumber = roi["number"]
        obs.RTROIInterpretedType = roi.get("type", "ORGAN")
        obs.ROIInterpreter = ""
        observations.append(obs)
    ds.StructureSetROISequence = DicomSequence(ss_rois)
    ds.ROIContourSequence = DicomSequence(contours)
    ds.RTROIObservationsSequence = DicomSequence(observations)
    return ds


def rtplan(*, label: str = "PLAN", rx_gy: float | None = 50.0, fractions: int | None = 25,
           structure_set_uid: str = "", frame_uid: str = "", beam_doses_gy: Sequence[float] = (),
           date: str = "20240102", **patient) -> Dataset:
    """RTPLAN with one TARGET dose reference (when rx_gy) and one fraction group."""
    ds = base(RT_PLAN, "RTPLAN", frame_uid=frame_uid, **patient)
    ds.RTPlanLabel = label
    ds.RTPlanName = label.title()
    ds.RTPlanDate = date
    ds.PlanIntent = "CURATIVE"
    ds.RTPlanGeometry = "PATIENT"
    if rx_gy is not None:
        ref = Dataset()
        ref.DoseReferenceNumber = 1
        ref.DoseReferenceStructureType = "SITE"
        ref.DoseReferenceDescription = label
        ref.DoseReferenceType = "TARGET"
        ref.TargetPrescriptionDose = rx_gy
        ds.DoseReferenceSequence = DicomSequence([ref])
    group = Dataset()
    group.FractionGroupNumber = 1
    if fractions is not None:
        group.NumberOfFractionsPlanned = fractions
    beams = []
    for k, dose in enumerate(beam_doses_gy):
        beam = Dataset()
        beam.ReferencedBeamNumber = k + 1
        beam.BeamDose = dose
        beams.append(beam)
    group.NumberOfBeams = len(beams)
    if beams:
        group.ReferencedBeamSequence = DicomSequence(beams)
    ds.FractionGroupSequence = DicomSequence([group])
    if structure_set_uid:
        ref_ss = Dataset()
        ref_ss.ReferencedSOPClassUID = RT_STRUCT
        ref_ss.ReferencedSOPInstanceUID = structure_set_uid
        ds.ReferencedStructureSetSequence = DicomSequence([ref_ss])
    return ds


def rtdose(dose_gy: np.ndarray, *, origin=(-8.0, -8.0, 0.0), spacing=(2.0, 2.0), offsets: Sequence[float] | None = None,
           orientation=AXIAL, scaling: float = 1e-4, plan_uid: str = "", frame_uid: str = "",
           units: str = "GY", summation: str = "PLAN", **patient) -> Dataset:
    """RTDOSE of ``dose_gy`` (frames, rows, columns); ``spacing`` = PixelSpacing (row, column);
    ``offsets`` = GridFrameOffsetVector (default relative, 2 mm)."""
    ds = base(RT_DOSE, "RTDOSE", frame_uid=frame_uid or generate_uid(), **patient)
    dose_gy = np.asarray(dose_gy, dtype=float)
    nz = dose_gy.shape[0]
    ds.ImagePositionPatient = list(origin)
    ds.ImageOrientationPatient = list(orientation)
    ds.PixelSpacing = list(spacing)
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = 0x3004000C
    ds.GridFrameOffsetVector = list(offsets) if offsets is not None else [2.0 * k for k in range(nz)]
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = units, "PHYSICAL", summation
    ds.DoseGridScaling = scaling
    _pixels(ds, np.round(dose_gy / scaling).astype(np.uint16))
    ds.BitsAllocated = ds.BitsStored = 16
    if plan_uid:
        ref = Dataset()
        ref.ReferencedSOPClassUID = RT_PLAN
        ref.ReferencedSOPInstanceUID = plan_uid
        ds.ReferencedRTPlanSequence = DicomSequence([ref])
    return ds


def dvh_item(roi_number: int, widths: Sequence[float], volumes: Sequence[float], *, kind: str = "CUMULATIVE",
             dose_units: str = "GY", scaling: float = 1.0, volume_units: str = "CM3") -> Dataset:
    """One DVHSequence item with DVHData pairs (bin width, volume)."""
    item = Dataset()
    item.DVHType = kind
    item.DoseUnits = dose_units
    item.DoseType = "PHYSICAL"
    item.DVHDoseScaling = scaling
    item.DVHVolumeUnits = volume_units
    item.DVHNumberOfBins = len(widths)
    item.DVHData = [float(v) for pair in zip(widths, volumes) for v in pair]
    ref = Dataset()
    ref.ReferencedROINumber = roi_number
    ref.DVHROIContributionType = "INCLUDED"
    item.DVHReferencedROISequence = DicomSequence([ref])
    return item


def mr_image(**patient) -> Dataset:
    ds = base(MR_IMAGE, "MR", frame_uid=generate_uid(), **patient)
    ds.ImagePositionPatient = [0.0, 0.0, 0.0]
    ds.ImageOrientationPatient = list(AXIAL)
    ds.PixelSpacing = [1.0, 1.0]
    _pixels(ds, np.zeros((4, 4), dtype=np.int16))
    return ds


def small_case(folder: Path, *, patient_id: str = "SYN001", patient_name: str = "Synthetic^Patient") -> dict:
    """CT (5 slices, z 0..8 mm) + RTSTRUCT (one square PTV) + RTPLAN 50 Gy/25 + RTDOSE, all linked,
    written to ``folder``. Returns the data sets by kind ('ct' is a list)."""
    frame = generate_uid()
    study = generate_uid()
    patient = dict(patient_id=patient_id, patient_name=patient_name)
    cts = ct_series([0.0, 2.0, 4.0, 6.0, 8.0], frame_uid=frame, study_uid=study, **patient)
    ss = rtstruct([{"number": 1, "name": "PTV", "type": "PTV",
                    "contours": [("CLOSED_PLANAR", roi_square(z)) for z in (2.0, 4.0, 6.0)]}],
                  frame_uid=frame, series_uid=cts[0].SeriesInstanceUID, **patient)
    plan = rtplan(structure_set_uid=ss.SOPInstanceUID, frame_uid=frame, **patient)
    dose = rtdose(np.full((5, 8, 8), 2.0), plan_uid=plan.SOPInstanceUID, frame_uid=frame, **patient)
    for k, ct in enumerate(cts):
        save(ct, folder / "ct" / f"ct{k}.dcm")
    save(ss, folder / "rtstruct.dcm")
    save(plan, folder / "rtplan.dcm")
    save(dose, folder / "rtdose.dcm")
    return {"ct": cts, "rtstruct": ss, "rtplan": plan, "rtdose": dose}
