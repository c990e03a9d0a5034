"""``--rx PLAN=GY/FRACTIONS`` on dvh, check, report and batch (issue 13): the user's prescription
overrides the files (source "user"); a bad value is a usage error (exit 2) with one clear line."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from rtreview.cli.main import main
from rtreview.cli.rx_option import parse_rx
from rx_support import PINNACLE, RAYSTATION


@pytest.mark.parametrize("value, words", [
    ("imrt4", "expected PLAN=GY/FRACTIONS"), ("=45/5", "expected PLAN=GY/FRACTIONS"),
    ("X=45", "expected PLAN=GY/FRACTIONS"), ("X=abc/5", "'abc' is not a dose in Gy"),
    ("X=-1/5", "above 0"), ("X=0/5", "above 0"), ("X=nan/5", "above 0"), ("X=500/5", "at most 200"),
    ("X=45/0", "whole number from 1 to 100"), ("X=45/2.5", "whole number"), ("X=45/x", "whole number")])
def test_bad_values_are_rejected_with_one_line(value, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        parse_rx([value])


def test_parse_rx_values():
    assert parse_rx(["ANON=70/35", "imrt 4 = 45 Gy / 5"]) == {"anon": ("ANON", 70.0, 35), "imrt 4": ("imrt 4", 45.0, 5)}
    with pytest.raises(ValueError, match="twice"):
        parse_rx(["A=1/1", "a=2/2"])


@pytest.mark.parametrize("command", ["dvh", "check", "report", "batch"])
def test_usage_error_exit_2_one_line(command, reference_dicom, tmp_path):
    args = [command, str(reference_dicom / RAYSTATION), "--rx", "imrt 4=45/zero"]
    if command == "report":
        args += ["-o", str(tmp_path / "r.pdf")]
    out = subprocess.run([sys.executable, "-m", "rtreview", *args], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "imrt 4=45/zero" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_unknown_plan_label_is_a_usage_error(reference_dicom, capsys):
    assert main(["dvh", str(reference_dicom / RAYSTATION), "--rx", "nope=45/5"]) == 2
    err = capsys.readouterr().err
    assert "--rx names plan(s) not found: nope (plans loaded: imrt 4)" in err


def test_dvh_with_the_users_prescription(reference_dicom, capsys):
    assert main(["dvh", str(reference_dicom / RAYSTATION), "--rx", "IMRT 4=45/5"]) == 0
    dose = json.loads(capsys.readouterr().out)["doses"][0]
    assert (dose["prescription_gy"], dose["fractions"], dose["prescription_source"]) == (45.0, 5, "user")
    assert dose["fraction_groups"] == [{"number": 1, "fractions": 5, "prescription_gy": 45.0,
                                        "dose_per_fraction_gy": 9.0}]
    ptv = next(s for s in dose["structures"] if s["name"] == "PTV_ALL")
    assert 0 < ptv["paddick_ci"] <= 1 and ptv["gradient_index"] > 1
    assert not any(n.startswith("needs Rx") for n in ptv["notes"])


def test_check_overrides_the_files(reference_dicom, capsys):
    assert main(["check", str(reference_dicom / PINNACLE), "--rx", "ANON=70/35", "--format", "json"]) == 0
    (plan,) = json.loads(capsys.readouterr().out)["plans"]
    assert (plan["prescription_gy"], plan["fractions"], plan["prescription_source"]) == (70.0, 35, "user")
    assert plan["protocol"] is None and plan["protocol_reason"].startswith("no shipped protocol fits")


def test_report_shows_the_users_prescription(reference_dicom, tmp_path):
    pdf = tmp_path / "ray.pdf"
    out = subprocess.run([sys.executable, "-m", "rtreview", "report", str(reference_dicom / RAYSTATION), "-o", str(pdf),
                          "--rx", "imrt 4=45/5", "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "45 Gy in 5 fx (9 Gy/fx) — set by the user" in text


def test_batch_applies_it_to_every_plan_with_that_label(reference_dicom, tmp_path):
    root = tmp_path / "cohort"
    shutil.copytree(reference_dicom / RAYSTATION, root / "brain")
    out = subprocess.run([sys.executable, "-m", "rtreview", "batch", str(root), "--out", str(tmp_path / "b.sqlite"),
                          "--workers", "1", "--rx", "imrt 4=45/5", "--rx", "other=30/10"], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "--rx imrt 4: applied to 1 patient(s)" in out.stdout
    assert "--rx other: no plan with this label" in out.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "b.sqlite") as conn:
        (row,) = conn.execute("SELECT fractions, prescription_gy, notes FROM plans").fetchall()
        ci = conn.execute("SELECT value FROM metrics WHERE structure = 'PTV_ALL' AND metric = 'paddick_ci'").fetchall()
    assert row[:2] == (5, 45.0) and "set with --rx" in row[2]
    assert len(ci) == 1 and 0 < ci[0][0] <= 1
