"""A failing export leaves no partial file, keeps an existing report intact and says why."""
from __future__ import annotations

import os

import pytest

from report_support import SAMPLE, qt_app, run_cli, sample_case, sample_content


def _leftovers(folder) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith((".tmp", ".part"))]  # rtreview.core.atomic's, and the old


def test_missing_folder_is_reported_and_nothing_written(tmp_path):
    from rtreview.report.atomic import OutputError
    from rtreview.report.builder import render

    qt_app()
    target = tmp_path / "no-such-folder" / "r.pdf"
    with pytest.raises(OutputError, match="does not exist"):
        render(sample_content(), str(target))
    assert not target.parent.exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_folder_keeps_the_existing_report(tmp_path):
    from rtreview.report.atomic import OutputError
    from rtreview.report.builder import render

    qt_app()
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "r.pdf"
    target.write_bytes(b"%PDF-old report")
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="no permission"):
            render(sample_content(), str(target))
        assert target.read_bytes() == b"%PDF-old report"
        assert _leftovers(folder) == []
    finally:
        folder.chmod(0o700)


def test_folder_the_writer_cannot_create_files_in(tmp_path):
    """Even root cannot create files in /sys (read-only sysfs): the reason comes from the OS."""
    from rtreview.report.atomic import OutputError
    from rtreview.report.builder import render

    qt_app()
    if not os.path.isdir("/sys") or os.access("/sys", os.W_OK) is False and os.geteuid() != 0:
        pytest.skip("needs /sys")
    with pytest.raises(OutputError, match=r"cannot write /sys/r\.pdf"):
        render(sample_content(), "/sys/r.pdf")
    assert not os.path.exists("/sys/r.pdf")


def test_exception_mid_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    from rtreview.report import slice_figure
    from rtreview.report.builder import render

    qt_app()
    target = tmp_path / "r.pdf"
    target.write_bytes(b"%PDF-old report")
    painted = []

    def boom(self, canvas, rect):  # page 2 of the report: pages before it are already painted
        painted.append(True)
        raise RuntimeError("injected failure while painting")

    monkeypatch.setattr(slice_figure.SliceFigure, "paint", boom)
    with pytest.raises(RuntimeError, match="injected"):
        render(sample_content(), str(target))
    assert painted
    assert target.read_bytes() == b"%PDF-old report"
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    pages = render(sample_content(), str(target))  # and the next export works
    assert target.read_bytes().startswith(b"%PDF") and len(pages) >= 4
    assert _leftovers(tmp_path) == []


def test_cli_reports_the_reason_and_exits_1(tmp_path):
    sample_case()
    target = tmp_path / "missing" / "r.pdf"
    status, out, err = run_cli(["report", str(SAMPLE), "-o", str(target)])
    assert status == 1
    assert "does not exist" in err and "nothing written" in err and "Traceback" not in err
    assert not target.exists()


def test_cli_unknown_plan_and_protocol_are_clear(tmp_path):
    sample_case()
    status, _, err = run_cli(["report", str(SAMPLE), "-o", str(tmp_path / "r.pdf"), "--plan", "NOPE", "--quiet"])
    assert status == 2 and "plan(s) not found: NOPE" in err and "LIVER" in err
    status, _, err = run_cli(["report", str(SAMPLE), "-o", str(tmp_path / "r.pdf"), "--protocol", "nope", "--quiet"])
    assert status == 2 and "no protocol named 'nope'" in err
    status, _, err = run_cli(["report", str(SAMPLE), "-o", str(tmp_path / "r.pdf"), "--case",
                              str(tmp_path / "none.case.json"), "--quiet"])
    assert status == 2 and "none.case.json" in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_cancel_stops_the_computation():
    from rtreview.report.content import gather

    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Exception) as info:
        gather(sample_case(), [str(SAMPLE)], cancel=cancel)
    assert type(info.value).__name__.endswith("Cancelled")
