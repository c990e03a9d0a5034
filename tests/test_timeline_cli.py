"""``rtreview timeline`` headless, as a user runs it (a subprocess)."""
import json
import subprocess
import sys

from conftest import REPO

from rtreview.core.timeline import bundled_example_path


def _run(*args):
    return subprocess.run([sys.executable, "-m", "rtreview", "timeline", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_json_output_on_the_worked_example():
    out = _run(bundled_example_path(), "--format", "json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    dates = [e["start_date"] for e in summary["events"]]
    assert dates == sorted(dates) and len(dates) == 18
    liver = next(e for e in summary["events"] if e["id"] == "rt-liver")
    assert (liver["dose_gy"], liver["fractions"], liver["plan_label"]) == (50, 25, "LIVER")
    assert summary["pfs"]["pfs_days"] > 3 * 365 and summary["pfs"]["censored"] is True
    assert summary["pfs"]["start_date"] == "2021-06-25"
    assert [l["line"] for l in summary["lines_of_therapy"]] == [1, 2]
    assert any(w["code"] == "rt_fractions_exceed_weekdays" for w in summary["warnings"])
    assert summary["plans_checked"] is False
    assert summary["lab_series"][0]["unit"] == "ng/mL"


def test_text_output_and_pfs_start():
    out = _run(bundled_example_path(), "--pfs-start", "lenvatinib")
    assert out.returncode == 0, out.stderr
    assert "Lines of therapy" in out.stdout and "pd-2021-06" not in out.stdout
    assert "event: PD" in out.stdout


def test_bad_case_file_exits_2_naming_field_and_line(tmp_path):
    bad = tmp_path / "bad.case.json"
    bad.write_text('{"format": "rtreview-case",\n "format_version": 1,\n "events": [{"kind": "x"}]}')
    out = _run(bad)
    assert out.returncode == 2
    assert "line 3: events[0].kind" in out.stderr


def test_plan_paths_are_checked_or_the_failure_is_reported(tmp_path):
    out = _run(bundled_example_path(), tmp_path, "--format", "json")
    summary = json.loads(out.stdout)
    if out.returncode == 0:
        assert summary["plans_checked"] is True
        assert any(w["code"] == "plan_not_found" for w in summary["warnings"])
    else:
        assert out.returncode == 1 and summary["plan_check_error"]


def test_worked_example_against_the_sample_plans(sample_dicom):
    from rtreview.cli.timeline import load_plans

    if len(load_plans([str(sample_dicom)])) < 2:
        import pytest
        pytest.skip("sample DICOM plans not generated (run the sample generator)")
    out = _run(bundled_example_path(), sample_dicom, "--format", "json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    links = {l["plan_label"]: l for l in summary["plan_links"]}
    assert links["LIVER"]["found"] and links["L ILIUM"]["found"]
    assert links["LIVER"]["prescription_gy"] == 50 and links["L ILIUM"]["fractions"] == 10
    assert not [w for w in summary["warnings"] if w["code"].startswith(("plan_", "patient_id"))]


def test_minimal_and_empty_cases(tmp_path):
    empty = tmp_path / "empty.case.json"
    empty.write_text('{"format": "rtreview-case", "format_version": 1, "events": []}')
    out = _run(empty, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["pfs"] is None
    assert _run(empty).returncode == 0
    out = _run(bundled_example_path(), "--pfs-start", "no-such-event")
    assert out.returncode == 2 and "--pfs-start" in out.stderr
