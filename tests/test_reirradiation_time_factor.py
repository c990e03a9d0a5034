"""The optional re-irradiation time factor: off by default, a user choice stored in the case file."""
import datetime as dt
import json

import pytest

from rtreview.core.timeline import validate_text
from rtreview.core.timeline.reirradiation import TimeFactor, course_weights, store_time_factor, time_factor_from

D = dt.date


def test_off_unless_enabled_and_complete():
    assert time_factor_from({}) is None
    assert time_factor_from({"reirradiation_time_factor": {"enabled": False, "recovery_pct": 25,
                                                           "min_interval_days": 180}}) is None
    assert time_factor_from({"reirradiation_time_factor": {"enabled": True}}) is None
    f = time_factor_from({"reirradiation_time_factor": {"enabled": True, "recovery_pct": 25,
                                                        "min_interval_days": 180, "source": "physician"}})
    assert f == TimeFactor(25.0, 180, "physician")


def test_weights_by_interval():
    spans = {"LIVER": (D(2020, 6, 25), D(2020, 7, 7)), "L ILIUM": (D(2020, 10, 14), D(2020, 10, 27)),
             "NEW": (D(2021, 6, 1), D(2021, 6, 10)), "UNDATED": (None, None)}
    assert all(w == 1.0 for w, _ in course_weights(spans, None).values())
    weights = course_weights(spans, TimeFactor(25.0, 300))
    assert weights["LIVER"][0] == pytest.approx(0.75)  # 329 days before NEW
    assert weights["L ILIUM"][0] == 1.0  # 217 days: below the interval
    assert weights["NEW"][0] == 1.0 and "329 days" in weights["LIVER"][1]
    assert weights["UNDATED"] == (1.0, "UNDATED: no course dates in the case file, no time factor applied")


def test_stored_in_the_case_file_and_validated():
    raw = {"format": "rtreview-case", "format_version": 1, "events": []}
    store_time_factor(raw, TimeFactor(30.0, 180, "Nieder 2006"))
    assert validate_text(json.dumps(raw))[1] == []
    assert time_factor_from(raw) == TimeFactor(30.0, 180, "Nieder 2006")
    raw["reirradiation_time_factor"]["recovery_pct"] = 130
    issues = validate_text(json.dumps(raw))[1]
    assert any("reirradiation_time_factor.recovery_pct" in str(i) for i in issues)
    store_time_factor(raw, None)
    assert "reirradiation_time_factor" not in raw


def _sample_links():
    from conftest import SAMPLE_DICOM
    from rtreview.core.constraints.plan_check import suggest_for_link
    from rtreview.core.constraints import shipped_protocols
    from rtreview.core.dicom.loader import load

    case = load([str(SAMPLE_DICOM)])
    links = sorted(case.links, key=lambda link: link.plan.date)
    return case, links, [suggest_for_link(shipped_protocols(), link) for link in links]


def test_the_weight_scales_the_earlier_courses_eqd2_in_the_composite():
    """Mean EQD2 is linear over the composite's sample points: with LIVER at weight 0.5 the
    composite mean is 0.5 x LIVER's mean + L ILIUM's mean, per structure dosed by both."""
    from rtreview.core.compare.composite_frames import check_across_frames

    case, links, protocols = _sample_links()  # the courses are on two CTs: through the sample's REG
    plain, mappings = check_across_frames(case, links, protocols)
    assert mappings is not None
    half, _ = check_across_frames(case, links, protocols, course_weights={"LIVER": (0.5, "LIVER: counted at 50 %")})
    assert "LIVER: counted at 50 %" in half.notes
    assert plain.dvhs and set(half.dvhs) == set(plain.dvhs)
    for name, dvh in plain.dvhs.items():
        each = plain.course_dvhs[name]
        assert dvh.mean_gy == pytest.approx(each["LIVER"].mean_gy + each["L ILIUM"].mean_gy, rel=1e-6, abs=1e-9)
        assert half.dvhs[name].mean_gy == pytest.approx(0.5 * each["LIVER"].mean_gy + each["L ILIUM"].mean_gy,
                                                        rel=1e-6, abs=1e-9)


def test_check_reads_the_factor_from_the_case_file_and_says_so(tmp_path):
    import subprocess
    import sys

    from conftest import SAMPLE_DICOM
    from rtreview.core.timeline import bundled_example_path

    data = json.loads(bundled_example_path().read_text(encoding="utf-8"))
    args = [sys.executable, "-m", "rtreview", "check", str(SAMPLE_DICOM), "--format", "json"]
    off = json.loads(subprocess.run(args, capture_output=True, text=True, timeout=300).stdout)
    assert not any("time factor" in n for n in off["composite"]["notes"])  # off by default
    data["reirradiation_time_factor"] = {"enabled": True, "recovery_pct": 50, "min_interval_days": 90,
                                         "source": "test"}
    path = tmp_path / "tf.case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    on = json.loads(subprocess.run(args + ["--case", str(path)], capture_output=True, text=True, timeout=300).stdout)
    notes = " ".join(on["composite"]["notes"])
    # LIVER ended 2020-07-07, L ILIUM started 2020-10-14 (the case file's dates): 99 days >= 90
    assert "count 50 % of their EQD2" in notes and "LIVER: ended 99 days before L ILIUM started" in notes
    before = {(r["structure"], r["metric"], r["level"]): r for r in off["composite"]["results"]}
    after = {(r["structure"], r["metric"], r["level"]): r for r in on["composite"]["results"]}
    doses = [k for k in before if before[k]["unit"] == "Gy EQD2" and before[k]["value"] is not None]
    assert doses and all(after[k]["value"] <= before[k]["value"] + 1e-9 for k in doses)
    assert any(after[k]["value"] < before[k]["value"] - 0.01 for k in doses)
