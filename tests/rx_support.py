"""Real planning-system exports modified in a test's tmp_path: the plan-level quirks and the
prescription / fraction-group cases of issue 13 (the vendored originals are never written).

- ``copy_set``: a writable copy of one vendored reference set.
- ``edit``: read a DICOM file, change it, save it in place (a copy).
- ``three_group_pinnacle``: the Pinnacle H&N plan as a three-fraction-group plan (25 + 7 + 3
  fractions, 50 + 14 + 6 Gy at 2 Gy per fraction, one PLAN-summed dose), with Pinnacle's
  ``rx 1``..``rx 3`` prescription ROIs, as a Pinnacle trial with three prescriptions exports it.
- ``vmat_like_raystation``: the RayStation SRS plan with beam doses summing to 10.78 Gy over its
  5 fractions (what a VMAT export of the same case gave, while its targets get about 45 Gy).
"""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

PINNACLE, RAYSTATION = "pinnacle-hn-anon99185", "raystation-brain-srs"
RS_RAYSTATION = "RS1.2.752.243.1.1.20180405120828292.2900.76357.dcm"
# ROI numbers of the Pinnacle structure set's POINT ROIs (see reference_dicom/README.md)
PINNACLE_RX_ROI, PINNACLE_CT_ISO_ROI, PINNACLE_TX_ROI = 3, 1, 4


def copy_set(reference_dicom: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(reference_dicom / name, target)
    for p in target.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)
    return target


def edit(path: Path, change) -> Path:
    ds = pydicom.dcmread(path, force=True)
    change(ds)
    ds.save_as(path)
    return path


def rename_roi(ds: Dataset, number: int, name: str) -> None:
    for item in ds.StructureSetROISequence:
        if int(item.ROINumber) == number:
            item.ROIName = name
            return
    raise KeyError(number)


def three_group_pinnacle(reference_dicom: Path, tmp_path: Path) -> Path:
    folder = copy_set(reference_dicom, PINNACLE, tmp_path)

    def plan(ds: Dataset) -> None:
        beams = list(ds.BeamSequence)
        group_items = []
        for number, fractions in ((1, 25), (2, 7), (3, 3)):
            group = copy.deepcopy(ds.FractionGroupSequence[0])
            group.FractionGroupNumber = number
            group.NumberOfFractionsPlanned = fractions
            refs = []
            for k, ref in enumerate(ds.FractionGroupSequence[0].ReferencedBeamSequence):
                item = copy.deepcopy(ref)
                item.ReferencedBeamNumber = 2 * (number - 1) + k + 1
                refs.append(item)
                if number > 1:  # each prescription has its own beams, as in a Pinnacle trial
                    beam = copy.deepcopy(beams[k])
                    beam.BeamNumber = item.ReferencedBeamNumber
                    beam.BeamName = f"{beam.BeamName}-{number}"
                    ds.BeamSequence.append(beam)
            group.ReferencedBeamSequence = Sequence(refs)
            group_items.append(group)
        ds.FractionGroupSequence = Sequence(group_items)

    def structures(ds: Dataset) -> None:
        rename_roi(ds, PINNACLE_RX_ROI, "rx 1: H&N PTV 50 Gy:  200 cGy x 25 to 95%: pt: Shifted Isocenter")
        rename_roi(ds, PINNACLE_CT_ISO_ROI, "rx 2: Boost 1:  200 cGy x 7 to 95%: pt: CT Isocenter")
        rename_roi(ds, PINNACLE_TX_ROI, "rx 3: Boost 2:  200 cGy x 3 to 95%: pt: CT Isocenter")

    edit(folder / "RP.dcm", plan)
    edit(folder / "RS.dcm", structures)
    return folder


def vmat_like_raystation(reference_dicom: Path, tmp_path: Path, total_gy: float = 10.78) -> Path:
    folder = copy_set(reference_dicom, RAYSTATION, tmp_path)

    def plan(ds: Dataset) -> None:
        group = ds.FractionGroupSequence[0]
        refs = list(group.ReferencedBeamSequence)
        per_beam = total_gy / int(group.NumberOfFractionsPlanned) / len(refs)
        for ref in refs:
            ref.BeamDose = f"{per_beam:.6f}"

    edit(folder / "RP_IMRT.dcm", plan)
    return folder
