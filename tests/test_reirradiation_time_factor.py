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
