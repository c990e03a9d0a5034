"""pydicom builders for the RT Plan and its RT Dose."""
from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from . import uids
from .dose_model import LEAF_BOUNDARIES_MM, DoseResult
from .writers import Identity, _base, _item, fmt

MACHINE = "SYNTH_LINAC"


def _bld_positions(fld):
    return Sequence([
        _item(RTBeamLimitingDeviceType="ASYMX", LeafJawPositions=[fmt(v, 1) for v in fld.jaw_x_mm]),
        _item(RTBeamLimitingDeviceType="ASYMY", LeafJawPositions=[fmt(v, 1) for v in fld.jaw_y_mm]),
        _item(RTBeamLimitingDeviceType="MLCX", LeafJawPositions=[fmt(v, 1) for v in fld.leaves_mm.ravel()]),
    ])


def _beam(number: int, fld, iso) -> Dataset:
    n_pairs = LEAF_BOUNDARIES_MM.size - 1
    cp0 = _item(ControlPointIndex=0, NominalBeamEnergy="6", DoseRateSet="600",
                BeamLimitingDevicePositionSequence=_bld_positions(fld),
                GantryAngle=fmt(fld.spec.gantry_deg, 1), GantryRotationDirection="NONE",
                BeamLimitingDeviceAngle="0", BeamLimitingDeviceRotationDirection="NONE",
                PatientSupportAngle="0", PatientSupportRotationDirection="NONE",
                TableTopEccentricAngle="0", TableTopEccentricRotationDirection="NONE",
                IsocenterPosition=[fmt(v, 1) for v in iso],
                SourceToSurfaceDistance=fmt(1000.0 - fld.geometric_depth_mm, 1),
                CumulativeMetersetWeight="0")
    cp1 = _item(ControlPointIndex=1, CumulativeMetersetWeight="1")
    return _item(
        BeamNumber=number, BeamName=fld.spec.name, BeamDescription=f"SYNTHETIC {fld.spec.name}",
        BeamType="STATIC", RadiationType="PHOTON", TreatmentMachineName=MACHINE,
        PrimaryDosimeterUnit="MU", SourceAxisDistance="1000",
        BeamLimitingDeviceSequence=Sequence([
            _item(RTBeamLimitingDeviceType="ASYMX", NumberOfLeafJawPairs=1),
            _item(RTBeamLimitingDeviceType="ASYMY", NumberOfLeafJawPairs=1),
            _item(RTBeamLimitingDeviceType="MLCX", NumberOfLeafJawPairs=n_pairs,
                  LeafPositionBoundaries=[fmt(v, 1) for v in LEAF_BOUNDARIES_MM])]),
        ReferencedPatientSetupNumber=1, TreatmentDeliveryType="TREATMENT",
        NumberOfWedges=0, NumberOfCompensators=0, NumberOfBoli=0, NumberOfBlocks=0,
        FinalCumulativeMetersetWeight="1", NumberOfControlPoints=2,
        ControlPointSequence=Sequence([cp0, cp1]))


def rtplan(ident: Identity, spec, result: DoseResult, iso, struct: Dataset, ptv_roi_number: int,
           series_number: int) -> Dataset:
    key = spec.label.replace(" ", "_")
    ds = _base(ident, uids.RT_PLAN, ident.uid("rtplan", key), "RTPLAN", ident.uid("rtplan-series", key),
               series_number, f"SYNTHETIC plan {spec.label}", spec.date, spec.time)
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = ident.frame_uid
    ds.PositionReferenceIndicator = ""
    ds.RTPlanLabel = spec.label
    ds.RTPlanName = spec.name
    ds.RTPlanDescription = f"SYNTHETIC - {spec.description}"
    ds.RTPlanDate, ds.RTPlanTime = spec.date, spec.time
    ds.RTPlanGeometry = "PATIENT"
    ds.PlanIntent = spec.intent
    ds.PrescriptionDescription = f"{fmt(spec.rx_gy)} Gy in {spec.fractions} fractions to {spec.ptv}"
    ds.DoseReferenceSequence = Sequence([_item(
        DoseReferenceNumber=1, DoseReferenceUID=ident.uid("doseref", key),
        DoseReferenceStructureType="VOLUME", DoseReferenceDescription=spec.ptv,
        ReferencedROINumber=ptv_roi_number, DoseReferenceType="TARGET",
        DeliveryMaximumDose=fmt(spec.rx_gy * 1.1), TargetPrescriptionDose=fmt(spec.rx_gy),
        TargetMinimumDose=fmt(spec.rx_gy * 0.95), TargetMaximumDose=fmt(spec.rx_gy * 1.07))])
    refs = [_item(ReferencedBeamNumber=i, BeamDose=fmt(f.beam_dose_gy, 4), BeamMeterset=fmt(f.meterset_mu, 1),
                  BeamDoseSpecificationPoint=[fmt(v, 1) for v in iso])
            for i, f in enumerate(result.fields, start=1)]
    ds.FractionGroupSequence = Sequence([_item(
        FractionGroupNumber=1, NumberOfFractionsPlanned=spec.fractions,
        NumberOfBeams=len(refs), NumberOfBrachyApplicationSetups=0,
        ReferencedBeamSequence=Sequence(refs),
        ReferencedDoseReferenceSequence=Sequence([_item(ReferencedDoseReferenceNumber=1)]))])
    ds.BeamSequence = Sequence([_beam(i, f, iso) for i, f in enumerate(result.fields, start=1)])
    ds.PatientSetupSequence = Sequence([_item(PatientSetupNumber=1, PatientPosition="HFS",
                                              SetupTechnique="ISOCENTRIC")])
    ds.ReferencedStructureSetSequence = Sequence([_item(
        ReferencedSOPClassUID=uids.RT_STRUCT, ReferencedSOPInstanceUID=struct.SOPInstanceUID)])
    ds.ApprovalStatus = "APPROVED"
    ds.ReviewDate, ds.ReviewTime = spec.date, spec.time
    ds.ReviewerName = "SYNTHETIC^PHYSICIAN"
    return ds


def rtdose(ident: Identity, spec, result: DoseResult, plan: Dataset) -> Dataset:
    key = spec.label.replace(" ", "_")
    ds = _base(ident, uids.RT_DOSE, ident.uid("rtdose", key), "RTDOSE", ident.uid("rtdose-series", key),
               plan.SeriesNumber + 10, f"SYNTHETIC dose {spec.label}", spec.date, spec.time)
    d = result.dose_gy
    nz, ny, nx = d.shape
    # Scaling so the maximum uses ~60000 of the 16 bits; a short decimal so it survives DS.
    scaling = float(f"{max(float(d.max()), 1e-6) / 60000.0:.4e}")
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = ident.frame_uid
    ds.PositionReferenceIndicator = ""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = 0x3004000C
    ds.Rows, ds.Columns = ny, nx
    ds.PixelSpacing = [fmt(result.ys[1] - result.ys[0], 3), fmt(result.xs[1] - result.xs[0], 3)]
    ds.SliceThickness = fmt(result.zs[1] - result.zs[0], 3)
    ds.ImagePositionPatient = [fmt(result.xs[0]), fmt(result.ys[0]), fmt(result.zs[0])]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.GridFrameOffsetVector = [fmt(z - result.zs[0], 3) for z in result.zs]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    ds.DoseComment = "SYNTHETIC: analytic beam model, not clinical"
    ds.DoseGridScaling = f"{scaling:.4e}"
    ds.TissueHeterogeneityCorrection = "IMAGE"
    ds.ReferencedRTPlanSequence = Sequence([_item(ReferencedSOPClassUID=uids.RT_PLAN,
                                                  ReferencedSOPInstanceUID=plan.SOPInstanceUID)])
    ds.PixelData = np.clip(np.rint(d / scaling), 0, 65535).astype("<u2").tobytes()
    return ds
