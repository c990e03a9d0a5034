"""``rtreview check``: JSON keys, text report and exit codes, on a synthetic two-course case and
on the bundled sample patient (once generated)."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from pydicom.uid import generate_uid

from conftest import REPO, SAMPLE_DICOM
from dicom_builders import ct_series, roi_square, rtdose, rtplan, rtstruct, save

ROW_KEYS = {"structure", "metric", "value_gy", "value_eqd2_gy", "alpha_beta_gy", "limit_gy", "limit_eqd2_gy",
            "level", "status", "source"}


def _box_dose(centre, half_mm, high_gy, low_gy):
    ax = np.arange(-30.0, 30.1, 2.0)
    z = np.arange(0.0, 40.1, 2.0)
    zz, yy, xx = np.meshgrid(z, ax, ax, indexing="ij")
    inside = (np.abs(xx - centre[0]) <= half_mm) & (np.abs(yy - centre[1]) <= half_mm)
    return np.where(inside, high_gy, low_gy)


@pytest.fixture(scope="module")
def two_courses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_courses")
    frame, study = generate_uid(), generate_uid()
    pat = {"patient_id": "CHK001", "study_uid": study}
    cts = ct_series(np.arange(0.0, 41.0, 4.0), rows=16, cols=16, spacing=(4.0, 4.0), origin=(-30.0, -30.0),
                    frame_uid=frame, **pat)

    def roi(number, name, kind, half, cx, cy, zs):
        return {"number": number, "name": name, "type": kind,
                "contours": [("CLOSED_PLANAR", roi_square(z, half, cx, cy)) for z in zs]}

    ss = rtstruct([roi(1, "LIVER", "ORGAN", 20, 0, 0, range(8, 33, 4)),
                   roi(2, "GTV_LIVER", "GTV", 5, 0, 0, range(16, 25, 4)),
                   roi(3, "PTV_LIVER", "PTV", 8, 0, 0, range(12, 29, 4)),
                   roi(4, "SPINAL_CORD", "ORGAN", 3, 0, 24, range(4, 37, 4)),
                   roi(5, "PTV_ILIUM", "PTV", 5, 15, -15, range(12, 21, 4))],
                  frame_uid=frame, series_uid=cts[0].SeriesInstanceUID, patient_id="CHK001")
    ss.StudyInstanceUID = study
    for label, rx, n, centre, high, low, date in (("LIVER", 50.0, 25, (0, 0), 50.0, 5.0, "20200625"),
                                                  ("L ILIUM", 30.0, 10, (15, -15), 31.0, 2.0, "20200920")):
        plan = rtplan(label=label, rx_gy=rx, fractions=n, structure_set_uid=ss.SOPInstanceUID, frame_uid=frame,
                      patient_id="CHK001", date=date)
        plan.StudyInstanceUID = study
        dose = rtdose(_box_dose(centre, 10.0, high, low), origin=(-30.0, -30.0, 0.0), spacing=(2.0, 2.0),
                      plan_uid=plan.SOPInstanceUID, frame_uid=frame, patient_id="CHK001", scaling=1e-3)
        dose.StudyInstanceUID = study
        save(plan, folder / f"plan_{n}.dcm")
        save(dose, folder / f"dose_{n}.dcm")
    for k, ct in enumerate(cts):
        save(ct, folder / "ct" / f"ct{k}.dcm")
    save(ss, folder / "rtstruct.dcm")
    return folder


def _check(*args):
    out = subprocess.run([sys.executable, "-m", "rtreview", "check", *map(str, args)], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    return out


def test_json_keys_protocol_suggestion_and_composite(two_courses):
    out = _check(two_courses, "--format", "json")
    assert out.returncode == 0, out.stderr + out.stdout
    report = json.loads(out.stdout)
    assert set(report) >= {"plans", "composite"}
    plans = {p["plan_label"]: p for p in report["plans"]}
    assert plans["LIVER"]["protocol"] == "HCC liver 50 Gy / 25 fx" and plans["LIVER"]["fractions"] == 25
    assert plans["L ILIUM"]["protocol"] == "Bone metastasis 30 Gy / 10 fx, pelvis"
    for p in report["plans"]:
        for r in p["results"]:
            assert ROW_KEYS <= set(r)
            assert r["status"] in {"pass", "marginal", "fail", "not_evaluable"}
    rows = {(r["structure"], r["metric"]): r for r in plans["LIVER"]["results"]}
    normal_liver = rows[("Liver-GTV", "Dmean")]
    assert normal_liver["status"] == "pass" and normal_liver["limit_gy"] == 28.0
    assert rows[("PTV", "D95%")]["status"] == "pass"
    assert rows[("Stomach", "D0.03cc")]["status"] == "not_evaluable"
    assert "Stomach" in plans["LIVER"]["unmatched_structures"]
    comp = report["composite"]
    assert comp["plans"] == ["LIVER", "L ILIUM"]
    comp_rows = {(r["structure"], r["metric"]) for r in comp["results"]}
    assert ("Liver-GTV", "Dmean") in comp_rows
    for r in comp["results"]:
        assert ROW_KEYS <= set(r)


def test_mandatory_failure_exits_3_and_text_report(two_courses):
    out = _check(two_courses, "--protocol", "LIVER=bone metastasis 30 Gy / 10 fx, pelvis", "--no-composite")
    assert out.returncode == 3, out.stderr
    assert "FAIL" in out.stdout
    assert re.search(r"\n[1-9]\d* mandatory constraint\(s\) failed \(.*\); exit status 3\n?$", out.stdout)
    assert "LIVER (25 fx, 50 Gy (dose reference)): protocol Bone metastasis 30 Gy / 10 fx, pelvis" in out.stdout


def test_strict_and_usage_errors(two_courses):
    assert _check(two_courses, "--strict", "--no-composite").returncode == 3  # missing stomach etc. are mandatory
    bad = _check(two_courses, "--protocol", "prostate 78 Gy")
    assert bad.returncode == 2 and "no protocol named" in bad.stderr
    assert _check(two_courses, "--map", "nonsense").returncode == 2
    empty = _check(two_courses / "ct")
    assert empty.returncode == 1 and "nothing to check" in empty.stderr


def _sample_ready() -> bool:
    return any(SAMPLE_DICOM.rglob("*.dcm"))


@pytest.mark.skipif(not _sample_ready(), reason="sample_dicom/ not generated yet")
def test_sample_patient_check():
    out = _check(SAMPLE_DICOM, "--format", "json")
    assert out.returncode in (0, 3), out.stderr
    report = json.loads(out.stdout)
    plans = {p["plan_label"]: p for p in report["plans"]}
    assert plans["LIVER"]["protocol"] == "HCC liver 50 Gy / 25 fx"
    assert plans["L ILIUM"]["protocol"] == "Bone metastasis 30 Gy / 10 fx, pelvis"
    # the sample contours neither a bowel bag nor a sacral plexus
    assert plans["LIVER"]["unmatched_structures"] == ["Bag_Bowel"]
    assert plans["L ILIUM"]["unmatched_structures"] == ["Bag_Bowel", "SacralPlex"]
    for p in plans.values():  # else only structures outside a plan's dose grid are not evaluable
        assert all(r["status"] != "not_evaluable" or "outside the dose grid" in r["note"]
                   or r["structure"] in ("Bag_Bowel", "SacralPlex") for r in p["results"])
    assert sorted(report["composite"]["plans"]) == ["L ILIUM", "LIVER"]
    assert {r["structure"] for r in report["composite"]["results"]} >= {"CaudaEquina"}
    failed = any(r["counts_as_failed"]
                 for rows in [p["results"] for p in report["plans"]] + [report["composite"]["results"]] for r in rows)
    assert out.returncode == (3 if failed else 0)
