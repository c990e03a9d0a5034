"""Liver-function case facts (Child-Pugh, ALBI, HBV/HCV, prior liver-directed therapy) and the
RT course details (dose per fraction, schedule, delivered fractions, interruptions, OTT)."""
import datetime as dt
import json

import pytest

from rtreview.core.timeline import (CaseFileError, albi_grade_for_score, bundled_example_path, check_case,
                                    child_pugh_class_for_score, dumps_case, liver_status_at, load_case, loads_case,
                                    summarize, validate_text)
from rtreview.core.timeline.model import LiverFunction, Procedure, RtCourse


def _case(*events):
    return json.dumps({"format": "rtreview-case", "format_version": 1, "events": list(events)})


LIVER_A = {"id": "lf-1", "kind": "liver_function", "date": "2020-06-01", "child_pugh_class": "A",
           "child_pugh_score": 6, "albi_grade": 2, "albi_score": -2.3, "hbv_status": "positive",
           "antiviral": "entecavir", "source": "clinic letter"}
LIVER_B = {"id": "lf-2", "kind": "liver_function", "date": "2021-01-10", "child_pugh_class": "B",
           "child_pugh_score": 7, "source": "clinic letter 2"}
TACE = {"id": "tace", "kind": "procedure", "date": "2020-03-01", "name": "TACE"}
RT = {"id": "rt", "kind": "rt_course", "site": "Liver", "start_date": "2020-06-25", "end_date": "2020-07-29",
      "dose_gy": 50, "fractions": 25}


def test_schema_accepts_liver_function_and_course_details():
    course = dict(RT, dose_per_fraction_gy=2, schedule="daily", fractions_delivered=24, technique="VMAT",
                  interruptions=[{"start_date": "2020-07-06", "end_date": "2020-07-08", "reason": "neutropenia"}])
    _, issues = validate_text(_case(LIVER_A, LIVER_B, TACE, course))
    assert issues == []


@pytest.mark.parametrize("field,value,message", [
    ("child_pugh_score", 16, "child_pugh_score: must be <= 15"),
    ("child_pugh_class", "D", "child_pugh_class: must be one of"),
    ("albi_grade", 4, "albi_grade: must be <= 3"),
    ("hbv_status", "yes", "hbv_status: must be one of"),
])
def test_bad_liver_fact_names_the_field(field, value, message):
    _, issues = validate_text(_case(dict(LIVER_A, **{field: value})))
    assert any(message in str(i) and "events[0]" in str(i) for i in issues), issues


def test_bad_course_details_name_the_field():
    bad = dict(RT, schedule="weekly", interval_hours=30, interruptions=[{"reason": "no date"}])
    with pytest.raises(CaseFileError) as err:
        loads_case(_case(bad))
    text = str(err.value)
    assert "events[0].schedule" in text and "events[0].interval_hours" in text
    assert "events[0].interruptions[0].start_date" in text


def test_child_pugh_and_albi_conventions():
    assert [child_pugh_class_for_score(s) for s in (5, 6, 7, 9, 10, 15)] == ["A", "A", "B", "B", "C", "C"]
    with pytest.raises(ValueError):
        child_pugh_class_for_score(4)
    assert albi_grade_for_score(-2.60) == 1 and albi_grade_for_score(-2.59) == 2
    assert albi_grade_for_score(-1.39) == 2 and albi_grade_for_score(-1.38) == 3


def test_status_at_takes_the_latest_fact_before_the_date():
    case = loads_case(_case(LIVER_A, LIVER_B, TACE, RT))
    before_rt = liver_status_at(case, dt.date(2020, 6, 25))
    assert before_rt.child_pugh == "A" and before_rt.child_pugh_score.value == 6
    assert before_rt.child_pugh_text() == "Child-Pugh A6 (2020-06-01)"
    assert before_rt.hbv_status.value == "positive" and before_rt.hcv_status is None
    assert [p.id for p in before_rt.prior_liver_directed] == ["tace"]
    later = liver_status_at(case, dt.date(2021, 2, 1))
    assert later.child_pugh == "B" and later.child_pugh_score.value == 7
    assert later.hbv_status.date == dt.date(2020, 6, 1)  # the later assessment says nothing of HBV
    nothing = liver_status_at(case, dt.date(2020, 1, 1))
    assert nothing.child_pugh is None and nothing.child_pugh_text().startswith("needs Child-Pugh")
    assert dict(nothing.lines())["Prior liver-directed therapy"] == "none recorded before 2020-01-01"


def test_score_alone_gives_the_class_and_illustrative_is_kept():
    case = loads_case(_case({"kind": "liver_function", "date": "2020-05-01", "child_pugh_score": 8,
                             "illustrative": True, "source": "made up"}))
    status = liver_status_at(case, dt.date(2020, 6, 1))
    assert status.child_pugh == "B" and status.child_pugh_score.illustrative
    assert "(illustrative)" in status.child_pugh_text()


def test_the_worked_case_gives_no_liver_function_so_it_needs_child_pugh():
    case = load_case(bundled_example_path())
    assert case.of_kind(LiverFunction) == []
    liver = case.event_by_id("rt-liver")
    status = liver_status_at(case, liver.start_date)
    assert status.child_pugh is None and status.hbv_status is None
    assert status.prior_liver_directed == ()  # HAIC came in 2021, after both courses
    haic = case.event_by_id("haic")
    assert isinstance(haic, Procedure) and haic.is_liver_directed
    summary = summarize(case)
    rows = {row["event_id"]: row for row in summary["liver_status"]}
    assert rows["rt-liver"]["child_pugh"] is None and rows["rt-liver"]["prior_liver_directed"] == []


def test_checks_mismatch_bid_dose_per_fraction_delivery_interruptions():
    bid = dict(RT, id="bid", start_date="2020-06-01", end_date="2020-06-12", fractions=20, dose_gy=30,
               schedule="twice_daily", interval_hours=6)
    daily = dict(RT, id="daily", start_date="2020-06-01", end_date="2020-06-12", fractions=20, dose_gy=30)
    odd = dict(RT, id="odd", dose_per_fraction_gy=2.2, fractions_delivered=20,
               interruptions=[{"start_date": "2020-08-30", "reason": "after the end"}])
    case = loads_case(_case(dict(LIVER_A, child_pugh_class="B"), dict(LIVER_B, id="lf-3", albi_grade=1,
                                                                       albi_score=-1.2), bid, daily, odd))
    codes = {(w.code, w.event_id) for w in check_case(case)}
    assert ("child_pugh_class_mismatch", "lf-1") in codes and ("albi_grade_mismatch", "lf-3") in codes
    assert ("rt_fractions_exceed_weekdays", "daily") in codes
    assert ("rt_fractions_exceed_weekdays", "bid") not in codes  # 20 fx in 10 weekdays, twice daily
    assert ("rt_dose_per_fraction_differs", "odd") in codes
    assert ("rt_fractions_not_all_delivered", "odd") in codes
    assert ("rt_interruption_outside_course", "odd") in codes


def test_course_details_derived_and_round_tripped():
    course_json = dict(RT, fractions_delivered=24, schedule="daily", technique="VMAT",
                       interruptions=[{"start_date": "2020-07-06", "end_date": "2020-07-08", "reason": "fever"}])
    case = loads_case(_case(course_json))
    course = case.event_by_id("rt")
    assert isinstance(course, RtCourse)
    assert course.per_fraction_gy == 2.0 and course.delivered_dose_gy == 48.0
    assert course.overall_treatment_days == 35  # 2020-06-25 .. 2020-07-29, both counted
    details = dict(course.details())
    assert details["fractions delivered"] == "24 of 25 planned (48 Gy delivered)"
    assert details["interruption"] == "2020-07-06..2020-07-08 fever"
    again = json.loads(dumps_case(case))["events"][0]
    assert again == course_json
    row = summarize(case)["events"][0]
    assert row["overall_treatment_days"] == 35 and row["fractions_delivered"] == 24
    assert row["interruptions"] == [{"start_date": "2020-07-06", "end_date": "2020-07-08", "reason": "fever"}]


def test_event_form_edits_liver_function_and_interruptions(qtbot):
    from rtreview.gui.timeline.event_form import EventFormDialog, parse_interruptions

    dialog = EventFormDialog(None, None)
    qtbot.addWidget(dialog)
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("liver_function"))
    dialog.editors["date"].setText("2020-06-20")
    dialog.editors["child_pugh_class"].setCurrentText("B")
    dialog.editors["child_pugh_score"].setText("7")
    dialog.editors["hbv_status"].setCurrentText("positive")
    dialog.editors["illustrative"].setChecked(True)
    dialog.accept()
    event = dialog.result_event
    assert isinstance(event, LiverFunction)
    assert (event.child_pugh_class, event.child_pugh_score, event.hbv_status) == ("B", 7, "positive")
    assert event.illustrative and event.date == dt.date(2020, 6, 20)

    case = loads_case(_case(RT))
    dialog = EventFormDialog(None, case.event_by_id("rt"))
    qtbot.addWidget(dialog)
    dialog.editors["interruptions"].setText("2020-07-06..2020-07-08 neutropenia; 2020-07-15")
    dialog.editors["fractions_delivered"].setText("24")
    dialog.editors["schedule"].setCurrentText("daily")
    dialog.accept()
    edited = dialog.result_event
    assert edited.fractions_delivered == 24 and edited.schedule == "daily"
    assert edited.interruption_spans() == [(dt.date(2020, 7, 6), dt.date(2020, 7, 8), "neutropenia"),
                                           (dt.date(2020, 7, 15), None, "")]
    dialog = EventFormDialog(None, edited)
    qtbot.addWidget(dialog)
    assert dialog.editors["interruptions"].text() == "2020-07-06..2020-07-08 neutropenia; 2020-07-15"
    dialog.editors["interruptions"].setText("2020-7-6 bad date")
    dialog.accept()
    assert dialog.result_event is None and "interruptions[0].start_date" in dialog.error_label.text()
    assert parse_interruptions("") == []
