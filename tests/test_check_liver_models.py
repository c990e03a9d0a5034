"""`rtreview check` with the issue-16 models: NTCP results (model, parameters, source, value)
recomputed by hand from the evaluated DVH, target BED with a chosen alpha/beta, and the Child-Pugh
variants of the HCC protocol selected by the case file's liver-function facts (--case)."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import SAMPLE_DICOM
from rtreview.core.timeline import bundled_example_path


def _check(*args):
    out = subprocess.run([sys.executable, "-m", "rtreview", "check", str(SAMPLE_DICOM), "--no-composite",
                          "--format", "json", *args], capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 3), out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def liver_plan():
    from rtreview.core.constraints import find_protocol
    from rtreview.core.constraints.plan_check import check_plan
    from rtreview.core.dicom.loader import load

    case = load([str(SAMPLE_DICOM)])
    link = next(link for link in case.links if link.label == "LIVER")
    return check_plan(link, find_protocol("HCC liver 50 Gy / 25 fx"), child_pugh=None)


def _case_with(tmp_path, *events):
    data = json.loads(bundled_example_path().read_text(encoding="utf-8"))
    data["events"] += list(events)
    path = tmp_path / "liver.case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_rild_ntcp_equals_the_hand_computed_lkb(liver_plan):
    """gEUD and NTCP recomputed from the normal liver's dose samples with the formulas written out
    here (Dawson 2002 primary liver cancer: n 0.97, m 0.12, TD50 39.8 Gy in 1.5 Gy fractions)."""
    (res,) = [n for n in liver_plan.ntcp if n.structure == "Liver-GTV"]
    dvh = liver_plan.dvhs["Liver-GTV"]
    ab = [r for r in liver_plan.results if r.structure == "Liver-GTV"][0].alpha_beta_gy
    assert ab == 2.5  # the structure's one alpha/beta (default table, liver)
    d = np.asarray(dvh.sample_dose_gy, float)
    v = np.asarray(dvh.sample_volume_cc, float)
    eqd2 = d * (d / 25 + ab) / (2 + ab)
    geud = float((np.sum(v * eqd2 ** (1 / 0.97)) / v.sum()) ** 0.97)
    td50 = 39.8 * (1.5 + ab) / (2 + ab)
    ntcp = 0.5 * (1 + math.erf((geud - td50) / (0.12 * td50) / math.sqrt(2)))
    assert res.geud_eqd2_gy == pytest.approx(geud, rel=1e-9)
    assert res.td50_eqd2_gy == pytest.approx(td50, rel=1e-12)
    assert res.value == pytest.approx(ntcp, rel=1e-6)
    # the sample's normal liver: mean 13.1 Gy physical, far below TD50: a tiny risk
    assert 10.0 < geud < 12.0 and res.value < 1e-6


def test_check_json_has_ntcp_with_model_parameters_source_value(liver_plan):
    report = _check()
    plans = {p["plan_label"]: p for p in report["plans"]}
    (rild,) = [n for n in plans["LIVER"]["ntcp"] if n["structure"] == "Liver-GTV"]
    assert rild["model"] == "LKB" and rild["model_id"] == "rild_primary_liver_dawson2002"
    assert rild["parameters"]["n"] == 0.97 and rild["parameters"]["m"] == 0.12
    assert rild["parameters"]["td50_gy"] == 39.8 and rild["parameters"]["reference_dose_per_fraction_gy"] == 1.5
    assert "Dawson" in rild["source"] and "2002" in rild["source"]
    (expected,) = [n for n in liver_plan.ntcp if n.structure == "Liver-GTV"]
    assert rild["value"] == pytest.approx(expected.value, rel=1e-9)
    assert rild["geud_eqd2_gy"] == pytest.approx(expected.geud_eqd2_gy, abs=1e-6)
    # a risk, not a verdict: no constraint row for it
    assert not [r for r in plans["LIVER"]["results"] if r["metric"] == "NTCP"]
    # the rectum gets the shipped default model on the ilium plan
    assert [n["model_id"] for n in plans["L ILIUM"]["ntcp"]] == ["rectal_toxicity_quantec2010"]


def test_target_bed_with_the_default_and_a_chosen_alpha_beta():
    default = {t["structure"]: t for t in _check()["plans"][0]["target_bed"]}
    chosen = {t["structure"]: t for t in _check("--target-alpha-beta", "15")["plans"][0]["target_bed"]}
    # prescription 50 Gy / 25 fx: BED = 50 (1 + 2 / ab)
    assert default["PTV_LIVER"]["alpha_beta_gy"] == 10.0 and default["PTV_LIVER"]["prescription_bed_gy"] == 60.0
    assert chosen["PTV_LIVER"]["alpha_beta_origin"] == "user"
    assert chosen["PTV_LIVER"]["prescription_bed_gy"] == pytest.approx(50 * (1 + 2 / 15))
    # the D95% is the same dose read with another alpha/beta: BED(d) = d (1 + d / (25 ab))
    d95_10, d95_15 = default["PTV_LIVER"]["d95_bed_gy"], chosen["PTV_LIVER"]["d95_bed_gy"]
    dose = 25 * 10 * (-1 + math.sqrt(1 + 4 * d95_10 / (25 * 10))) / 2
    assert d95_15 == pytest.approx(dose * (1 + dose / (25 * 15)), rel=1e-6)


def test_bad_target_alpha_beta_and_missing_case_file_are_usage_errors(tmp_path):
    for args in (("--target-alpha-beta", "0"), ("--case", str(tmp_path / "none.case.json"))):
        out = subprocess.run([sys.executable, "-m", "rtreview", "check", str(SAMPLE_DICOM), *args],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 2 and "rtreview check:" in out.stderr and "Traceback" not in out.stderr


def _liver_rows(report):
    plan = {p["plan_label"]: p for p in report["plans"]}["LIVER"]
    return plan, [r for r in plan["results"] if r["structure"] == "Liver-GTV" and r["metric"] == "Dmean"]


def test_the_worked_case_needs_child_pugh():
    plan, rows = _liver_rows(_check())
    assert [(r["limit_as_written"], r["status"]) for r in rows] == [
        ("Dmean <= 28 Gy (in 25 fx)", "pass"),
        ("Dmean <= 15.1 Gy (in 25 fx) [Child-Pugh B]", "not_evaluable")]
    assert rows[1]["note"].startswith("needs Child-Pugh")
    assert plan["child_pugh"]["class"] is None and plan["child_pugh"]["basis"].startswith("needs Child-Pugh")


def test_child_pugh_b_before_the_course_selects_the_strict_variant(tmp_path):
    path = _case_with(tmp_path, {"id": "lf-b", "kind": "liver_function", "date": "2020-06-20",
                                 "child_pugh_class": "B", "child_pugh_score": 7, "source": "test"})
    plan, rows = _liver_rows(_check("--case", str(path)))
    # the sample's normal liver: physical mean 13.1 Gy (< 15.1) but voxel-wise mean EQD2 10.88 Gy above the
    # limit's EQD2 15.1 (15.1 / 25 + 2.5) / 4.5 = 10.41 Gy (ab 2.5): a Child-Pugh B patient fails
    limit_eqd2 = 15.1 * (15.1 / 25 + 2.5) / 4.5
    assert [(r["limit_as_written"], r["status"]) for r in rows] == [
        ("Dmean <= 28 Gy (in 25 fx)", "pass"), ("Dmean <= 15.1 Gy (in 25 fx) [Child-Pugh B]", "fail")]
    assert rows[1]["limit_eqd2_gy"] == pytest.approx(limit_eqd2, rel=1e-6)
    assert rows[1]["value_gy"] < 15.1 < 28 and rows[1]["value"] > limit_eqd2
    assert "Child-Pugh B7 (2020-06-20)" in rows[1]["note"]
    assert plan["child_pugh"] == {"class": "B", "basis": "Child-Pugh B7 (2020-06-20), latest on or before the "
                                                       "course start 2020-06-25"}


def test_an_assessment_after_the_course_is_not_used_and_class_a_drops_the_b_variant(tmp_path):
    later = {"id": "lf-late", "kind": "liver_function", "date": "2020-08-01", "child_pugh_class": "B",
             "source": "test"}
    _, rows = _liver_rows(_check("--case", str(_case_with(tmp_path, later))))
    assert rows[1]["status"] == "not_evaluable" and rows[1]["note"].startswith("needs Child-Pugh")
    a = {"id": "lf-a", "kind": "liver_function", "date": "2020-06-01", "child_pugh_score": 5, "source": "test"}
    plan, rows = _liver_rows(_check("--case", str(_case_with(tmp_path, a, later))))
    assert [r["limit_as_written"] for r in rows] == ["Dmean <= 28 Gy (in 25 fx)"]
    assert plan["child_pugh"]["class"] == "A"


def test_text_output_shows_the_risk_bed_and_liver_function():
    out = subprocess.run([sys.executable, "-m", "rtreview", "check", str(SAMPLE_DICOM), "--no-composite"],
                         capture_output=True, text=True, timeout=300)
    assert "liver function: needs Child-Pugh" in out.stdout
    assert "NTCP Liver-GTV" in out.stdout and "a risk estimate, not a verdict" in out.stdout
    assert "BED PTV_LIVER (a/b 10 Gy, default)" in out.stdout
