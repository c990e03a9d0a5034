"""The case timeline in the review window: found beside the sample, linked with the plans,
case files by menu, drop and --case (issue 7's GUI tests)."""
import datetime as dt
import inspect
import json
import shutil

import numpy as np
import pytest
from PySide6 import QtCore

from rtreview.core.timeline import bundled_example_path
from rtreview.core.timeline.layout import date_to_x
from conftest import SAMPLE_DICOM
from gui_helpers import drop_paths
from integration_support import close_window, open_sample_window, wait_all

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("RD_*.dcm")), reason="sample_dicom/ not generated yet")


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    w = open_sample_window(str(tmp_path_factory.mktemp("settings") / "settings.ini"))
    yield w
    close_window(w)


def _click(qtbot, view, item):
    plot = view.lanes_plot
    qtbot.mouseClick(plot.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=plot.mapFromScene(item.sceneBoundingRect().center()))


def _select_plan(w, label):
    item = next(i for i in w.plan_tree.plan_items() if i.text(0).startswith(label + " "))
    w.plan_tree.setCurrentItem(item)
    wait_all(w)


def test_the_worked_example_is_found_beside_the_sample(window):
    assert window.timeline_view.case_path() == bundled_example_path()
    assert window.timeline.dock.isVisible() and not window.report_dock.isVisible()
    assert window.timeline_view.event_items["rt-liver"].highlighted  # LIVER is selected first


def test_clicking_the_liver_course_selects_the_liver_plan_and_shows_its_dvhs(qtbot, window):
    from rtreview.core.dvh import compute_dvh

    w, view = window, window.timeline_view
    _select_plan(w, "L ILIUM")
    assert w.session.link.label == "L ILIUM"
    assert view.event_items["rt-ilium"].highlighted and not view.event_items["rt-liver"].highlighted
    _click(qtbot, view, view.event_items["rt-liver"])
    wait_all(w)
    link = w.session.link
    assert link.label == "LIVER" and "LIVER" in w.windowTitle()
    assert view.event_items["rt-liver"].highlighted and not view.event_items["rt-ilium"].highlighted
    plotted = w.dvh_plot.visible_curve_data()
    assert len(plotted) >= 15
    for number, (x, y) in plotted.items():
        assert np.array_equal(x, w.session.dvhs[number].dose_gy)
        assert np.array_equal(y, w.session.dvhs[number].cumulative_cc)
    ptv = link.structure_set.roi("PTV_LIVER")
    own = compute_dvh(ptv, link.dose, prescription_gy=50.0)  # the engine, independently
    x, y = plotted[ptv.number]
    assert np.array_equal(x, own.dose_gy) and np.allclose(y, own.cumulative_cc)
    assert w.constraints.tabs.tabText(0) == "Plan LIVER"  # the constraints followed
    assert w.constraints.evaluations["plan"].plan_label == "LIVER"


def test_the_marker_lane_plots_the_files_values(window):
    view = window.timeline_view
    document = json.loads(bundled_example_path().read_text(encoding="utf-8"))
    assert set(view.marker_curves) == {s["id"] for s in document["lab_series"]}
    for series in document["lab_series"]:
        x, y = view.marker_curves[series["id"]].getOriginalDataset()
        assert list(y) == [s["value"] for s in series["samples"]]
        assert list(x) == [date_to_x(dt.date.fromisoformat(s["date"])) for s in series["samples"]]
    assert view.markers_plot.isVisible()


def test_the_pdf_export_gets_the_case_file_on_show(window, monkeypatch):
    from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions

    started = []
    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(
        lambda cls, parent, labels, path, selected=None: ExportPdfOptions("/nonexistent/x.pdf", labels)))
    monkeypatch.setattr(window.pdf_export, "start", lambda case, options: started.append(options))
    window.export_pdf_action.trigger()
    assert started[0].case_file == str(bundled_example_path())
    assert started[0].plan_labels == ["LIVER", "L ILIUM"]


def test_dropping_a_case_file_opens_it_in_the_timeline_not_the_loader(qtbot, window, tmp_path):
    w = window
    copy = tmp_path / "patient.case.json"
    shutil.copy(bundled_example_path(), copy)
    case_before = w.session.case
    drop_paths(w.dvh_plot, [copy])
    assert w.timeline_view.case_path() == copy
    assert not w.runner.busy and w.session.case is case_before  # nothing went to the DICOM loader
    bad = tmp_path / "broken.json"
    bad.write_text("{ not json")
    drop_paths(w.slices, [bad])  # reported in the load report, never a dialog or traceback
    assert w.report_dock.isVisible() and "Cannot open the case file" in w.statusBar().currentMessage()
    assert w.timeline_view.case_path() == copy


def test_file_menu_has_the_timeline_actions(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    for text in ("Open case timeline…", "Save case timeline", "Save case timeline as…"):
        assert text in texts
    assert not window.timeline_view.open_action.isVisible()  # the pane's own buttons give way to the menu


def test_closing_with_an_unsaved_case_asks_first(window):
    view = window.timeline_view
    view.mark_modified()
    questions = []
    view._confirm = lambda text: questions.append(text) or False  # "stay"
    window.close()
    assert questions and "unsaved" in questions[0] and window.isVisible()


def test_case_argument_reaches_the_window(monkeypatch, tmp_path):
    import rtreview.gui.app as gui_app
    from rtreview.cli import main as cli

    assert inspect.signature(gui_app.run).parameters["case"].default is None
    seen = {}
    monkeypatch.setattr(gui_app, "run", lambda paths, screenshot=None, case=None: seen.update(
        paths=paths, screenshot=screenshot, case=case) or 0)
    assert cli.main(["--case", str(tmp_path / "x.case.json"), "sample_dicom"]) == 0
    assert seen == {"paths": ["sample_dicom"], "screenshot": None, "case": str(tmp_path / "x.case.json")}
