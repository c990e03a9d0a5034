"""Mistakes on the command line get one clear line and the usage exit status; output cut short by
the reader (``| head``) ends quietly, for every subcommand that prints."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rtreview.cli.main import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_dicom"
CASE = REPO / "resources" / "cases" / "hcc_lenalidomide.case.json"


def _run(argv, cwd=REPO, timeout=240, close_stdout=False):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RTREVIEW_SETTINGS=str(Path(cwd) / "settings.ini"))
    proc = subprocess.Popen([sys.executable, "-m", "rtreview.cli.main", *map(str, argv)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if close_stdout:
        proc.stdout.close()  # the reader is gone before the first line is written
        err = proc.stderr.read()
        proc.wait(timeout=timeout)
        return proc.returncode, "", err
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_a_mistyped_subcommand_is_a_usage_error_not_a_window(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "'frobnicate' is not a subcommand" in err and "info, dvh, check, report, timeline" in err
    assert main(["chek", str(SAMPLE)]) == 2
    assert "did you mean 'check'?" in capsys.readouterr().err
    assert main([str(SAMPLE / "no-such-folder")]) == 2
    assert "no such file or folder: " in capsys.readouterr().err


def test_an_existing_path_named_like_a_word_still_opens_the_window(tmp_path):
    (tmp_path / "frobnicate").mkdir()  # a folder of that name: the user means it
    status, _out, err = _run(["frobnicate", "--screenshot", tmp_path / "shot.png"], cwd=tmp_path)
    assert status == 0, err
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("what", ["dicom", "folder", "text", "missing"])
def test_timeline_on_something_that_is_not_a_case_file_says_so_in_one_line(what, tmp_path, capsys):
    path = {"dicom": SAMPLE / "RP_LIVER.dcm", "folder": SAMPLE, "missing": tmp_path / "none.case.json",
            "text": tmp_path / "notes.txt"}[what]
    if what == "text":
        path.write_text("Patient notes, not JSON\n")
    assert main(["timeline", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    expected = {"dicom": "not a case file: binary data", "folder": "is a folder, not a case file",
                "text": "not a case file: not JSON", "missing": "no such file"}[what]
    assert err.startswith(f"rtreview timeline: {path}: {expected}")


def test_pfs_start_with_an_unknown_event_names_the_ids(capsys):
    assert main(["timeline", str(CASE), "--pfs-start", "lenalidomde"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("rtreview timeline: --pfs-start lenalidomde: 'lenalidomde' is neither a date")
    assert "lenalidomide" in err  # the ids the case has
    assert main(["timeline", str(CASE), "--pfs-start", "lenalidomide", "--format", "json"]) == 0


def test_map_with_an_unknown_structure_or_roi_is_refused(capsys):
    assert main(["check", str(SAMPLE), "--map", "Livr=LIVER"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rtreview check: --map Livr=LIVER: the protocol has no structure 'Livr'") and "\n" not in err
    assert main(["check", str(SAMPLE), "--map", "Liver=LIVR"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rtreview check: --map Liver=LIVR: no ROI 'LIVR' in the structure set") and "\n" not in err


def test_plan_and_protocol_labels_are_echoed_as_the_user_spelled_them(tmp_path, capsys):
    from report_support import qt_app

    qt_app()  # in-process `report` would otherwise make a QGuiApplication, and later widget tests abort
    assert main(["report", str(SAMPLE), "-o", str(tmp_path / "r.pdf"), "--plan", "LiverX", "--quiet"]) == 2
    assert "plan(s) not found: LiverX (available: LIVER, L ILIUM)" in capsys.readouterr().err
    assert main(["check", str(SAMPLE), "--protocol", "LiverX=HCC liver 50 Gy / 25 fx"]) == 2
    assert "plan(s) not found: LiverX " in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize("argv", [
    ["info", SAMPLE], ["info", SAMPLE, "--json"], ["dvh", SAMPLE], ["dvh", SAMPLE, "--format", "csv"],
    ["check", SAMPLE], ["timeline", CASE], ["timeline", CASE, "--format", "json"],
    ["report", SAMPLE, "--plan", "L ILIUM", "-o", "{tmp}/r.pdf", "--quiet"],
    ["batch", SAMPLE, "--workers", "1", "--out", "{tmp}/b.sqlite"],
    ["anonymize", SAMPLE / "RP_LIVER.dcm", "-o", "{tmp}/anon", "--json"],
], ids=lambda a: " ".join(str(x) for x in a[:2] if str(x) != str(SAMPLE)).replace(str(REPO) + "/", ""))
def test_output_cut_short_by_the_reader_ends_quietly(argv, tmp_path):
    argv = [str(a).replace("{tmp}", str(tmp_path)) for a in argv]
    status, _out, err = _run(argv, cwd=tmp_path, close_stdout=True)
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert status == 141, err  # it did write, and stopped at the closed pipe
