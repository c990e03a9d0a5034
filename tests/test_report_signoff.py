"""Sign-off from the command line: ``rtreview report --reviewer ... --decision ...`` records it in
the case file's review log and prints it in the PDF; a later sign-off adds to it; mistakes are
usage errors that write nothing; plan files changed after the sign-off are flagged in the PDF."""
import json
import shutil

import pydicom
import pytest

from report_support import pdftotext, qt_app
from rtreview.cli.main import main
from rtreview.core.review import verify_log


@pytest.fixture(scope="module")
def data(tmp_path_factory, sample_dicom):
    folder = tmp_path_factory.mktemp("signoff") / "dicom"
    shutil.copytree(sample_dicom, folder)
    qt_app()
    return folder


def _report(data, out, *extra):
    return main(["report", str(data), "-o", str(out), "--plan", "L ILIUM", "--quiet", *extra])


def test_sign_off_is_recorded_then_printed_and_a_second_one_is_added(data, tmp_path, capsys):
    case = tmp_path / "patient.case.json"
    assert _report(data, tmp_path / "a.pdf", "--case", str(case), "--reviewer", "Dr Ada Example",
                   "--role", "radiation oncologist", "--decision", "approved_with_comments",
                   "--comment", "Bowel V15 near the limit") == 0
    assert f"sign-off recorded in {case}" in capsys.readouterr().err
    log = json.loads(case.read_text(encoding="utf-8"))["review_log"]
    plan = pydicom.dcmread(data / "RP_L_ILIUM.dcm", stop_before_pixels=True)
    assert len(log) == 1 and log[0]["plan_sop_instance_uid"] == plan.SOPInstanceUID
    assert {f["kind"] for f in log[0]["files"]} == {"plan", "dose", "structure_set"}
    text = " ".join(pdftotext(tmp_path / "a.pdf", layout=False).split())
    assert "Review and sign-off" in text and "Dr Ada Example" in text and "Approved with comments" in text
    assert "Bowel V15 near the limit" in text and "* recorded when this report was made (1 entry)" in text
    assert " ".join(log[0]["entry_sha256"][i:i + 8] for i in range(0, 64, 8)) in text
    assert "not a treatment record of the planning system" in text

    assert _report(data, tmp_path / "b.pdf", "--case", str(case), "--reviewer", "Dr Ben Physicist",
                   "--role", "medical physicist", "--decision", "approved") == 0
    log2 = json.loads(case.read_text(encoding="utf-8"))["review_log"]
    assert log2[0] == log[0] and len(log2) == 2 and verify_log(log2) == []
    text = " ".join(pdftotext(tmp_path / "b.pdf", layout=False).split())
    assert "Dr Ada Example" in text and "Dr Ben Physicist" in text
    assert "* recorded when this report was made (1 entry)" in text


@pytest.mark.parametrize("extra, message", [
    (["--decision", "approved"], "needs both --reviewer NAME and --decision"),
    (["--reviewer", "Dr A"], "needs both --reviewer NAME and --decision"),
    (["--comment", "x"], "belong to a sign-off"),
    (["--reviewer", "Dr A", "--decision", "changes_requested"], "needs a comment"),
])
def test_an_incomplete_sign_off_is_a_usage_error_and_writes_nothing(data, tmp_path, capsys, extra, message):
    case = tmp_path / "p.case.json"
    assert _report(data, tmp_path / "x.pdf", "--case", str(case), *extra) == 2
    assert message in capsys.readouterr().err
    assert not case.exists() and not (tmp_path / "x.pdf").exists()


def test_the_bundled_example_is_never_signed(tmp_path, capsys, sample_dicom):
    qt_app()  # a QApplication, not the QGuiApplication `report` makes: later widget tests need one
    assert main(["report", str(sample_dicom), "-o", str(tmp_path / "x.pdf"), "--plan", "L ILIUM", "--quiet",
                 "--reviewer", "Dr A", "--decision", "approved"]) == 2
    err = capsys.readouterr().err
    assert "bundled with rtreview" in err and "give --case FILE" in err
    assert not (tmp_path / "x.pdf").exists()


def test_plan_files_changed_after_the_sign_off_are_flagged_in_the_report(tmp_path, sample_dicom, capsys):
    data = tmp_path / "dicom"
    shutil.copytree(sample_dicom, data)
    case = tmp_path / "p.case.json"
    assert _report(data, tmp_path / "a.pdf", "--case", str(case), "--reviewer", "Dr A", "--decision",
                   "approved") == 0
    ds = pydicom.dcmread(data / "RD_L_ILIUM.dcm")
    ds.ContentTime = "235959"  # re-exported after the review: same UID, other bytes
    ds.save_as(data / "RD_L_ILIUM.dcm")
    capsys.readouterr()
    assert _report(data, tmp_path / "b.pdf", "--case", str(case)) == 0
    assert "reviewed files changed since the sign-off of L ILIUM by Dr A" in capsys.readouterr().err
    text = " ".join(pdftotext(tmp_path / "b.pdf", layout=False).split())
    assert "WARNING: reviewed files changed since the sign-off of L ILIUM by Dr A" in text
    assert "RD_L_ILIUM.dcm has other contents" in text
