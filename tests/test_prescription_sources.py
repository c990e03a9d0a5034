"""Where a plan's prescription comes from (issue 13): Dose Reference Sequence -> Pinnacle rx ROIs ->
target names -> the user; never beam doses. On the real exports and copies modified from them."""
from __future__ import annotations

import json

import pydicom
import pytest

from rtreview.cli.main import main
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rx_names import dose_in_target_name, parse_rx_roi
from rx_support import PINNACLE, PINNACLE_RX_ROI, RAYSTATION, copy_set, edit, rename_roi, vmat_like_raystation


@pytest.mark.parametrize("name, dose", [
    ("PTV_70Gy", 70.0), ("H&N PTV_55 Gy", 55.0), ("PTV1_50Gy", 50.0), ("PTV_5000", 50.0),
    ("PTV_7000cGy", 70.0), ("PTV 54.0", 54.0), ("CTV_60", 60.0), ("PTV_54,5Gy", 54.5),
    ("PTV_1", None), ("PTV 3mm", None), ("PTV_L4", None), ("PTV", None), ("PTV_ALL", None)])
def test_dose_in_target_name(name, dose):
    said = dose_in_target_name(name)
    assert said.dose_gy == dose and said.ambiguous == ""


@pytest.mark.parametrize("name, why", [
    ("PTV_700", "ambiguous"), ("PTV_15", "ambiguous"), ("PTV_70Gy_56Gy", "several doses"),
    ("PTV_5000Gy", "not a plausible prescription")])
def test_ambiguous_target_names_give_no_dose(name, why):
    said = dose_in_target_name(name)
    assert said.dose_gy is None and why in said.ambiguous


def test_pinnacle_rx_roi_names():
    rx, why = parse_rx_roi("rx 1: H&N PTV 70 Gy:  200 cGy x 35 to 95%: pt: Calc Point")
    assert why == "" and (rx.number, rx.dose_per_fraction_gy, rx.fractions, rx.level_pct) == (1, 2.0, 35, 95.0)
    assert rx.total_gy == pytest.approx(70.0)
    rx, _ = parse_rx_roi("rx 1: H&N PTV 50 Gy:  250 cGy x 22 to 96%: pt: Shifted Isocenter")
    assert rx.total_gy == pytest.approx(55.0)  # '50 Gy' names the prescription; 250 cGy x 22 is its dose
    rx, why = parse_rx_roi("rx 2: boost")
    assert rx is None and "no 'dose x fractions'" in why
    rx, why = parse_rx_roi("rx 1: x: 9000 cGy x 1")
    assert rx is None and "plausible" in why


def _plan(path):
    case = load(path)
    (plan,) = [p for patient in case.patients for p in patient.plans]
    return case, plan


def test_pinnacle_55_gy_in_22_fractions_from_its_rx_roi(reference_dicom):
    case, plan = _plan(reference_dicom / PINNACLE)
    raw = pydicom.dcmread(reference_dicom / PINNACLE / "RP.dcm", stop_before_pixels=True)
    assert "DoseReferenceSequence" not in raw
    assert (plan.prescription_gy, plan.fractions, plan.prescription_source) == (pytest.approx(55.0), 22, "rx_roi")
    assert plan.dose_per_fraction_gy == pytest.approx(2.5)
    assert [g.to_json() for g in plan.fraction_groups] == [
        {"number": 1, "fractions": 22, "prescription_gy": 55.0, "dose_per_fraction_gy": 2.5}]
    assert "250 cGy x 22" in plan.prescription_note
    # the beam doses (57.28 Gy in total) are kept as a hint only
    assert plan.beam_dose_sum_gy == pytest.approx(sum(float(b.BeamDose) for b in raw.FractionGroupSequence[0]
                                                      .ReferencedBeamSequence) * 22)
    assert round(plan.beam_dose_sum_gy, 2) == 57.28
    assert [b.technique for b in plan.beams] == ["arc", "arc"] and plan.beams[0].meterset == pytest.approx(246.8)
    assert not any("prescription" in i.message for i in case.report.warnings)


def test_raystation_rx_unknown_never_the_beam_dose_sum(reference_dicom):
    case, plan = _plan(reference_dicom / RAYSTATION)
    grid_max = case.links[0].dose.max_gy
    assert plan.prescription_gy is None and plan.prescription_source is None and plan.fractions == 5
    assert plan.beam_dose_sum_gy == pytest.approx(70.0255, abs=1e-3) and plan.beam_dose_sum_gy > grid_max
    (warning,) = [i for i in case.report.warnings if "prescription unknown" in i.message]
    assert "70.03 Gy" in warning.message and "not a prescription" in warning.message
    assert "no target name carries a dose" in plan.prescription_note


def test_vmat_like_beam_doses_are_not_a_prescription(reference_dicom, tmp_path, capsys):
    folder = vmat_like_raystation(reference_dicom, tmp_path)
    case, plan = _plan(folder)
    assert plan.prescription_gy is None and plan.beam_dose_sum_gy == pytest.approx(10.78, abs=1e-4)
    assert any("10.78 Gy" in i.message for i in case.report.warnings)
    assert main(["dvh", str(folder)]) == 0
    dose = json.loads(capsys.readouterr().out)["doses"][0]
    assert dose["prescription_gy"] is None and dose["prescription_source"] is None
    targets = [s for s in dose["structures"] if s["name"].startswith("PTV_")]
    assert targets and all(s["paddick_ci"] is None and s["gradient_index"] is None for s in targets)
    assert all(any(n.startswith("needs Rx") for n in s["notes"]) for s in targets)
    # the targets get far more than 10.78 Gy: a CI computed against it would have been meaningless
    assert min(s["d95_gy"] for s in targets) > 30


def test_dose_reference_sets_unchanged(reference_dicom):
    _, plan = _plan(reference_dicom / "dicompyler-core-example")
    assert (plan.prescription_gy, plan.fractions, plan.prescription_source) == (14.0, 7, "dose_reference")
    case = load(reference_dicom / "pydicom-testdata")
    (plan,) = [p for patient in case.patients for p in patient.plans]
    assert (round(plan.prescription_gy, 4), plan.fractions, plan.prescription_source) == (30.8262, 30,
                                                                                          "dose_reference")


def test_target_name_when_there_is_no_rx_roi(reference_dicom, tmp_path):
    folder = copy_set(reference_dicom, PINNACLE, tmp_path)
    edit(folder / "RS.dcm", lambda ds: rename_roi(ds, PINNACLE_RX_ROI, "Rx point"))
    _, plan = _plan(folder)
    assert (plan.prescription_gy, plan.fractions, plan.prescription_source) == (55.0, 22, "target_name")
    assert "'H&N PTV_55 Gy'" in plan.prescription_note


def test_target_name_above_the_dose_maximum_is_dropped(reference_dicom, tmp_path):
    folder = copy_set(reference_dicom, PINNACLE, tmp_path)

    def change(ds):
        rename_roi(ds, PINNACLE_RX_ROI, "Rx point")
        rename_roi(ds, 13, "PTV_70Gy")  # the H&N PTV; the dose grid's maximum is 61.4 Gy

    edit(folder / "RS.dcm", change)
    case, plan = _plan(folder)
    assert plan.prescription_gy is None and plan.prescription_source is None
    assert "above the plan dose's maximum 61.40 Gy" in plan.prescription_note
    assert any("above the plan dose's maximum" in n for n in case.links[0].notes)


def test_several_target_doses_are_ambiguous(reference_dicom, tmp_path):
    folder = copy_set(reference_dicom, PINNACLE, tmp_path)

    def change(ds):
        rename_roi(ds, PINNACLE_RX_ROI, "Rx point")
        rename_roi(ds, 5, "GTV_60Gy")

    edit(folder / "RS.dcm", change)
    _, plan = _plan(folder)
    assert plan.prescription_gy is None
    assert "several doses" in plan.prescription_note and "'GTV_60Gy' 60 Gy" in plan.prescription_note


def test_rx_roi_that_disagrees_with_the_fraction_group_is_not_used(reference_dicom, tmp_path):
    folder = copy_set(reference_dicom, PINNACLE, tmp_path)
    edit(folder / "RP.dcm", lambda ds: setattr(ds.FractionGroupSequence[0], "NumberOfFractionsPlanned", 25))
    edit(folder / "RS.dcm", lambda ds: rename_roi(ds, 13, "H&N PTV"))  # no dose in a target name either
    _, plan = _plan(folder)
    assert plan.prescription_gy is None and plan.fractions == 25
    assert "plans 25 fractions: they do not belong together" in plan.prescription_note
