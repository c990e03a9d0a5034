"""Defect 9: a dose with DoseUnits RELATIVE is never labelled Gy (issue 14): shown in % (1.0 = 100 %),
Gy-based constraints are not evaluable on it, or it is converted with a user-given normalisation."""
import json
import shutil
import subprocess
import sys

import pydicom
import pytest

from report_support import pdftotext


def _run(*args):
    import os

    return subprocess.run([sys.executable, "-m", "rtreview", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.fixture(scope="module")
def relative_sample(tmp_path_factory, sample_dicom):
    """The sample's LIVER course with its RT Dose rewritten as RELATIVE (values / 50 Gy: 1.0 = Rx)."""
    folder = tmp_path_factory.mktemp("relative")
    for name in ["RS_SYNTHETIC.dcm", "RP_LIVER.dcm"] + sorted(p.name for p in sample_dicom.glob("CT_*.dcm")):
        shutil.copy(sample_dicom / name, folder / name)
    ds = pydicom.dcmread(sample_dicom / "RD_LIVER.dcm")
    ds.DoseUnits = "RELATIVE"
    ds.DoseGridScaling = float(ds.DoseGridScaling) / 50.0
    ds.save_as(folder / "RD_LIVER.dcm")
    return folder


def test_check_does_not_evaluate_gy_constraints_on_a_relative_dose(relative_sample):
    out = _run("check", str(relative_sample), "--format", "json")
    report = json.loads(out.stdout)
    results = report["plans"][0]["results"]
    assert results and all(r["status"] == "not_evaluable" for r in results)
    assert all("RELATIVE" in r["note"] for r in results)
    assert out.returncode == 0
    assert _run("check", str(relative_sample), "--strict").returncode == 3


def test_dvh_json_names_the_units(relative_sample):
    data = json.loads(_run("dvh", str(relative_sample)).stdout)
    assert data["doses"][0]["dose_units"] == "RELATIVE"
    assert any("RELATIVE" in n for n in data["doses"][0]["notes"])


def test_a_user_normalisation_converts_it_to_gy(relative_sample, sample_dicom):
    out = _run("check", str(relative_sample), "--relative-dose-gy", "50", "--format", "json", "--no-composite")
    report = json.loads(out.stdout)
    ptv = [r for r in report["plans"][0]["results"] if r["structure"] == "PTV" and r["metric"] == "D95%"][0]
    assert ptv["value_gy"] == pytest.approx(49.98, abs=0.02)
    assert any("normalisation" in n for n in report["plans"][0]["notes"])


def test_the_pdf_shows_percent_not_gy(reference_dicom, tmp_path):
    """pydicom's RELATIVE test dose (maximum 1.25): the report said 'Dose grid max 1.25 Gy'."""
    from rtreview.core.dicom.loader import load
    from rtreview.report.builder import plan_blocks
    from rtreview.report.content import PlanSection, ReportContent
    from rtreview.report.deidentify import Redactor
    from rtreview.report.header import KeyValueBlock

    case = load([str(reference_dicom / "pydicom-testdata")])
    link = case.links[0]
    assert link.dose.units == "RELATIVE" and link.dose.max_gy == pytest.approx(1.25, abs=0.01)
    content = ReportContent("", "", "", [PlanSection(link, {})])
    blocks = plan_blocks(content, content.sections[0], Redactor(False, "", "", ""))
    pairs = dict(next(b for b in blocks if isinstance(b, KeyValueBlock)).pairs)
    assert "Gy" not in pairs["Dose grid"] and "125" in pairs["Dose grid"] and "%" in pairs["Dose grid"]
    assert "RELATIVE" in pairs["Dose grid"]
