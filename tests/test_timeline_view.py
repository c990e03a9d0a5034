"""The timeline pane (pytest-qt, offscreen): plan linking, marker values, editing, files."""
import datetime as dt
import json

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.timeline import (Note, RtCourse, SystemicTherapy, bundled_example_path, load_case, new_case)
from rtreview.gui.timeline.event_form import EventFormDialog, FollowUpDialog
from rtreview.gui.timeline.items import BarItem, FadeTailItem, LabelItem, MarkerItem
from rtreview.core.timeline.layout import date_to_x, pack_rows
from rtreview.gui.timeline.view import TimelineView
from gui_helpers import drop_paths


@pytest.fixture()
def view(qtbot):
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(1600, 300)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.open_case(bundled_example_path())
    return widget


def _click_item(qtbot, view, item, double=False):
    plot_view = view.lanes_plot
    scene_point = item.sceneBoundingRect().center()
    point = plot_view.mapFromScene(scene_point)
    if double:
        qtbot.mouseDClick(plot_view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=point)
    else:
        qtbot.mouseClick(plot_view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=point)


def test_clicking_the_liver_course_emits_its_plan_label(qtbot, view):
    bar = view.event_items["rt-liver"]
    assert isinstance(bar, BarItem)
    with qtbot.waitSignal(view.rt_course_activated, timeout=2000) as blocker:
        _click_item(qtbot, view, bar)
    assert blocker.args == ["LIVER"]
    assert bar.highlighted and not view.event_items["rt-ilium"].highlighted


def test_highlight_plan_marks_its_course(view):
    view.highlight_plan("l ilium")
    assert view.event_items["rt-ilium"].highlighted
    assert not view.event_items["rt-liver"].highlighted
    view.highlight_plan("")
    assert not view.event_items["rt-ilium"].highlighted


def test_marker_lane_plots_exactly_the_files_values(view):
    document = json.loads(bundled_example_path().read_text(encoding="utf-8"))
    assert set(view.marker_curves) == {"afp", "pivka"}
    for series in document["lab_series"]:
        x, y = view.marker_curves[series["id"]].getOriginalDataset()
        assert list(y) == [s["value"] for s in series["samples"]]
        assert list(x) == [date_to_x(dt.date.fromisoformat(s["date"])) for s in series["samples"]]
        assert series["unit"] in view.marker_curves[series["id"]].name()
    assert view.markers_plot.getPlotItem().getAxis("left").logMode
    scatter = view.marker_curves["afp"].scatter
    tip = scatter.opts["tip"](x=0, y=0, data=scatter.data["data"][0])
    assert "12400 ng/mL" in tip and "2020-06-08" in tip and "Illustrative" in tip


def test_ongoing_therapies_are_open_ended_and_tooltips_carry_source(view):
    tails = [i for i in view.lanes_plot.getPlotItem().items if isinstance(i, FadeTailItem)]
    assert len(tails) == 3  # lenvatinib, camrelizumab, lenalidomide
    tip = view.event_items["lenvatinib"].toolTip()
    assert "8" in tip and "Source: case report" in tip and "Illustrative" in tip
    assert "dose per fraction</i></td><td>2 Gy" in view.event_items["rt-liver"].toolTip()
    assert "Illustrative" not in view.event_items["haic"].toolTip()
    assert isinstance(view.event_items["pd-2021-06"], MarkerItem)


def test_labels_do_not_overlap_at_1600_by_300(view, qtbot):
    qtbot.waitUntil(lambda: not view._relayout_timer.isActive())
    view.grab()  # text items take their final scene positions when painted
    labels = [i for i in view.lanes_plot.getPlotItem().items if isinstance(i, LabelItem)]
    rects = [label.sceneBoundingRect().adjusted(1, 1, -1, -1) for label in labels]
    overlaps = [(a.event_id, b.event_id) for i, a in enumerate(labels) for j, b in enumerate(labels)
                if i < j and rects[i].intersects(rects[j])]
    assert overlaps == []
    view_rect = view.lanes_plot.getPlotItem().getViewBox().sceneBoundingRect()
    outside = [(l.event_id, r.center()) for l, r in zip(labels, rects) if not view_rect.contains(r.center())]
    assert outside == [], (view_rect, view.lanes_plot.getPlotItem().getViewBox().viewRange())


def test_facts_summarise_lines_and_pfs(view):
    facts = view.facts_html()
    assert "lenalidomide + lenvatinib (continued) + camrelizumab (continued)" in facts
    assert "1102 days, 36.2 months, censored at the last follow-up" in facts


def test_right_click_opens_the_items_menu(view, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(view, "_exec_menu", lambda menu, pos: shown.append(menu.actions()[0].text()))
    point = view.lanes_plot.mapFromScene(view.event_items["haic"].sceneBoundingRect().center())
    with qtbot.waitSignal(view.lanes_plot.item_menu_requested, timeout=2000):
        qtbot.mouseClick(view.lanes_plot.viewport(), QtCore.Qt.MouseButton.RightButton, pos=point)
    assert shown == ["Edit “HAIC-FOLFOX”…"]


def test_item_menu_and_pfs_start(view, monkeypatch):
    texts = [a.text() for a in view.item_menu("lenvatinib").actions() if a.text()]
    assert texts[0].startswith("Edit") and "Delete…" in texts and "PFS from here (Facts)" in texts
    view.set_pfs_start("lenvatinib")
    assert "event: PD" in view.facts_html() and "342 days" in view.facts_html()
    view.set_pfs_start("lenvatinib")  # again: back to the default
    assert "1102 days" in view.facts_html()


def test_warnings_are_listed(view):
    codes = [w.code for w in view.warnings]
    assert "rt_fractions_exceed_weekdays" in codes
    assert view.warnings_button.text().startswith("⚠ 1")
    assert "9 weekdays" in view.event_items["rt-liver"].toolTip()
    view.warnings_button.menu().actions()[0].trigger()  # choosing a warning selects its event
    assert view.event_items["rt-liver"].highlighted and view.edit_action.isEnabled()
    view.set_plans([])
    assert "plan_not_found" in [w.code for w in view.warnings]
    assert "DICOM plan: not among the loaded plans" in view.event_items["rt-liver"].toolTip()


def test_add_edit_delete_and_save(view, tmp_path, monkeypatch):
    path = tmp_path / "edited.case.json"
    assert view.save_case(path) and not view.is_modified()
    new = Note(id="note-x", date=dt.date(2022, 1, 10), title_text="tumor board", source="test")
    monkeypatch.setattr(EventFormDialog, "ask", classmethod(lambda cls, parent=None, event=None: new))
    curve = view.marker_curves["afp"]
    assert view.add_event() and view.is_modified()
    assert "note-x" in view.event_items
    assert view.marker_curves["afp"] is curve  # an edit does not rebuild the marker plot
    clash = Note(id="note-x", date=dt.date(2022, 2, 1), title_text="again", source="test")
    monkeypatch.setattr(EventFormDialog, "ask", classmethod(lambda cls, parent=None, event=None: clash))
    assert view.add_event() and clash.id == "note-1"
    edited = RtCourse(id="rt-liver", site="Liver", start_date=dt.date(2020, 6, 25), end_date=dt.date(2020, 7, 29),
                      dose_gy=50.0, fractions=25, plan_label="LIVER", source="corrected")
    monkeypatch.setattr(EventFormDialog, "ask", classmethod(lambda cls, parent=None, event=None: edited))
    assert view.edit_event("rt-liver")
    assert "rt_fractions_exceed_weekdays" not in [w.code for w in view.warnings]
    monkeypatch.setattr(view, "_confirm", lambda text: True)
    assert view.delete_event("mri-9m")
    assert "mri-9m" not in view.event_items
    assert view.save_case() and not view.is_modified()
    again = load_case(path)
    assert again.event_by_id("note-x").title == "tumor board"
    assert again.event_by_id("rt-liver").end_date == dt.date(2020, 7, 29)
    with pytest.raises(KeyError):
        again.event_by_id("mri-9m")


def test_bad_file_is_reported_not_raised(view, tmp_path, monkeypatch):
    errors = []
    monkeypatch.setattr(view, "_show_error", lambda title, text: errors.append(text))
    bad = tmp_path / "bad.case.json"
    bad.write_text('{"format": "rtreview-case", "format_version": 1,\n "events": [{"kind": 3}]}')
    assert not view.open_case(bad)
    assert "line 2: events[0].kind" in errors[0]
    assert view.case_path() == bundled_example_path()


def test_dropping_a_case_file_opens_it(view, tmp_path, qtbot):
    path = tmp_path / "dropped.case.json"
    path.write_text('{"format": "rtreview-case", "format_version": 1, "events": '
                    '[{"kind": "diagnosis", "date": "2019-01-02", "disease": "X"}]}')
    drop_paths(view, [path])
    assert view.case_path() == path and list(view.event_items) == ["diagnosis-1"]
    assert not view.markers_plot.isVisible()


def test_empty_case_renders(qtbot):
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.set_case(new_case("P"))
    widget.resize(800, 200)
    widget.show()
    assert widget.event_items == {} and widget.grab().width() == 800


def test_event_form_builds_and_validates(qtbot):
    case = load_case(bundled_example_path())
    original = case.event_by_id("lenvatinib")
    original.raw["x_custom"] = 1
    dialog = EventFormDialog(None, original)
    qtbot.addWidget(dialog)
    dialog.editors["end_date"].setText("2022-01-31")
    dialog.editors["ongoing"].setChecked(False)
    dialog.accept()
    event = dialog.result_event
    assert isinstance(event, SystemicTherapy) and event.id == "lenvatinib"
    assert event.end_date == dt.date(2022, 1, 31) and not event.ongoing and event.raw["x_custom"] == 1
    dialog = EventFormDialog(None, None)
    qtbot.addWidget(dialog)
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("rt_course"))
    dialog.editors["start_date"].setText("2020-13-01")
    dialog.editors["site"].setText("Brain")
    dialog.accept()
    assert dialog.result_event is None
    assert "start_date" in dialog.error_label.text() and "dose_gy" in dialog.error_label.text()


def test_pack_rows():
    assert pack_rows([(0, 10), (5, 8), (11, 12), (9, 20)]) == [0, 1, 0, 1]


def test_sample_dicom_finds_the_worked_example_and_its_plans_agree(qtbot, sample_dicom):
    from rtreview.cli.timeline import load_plans

    plans = load_plans([str(sample_dicom)])
    if len(plans) < 2:
        pytest.skip("sample DICOM plans not generated")
    widget = TimelineView()
    qtbot.addWidget(widget)
    assert widget.open_case_for_dicom([sample_dicom], plans[0].patient_id)
    assert widget.case_path() == bundled_example_path()
    widget.set_plans(plans)
    assert not [w for w in widget.warnings if w.code.startswith(("plan_", "patient_id"))]
    assert "DICOM plan LIVER: 50 Gy / 25 fx" in widget.event_items["rt-liver"].toolTip()
    assert "rt-liver" in widget.event_items


def test_dicom_of_another_patient_clears_the_timeline(view, tmp_path):
    assert not view.open_case_for_dicom([tmp_path], "SOMEONE-ELSE")
    assert view.event_items == {} and view.case().patient.patient_id == "SOMEONE-ELSE"
    assert view.case_path() is None


def test_degenerate_cases_render(qtbot, tmp_path):
    """Odd but valid files: end before start, open RT course, one-day bars, a zero marker value."""
    path = tmp_path / "odd.case.json"
    path.write_text(json.dumps({"format": "rtreview-case", "format_version": 1, "events": [
        {"id": "r1", "kind": "rt_course", "site": "x", "start_date": "2021-01-10", "end_date": "2021-01-05",
         "dose_gy": 8, "fractions": 1},
        {"id": "r2", "kind": "rt_course", "site": "y", "start_date": "2021-02-01", "dose_gy": 20, "fractions": 5},
        {"id": "s1", "kind": "systemic_therapy", "drug": "x", "start_date": "2021-01-01", "end_date": "2021-01-01",
         "ongoing": True},
        {"id": "p1", "kind": "procedure", "name": "TACE", "date": "2021-03-01", "end_date": "2021-03-01"},
        {"id": "d1", "kind": "death", "date": "2021-04-01"}],
        "lab_series": [{"id": "m", "analyte": "AFP", "unit": "ng/mL", "samples": [
            {"date": "2021-01-01", "value": 0}, {"date": "2021-02-01", "value": 5}]}]}))
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    assert widget.open_case(path)
    assert set(widget.event_items) == {"r1", "r2", "s1", "p1", "d1"}
    assert {"rt_end_before_start", "therapy_end_and_ongoing"} <= {w.code for w in widget.warnings}
    assert not widget.grab().isNull()


def test_follow_up_edit_moves_pfs(view, qtbot, monkeypatch):
    dialog = FollowUpDialog(None, view.case().last_follow_up)
    qtbot.addWidget(dialog)
    dialog.date_edit.setText("2025-13-01")
    dialog.accept()
    assert dialog.result_follow_up is None and "last_follow_up.date" in dialog.error_label.text()
    dialog.date_edit.setText("2025-01-15")
    dialog.illustrative_box.setChecked(False)
    dialog.accept()
    follow_up = dialog.result_follow_up
    assert follow_up.date == dt.date(2025, 1, 15) and not follow_up.illustrative and follow_up.status
    monkeypatch.setattr(FollowUpDialog, "ask", classmethod(lambda cls, parent=None, f=None: follow_up))
    assert view.edit_follow_up() and view.is_modified()
    assert "1300 days" in view.facts_html()
