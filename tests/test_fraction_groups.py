"""Fraction groups (issue 13): a Pinnacle-like plan of 25 + 7 + 3 fractions (50 + 14 + 6 Gy) built
from the real Pinnacle export; one PLAN-summed dose (EQD2 with the total 35 fractions, said so),
and per-group doses (each group's own fractions)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

from conftest import REPO
from rtreview.core.constraints.fractionation import eqd2_gy
from rtreview.core.dicom.loader import load
from rx_support import edit, three_group_pinnacle

GROUPS = [{"number": 1, "fractions": 25, "prescription_gy": 50.0, "dose_per_fraction_gy": 2.0},
          {"number": 2, "fractions": 7, "prescription_gy": 14.0, "dose_per_fraction_gy": 2.0},
          {"number": 3, "fractions": 3, "prescription_gy": 6.0, "dose_per_fraction_gy": 2.0}]


def _cli(*args):
    out = subprocess.run([sys.executable, "-m", "rtreview", *map(str, args)], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert "Traceback" not in out.stderr, out.stderr
    return out


@pytest.fixture(scope="module")
def three_groups(reference_dicom, tmp_path_factory):
    return three_group_pinnacle(reference_dicom, tmp_path_factory.mktemp("groups"))


def test_three_groups_read_with_their_prescriptions(three_groups):
    case = load(three_groups)
    (plan,) = case.patients[0].plans
    assert plan.fractions == 35 and plan.prescription_gy == pytest.approx(70.0)
    assert plan.prescription_source == "rx_roi"
    assert [g.to_json() for g in plan.fraction_groups] == GROUPS
    assert [b.fraction_group for b in plan.beams] == [1, 1, 2, 2, 3, 3]
    (link,) = case.links
    assert link.fraction_group is None and link.fractions == 35 and link.prescription_gy == pytest.approx(70.0)
    assert any("EQD2 is computed with the total 35 fractions" in n for n in link.notes)


def test_info_json_lists_the_groups(three_groups):
    out = _cli("info", three_groups, "--json")
    (plan,) = json.loads(out.stdout)["patients"][0]["plans"]
    assert (plan["fractions"], plan["prescription_gy"], plan["prescription_source"]) == (35, 70.0, "rx_roi")
    assert plan["fraction_groups"] == GROUPS and len(plan["beams"]) == 6
    text = _cli("info", three_groups).stdout
    assert "fraction group 2: 7 fx, Rx 14 Gy, 2 Gy/fx" in text


def test_eqd2_of_the_plan_sum_uses_the_total_fractions(three_groups):
    out = _cli("check", three_groups, "--protocol", "hcc", "--format", "json")
    (plan,) = json.loads(out.stdout)["plans"]
    assert plan["fractions"] == 35 and plan["fraction_groups"] == GROUPS and plan["fraction_group"] is None
    assert any("EQD2 with the plan's total 35 fractions" in n for n in plan["notes"])
    cord = [r for r in plan["results"] if r["structure"] == "SpinalCord" and r["value_gy"] is not None]
    assert cord
    for row in cord:  # alpha/beta 2 Gy for the cord (the protocol's), n = 25 + 7 + 3
        assert row["value_eqd2_gy"] == pytest.approx(float(eqd2_gy(row["value_gy"], 35, row["alpha_beta_gy"])),
                                                     abs=2e-3)
        assert row["value_eqd2_gy"] != pytest.approx(float(eqd2_gy(row["value_gy"], 25, row["alpha_beta_gy"])),
                                                      abs=1e-3)


def test_per_group_doses_use_their_groups(three_groups, tmp_path):
    """Three FRACTION doses, one per group (the plan dose split in the ratio of the groups' fractions):
    each is reviewed with its group's prescription and fractions."""
    folder = tmp_path / "per_group"
    folder.mkdir()
    for name in ("RP.dcm", "RS.dcm"):
        (folder / name).write_bytes((three_groups / name).read_bytes())
    plan_dose = pydicom.dcmread(three_groups / "RD.dcm")
    for number, fractions in ((1, 25), (2, 7), (3, 3)):
        ds = pydicom.dcmread(three_groups / "RD.dcm")
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.DoseSummationType = "FRACTION"
        ref = pydicom.Dataset()
        ref.ReferencedFractionGroupNumber = number
        ds.ReferencedRTPlanSequence[0].ReferencedFractionGroupSequence = pydicom.Sequence([ref])
        pixels = plan_dose.pixel_array.astype(np.float64) * fractions / 35
        ds.PixelData = np.round(pixels).astype(plan_dose.pixel_array.dtype).tobytes()
        ds.save_as(folder / f"RD_group{number}.dcm")
    case = load(folder)
    by_group = {link.fraction_group.number: link for link in case.links}
    assert sorted(by_group) == [1, 2, 3]
    assert [(by_group[n].fractions, by_group[n].prescription_gy) for n in (1, 2, 3)] == [(25, 50.0), (7, 14.0), (3, 6.0)]
    assert not any("EQD2 is computed with the total" in n for link in case.links for n in link.notes)
    out = _cli("dvh", folder)
    doses = {d["fraction_group"]: d for d in json.loads(out.stdout)["doses"]}
    assert sorted(doses) == [1, 2, 3] and all(d["fractions"] == 35 for d in doses.values())  # the plan's total
    out = _cli("check", folder, "--protocol", "hcc", "--format", "json")
    plans = {p["fraction_group"]: p for p in json.loads(out.stdout)["plans"]}
    for number, n in ((1, 25), (2, 7), (3, 3)):
        rows = [r for r in plans[number]["results"] if r["structure"] == "SpinalCord" and r["value_gy"] is not None]
        assert rows
        for row in rows:
            assert row["value_eqd2_gy"] == pytest.approx(float(eqd2_gy(row["value_gy"], n, row["alpha_beta_gy"])),
                                                         abs=2e-3)


def test_several_beam_doses_of_one_plan_are_still_summed(three_groups, tmp_path):
    """Per-beam doses of the three-group plan: summed into one plan dose, with the warning."""
    folder = tmp_path / "beams"
    folder.mkdir()
    for name in ("RP.dcm", "RS.dcm"):
        (folder / name).write_bytes((three_groups / name).read_bytes())
    for k in range(2):
        ds = pydicom.dcmread(three_groups / "RD.dcm")
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.DoseSummationType = "BEAM"
        ds.save_as(folder / f"RD_beam{k}.dcm")
    case = load(folder)
    (link,) = case.links
    assert link.dose.summation_type == "PLAN" and link.fractions == 35
    assert any("sum of 2 BEAM doses" in i.message for i in case.report.warnings)
    assert link.dose.max_gy == pytest.approx(2 * pydicom.dcmread(three_groups / "RD.dcm").pixel_array.max()
                                             * float(pydicom.dcmread(three_groups / "RD.dcm").DoseGridScaling),
                                             rel=1e-5)


def test_missing_group_count_is_unknown(three_groups, tmp_path):
    folder = tmp_path / "no_count"
    folder.mkdir()
    for name in ("RP.dcm", "RS.dcm", "RD.dcm"):
        (folder / name).write_bytes((three_groups / name).read_bytes())
    edit(folder / "RP.dcm", lambda ds: delattr(ds.FractionGroupSequence[1], "NumberOfFractionsPlanned"))
    (plan,) = load(folder).patients[0].plans
    # the rx ROI of group 2 states its 7 fractions: taken, with a note saying so
    assert plan.fractions == 35 and any("fractions from rx ROI 2" in n for n in plan.notes)
