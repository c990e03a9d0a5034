"""Defect 10: exit statuses agree across commands (issue 14). `report` exits 1 when there is nothing
to compute a DVH from, as `dvh` does, and writes nothing; `check` / `report` / `dvh` on a path
that does not exist say "no such file or folder"."""
import subprocess
import sys

import pytest


def _run(*args):
    return subprocess.run([sys.executable, "-m", "rtreview", *args], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.mark.parametrize("command", ["check", "dvh", "report"])
def test_a_missing_path_says_no_such_file_or_folder(command, tmp_path):
    missing = tmp_path / "not_there"
    extra = ["-o", str(tmp_path / "r.pdf")] if command == "report" else []
    out = _run(command, str(missing), *extra)
    assert out.returncode == 1
    assert f"{missing}: no such file or folder" in out.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_report_exits_1_when_no_dvh_can_be_computed_as_dvh_does(reference_dicom, tmp_path):
    """pydicom's test files: doses linked to no structure set (and contours outside every grid)."""
    data = reference_dicom / "pydicom-testdata"
    dvh = _run("dvh", str(data))
    report = _run("report", str(data), "-o", str(tmp_path / "r.pdf"), "--quiet")
    assert dvh.returncode == report.returncode == 1
    assert "no DVH computed" in dvh.stderr and "no DVH computed" in report.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_check_with_one_missing_path_among_good_ones_names_it(sample_dicom, tmp_path):
    missing = tmp_path / "gone"
    out = _run("check", str(sample_dicom), str(missing), "--no-composite")
    assert out.returncode == 0
    assert f"{missing}: no such file or folder" in out.stderr
