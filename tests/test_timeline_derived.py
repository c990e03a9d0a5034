"""Derived facts and consistency checks on the worked example."""
import datetime as dt
from types import SimpleNamespace

import pytest

from rtreview.core.timeline import (bundled_example_path, check_case, lines_of_therapy, load_case,
                               progression_free_survival, time_on_therapy, weekdays_between)
from rtreview.core.timeline.model import SystemicTherapy


@pytest.fixture()
def case():
    return load_case(bundled_example_path())


def test_example_uses_the_reported_dates_and_doses(case):
    liver = case.event_by_id("rt-liver")
    assert (liver.start_date, liver.end_date, liver.dose_gy, liver.fractions, liver.plan_label) == (
        dt.date(2020, 6, 25), dt.date(2020, 7, 7), 50, 25, "LIVER")
    assert not liver.illustrative
    ilium = case.event_by_id("rt-ilium")
    assert (ilium.dose_gy, ilium.fractions, ilium.plan_label, ilium.illustrative) == (30, 10, "L ILIUM", True)
    assert case.event_by_id("lenalidomide").start_date == dt.date(2021, 6, 25)
    assert case.event_by_id("haic").date == dt.date(2021, 3, 15)
    assert all(e.source for e in case.events)
    assert all(s.illustrative for s in case.lab_series)


def test_lines_of_therapy(case):
    first, second = lines_of_therapy(case)
    assert first.drugs == ["lenvatinib", "camrelizumab"] and first.end_date == dt.date(2021, 6, 25)
    assert second.drugs == ["lenalidomide"]
    assert second.continued_drugs == ["lenvatinib", "camrelizumab"]
    assert second.ongoing and second.end_date == case.last_follow_up_date


def test_time_on_therapy_runs_to_last_follow_up_when_ongoing(case):
    durations = {t.drug: t for t in time_on_therapy(case)}
    assert durations["lenalidomide"].days == (dt.date(2024, 7, 1) - dt.date(2021, 6, 25)).days
    assert all(t.ongoing for t in durations.values())


def test_pfs_from_lenalidomide_is_over_three_years_and_censored(case):
    pfs = progression_free_survival(case)
    assert pfs.start_date == dt.date(2021, 6, 25)
    assert pfs.censored and not pfs.progressed
    assert pfs.years > 3 and pfs.days == 1102
    assert progression_free_survival(case, "lenalidomide").days == 1102


def test_pfs_from_first_line_ends_at_the_june_2021_progression(case):
    pfs = progression_free_survival(case, "lenvatinib")
    assert pfs.progressed and pfs.event_id == "pd-2021-06" and pfs.end_date == dt.date(2021, 6, 15)
    last_scan = progression_free_survival(case, censor_at="last_assessment")
    assert last_scan.censored and last_scan.end_date == dt.date(2023, 6, 25)


def test_lines_are_inferred_from_progressions_when_not_given(case):
    for event in case.events:
        if isinstance(event, SystemicTherapy):
            event.line = None
    lines = lines_of_therapy(case)
    assert [l.drugs for l in lines] == [["lenvatinib", "camrelizumab"], ["lenalidomide"]]
    assert all(l.line_inferred for l in lines)


def test_weekday_counting():
    assert weekdays_between(dt.date(2020, 6, 25), dt.date(2020, 7, 7)) == 9
    assert weekdays_between(dt.date(2020, 10, 14), dt.date(2020, 10, 27)) == 10
    assert weekdays_between(dt.date(2024, 1, 6), dt.date(2024, 1, 7)) == 0


def test_liver_course_fraction_warning(case):
    warnings = check_case(case)
    [fit] = [w for w in warnings if w.code == "rt_fractions_exceed_weekdays"]
    assert fit.event_id == "rt-liver" and "9 weekdays" in fit.message and fit.severity == "warning"


def test_concurrent_systemic_therapy_is_noted_with_its_class(case):
    notes = [w for w in check_case(case) if w.code == "systemic_concurrent_with_rt"]
    assert {w.event_id for w in notes} == {"rt-ilium"}
    assert any("anti-VEGF" in w.message for w in notes)
    assert any("checkpoint" in w.message for w in notes)
    assert all(w.severity == "note" for w in notes)
    [near] = [w for w in check_case(case) if w.code == "systemic_near_rt"]
    assert near.event_id == "rt-liver" and "lenvatinib (anti-VEGF" in near.message and "1 day(s) after" in near.message


def test_events_after_last_follow_up(case):
    case.last_follow_up.date = dt.date(2023, 1, 1)
    late = [w.event_id for w in check_case(case) if w.code == "event_after_last_follow_up"]
    assert "mri-2y" in late and "afp" in late


def _plan(label, date, rx, fx, pid="RTR-SAMPLE-001"):
    return SimpleNamespace(label=label, date=date, prescription_gy=rx, fractions=fx, sop_instance_uid="1.2." + str(fx),
                           patient_id=pid)


def test_checks_against_plans(case):
    plans = [_plan("LIVER", "20200701", 50.0, 25), _plan("l ilium", "2020-10-12", 30.0, 10)]
    codes = {(w.code, w.event_id) for w in check_case(case, plans)}
    assert ("plan_date_after_course_start", "rt-liver") in codes
    assert not any(e == "rt-ilium" and c.startswith("plan_") for c, e in codes)
    plans = [_plan("LIVER", "2020-01-01", 45.0, 15, pid="OTHER"), _plan("L ILIUM", "2020-10-12", 30.0, 10)]
    codes = {w.code for w in check_case(case, plans)}
    assert {"plan_date_long_before_course", "plan_prescription_differs", "plan_fractions_differ",
            "patient_id_differs"} <= codes
    codes = {w.code for w in check_case(case, [_plan("OTHER", "", None, None)])}
    assert "plan_not_found" in codes
