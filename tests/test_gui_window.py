"""The review window on synthetic cases (fast): drops, plans, structures, curves, metrics,
the load report, replace/add, CSV export, cancellation and a responsive event loop."""
import csv

import numpy as np
import pytest
from PySide6 import QtCore, QtTest, QtWidgets

from rtreview.core.viewing.dvh_curves import CurveKind
from rtreview.gui import dialogs
from rtreview.gui.main_window import MainWindow
from rtreview.gui.dvh.metrics_table import MetricsTable
from gui_helpers import drop_paths, slow_loader, wait_idle
from synthetic_case import fake_dvhs, make_case


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(load_fn=None, dvh_fn=fake_dvhs):
        settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, load_fn=load_fn or (lambda paths, progress=None, cancel=None: make_case()),
                       dvh_fn=dvh_fn)
        qtbot.addWidget(w)
        w.timeline_view._confirm = lambda text: True  # an α/β edit marks the case modified: no modal at teardown
        w.resize(1600, 1000)
        w.show()
        return w
    return make


def loaded(qtbot, window, paths=("/virtual/case",)):
    window.dvh_plot.volume_unit.setCurrentText("cc")  # the engine's own units: Gy and cc
    drop_paths(window, paths)
    wait_idle(qtbot, window)
    return window


def test_drop_loads_and_plots_the_engine_arrays(qtbot, make_window):
    w = loaded(qtbot, make_window())
    assert w.session.link.label == "PLAN A"
    plotted = w.dvh_plot.visible_curve_data()
    assert set(plotted) == {1, 2}
    for number, (x, y) in plotted.items():
        dvh = w.session.dvhs[number]
        assert np.array_equal(x, dvh.dose_gy) and np.array_equal(y, dvh.cumulative_cc)
    assert w.metrics.table.rowCount() == 2
    assert w.recent_paths() == ["/virtual/case"]
    assert "PLAN A" in w.windowTitle()


def test_drop_on_a_child_widget_is_accepted_too(qtbot, make_window):
    w = make_window()
    drop_paths(w.slices.views[list(w.slices.views)[0]].viewport(), ["/virtual/x"])
    wait_idle(qtbot, w)
    assert w.session.case is not None


def test_switching_plan_switches_dose_curves_and_metrics(qtbot, make_window):
    w = loaded(qtbot, make_window())
    a_curves = {n: y.copy() for n, (x, y) in w.dvh_plot.visible_curve_data().items()}
    items = dict(w.dvh_plot.curves)
    plan_b = w.plan_tree.plan_items()[1]
    w.plan_tree.setCurrentItem(plan_b)
    wait_idle(qtbot, w)
    assert w.session.link.label == "PLAN B"
    for number, (x, y) in w.dvh_plot.visible_curve_data().items():
        dvh = w.session.dvhs[number]
        assert np.array_equal(x, dvh.dose_gy) and np.array_equal(y, dvh.cumulative_cc)
        assert not np.array_equal(x, w.session.dvhs_of(w.session.case.links[0])[number].dose_gy)
    assert a_curves
    assert all(w.dvh_plot.curves[n] is item for n, item in items.items())  # same items, new data
    assert w.metrics.rows[0].max_gy == pytest.approx(w.session.link.dose.max_gy)


def test_toggling_a_structure_hides_its_curve_and_row(qtbot, make_window):
    w = loaded(qtbot, make_window())
    item = w.structures.item(2)
    item.setCheckState(0, QtCore.Qt.CheckState.Unchecked)
    assert 2 not in w.session.visible
    assert not w.dvh_plot.curves[2].isVisible() and w.dvh_plot.curves[1].isVisible()
    assert 2 not in w.dvh_plot.visible_curve_data()
    assert [r.name for r in w.metrics.rows] == ["PTV"]
    w.structures.select("all")
    assert w.dvh_plot.curves[2].isVisible()
    w.structures.select("targets")
    assert w.session.visible == {1}
    w.structures.select("oars")
    assert w.session.visible == {2}
    w.structures.select("none")
    assert w.dvh_plot.visible_curve_data() == {}


def test_curve_settings_and_alpha_beta(qtbot, make_window):
    w = loaded(qtbot, make_window())
    w.dvh_plot.kind.setCurrentText(CurveKind.DIFFERENTIAL.value)
    x, y = w.dvh_plot.visible_curve_data()[1]
    assert np.array_equal(y, w.session.dvhs[1].differential_cc)
    w.dvh_plot.kind.setCurrentText(CurveKind.CUMULATIVE.value)
    w.dvh_plot.dose_unit.setCurrentText("EQD2 (Gy)")
    before = w.dvh_plot.visible_curve_data()[1][0].copy()
    w.structures.item(1).setText(3, "2")  # α/β of PTV: 10 -> 2 Gy
    assert w.session.alpha_beta_gy[1] == 2.0
    assert not np.allclose(before, w.dvh_plot.visible_curve_data()[1][0])


def test_hovering_a_curve_highlights_the_structure(qtbot, make_window):
    w = loaded(qtbot, make_window())
    vb = w.dvh_plot.plot.getViewBox()
    dvh = w.session.dvhs[2]
    i = len(dvh.dose_gy) // 3
    scene = vb.mapViewToScene(QtCore.QPointF(float(dvh.dose_gy[i]), float(dvh.cumulative_cc[i])))
    canvas = w.dvh_plot.canvas
    QtTest.QTest.mouseMove(canvas.viewport(), canvas.mapFromScene(scene))
    qtbot.waitUntil(lambda: w.session.highlighted == 2, timeout=2000)
    assert w.dvh_plot.curves[2].opts["pen"].widthF() > w.dvh_plot.curves[1].opts["pen"].widthF()
    assert "Cord" in w.dvh_plot.readout.text()
    assert w.structures.tree.currentItem() is w.structures.item(2)


def test_metrics_copy_and_atomic_csv_export(qtbot, make_window, tmp_path, monkeypatch):
    w = loaded(qtbot, make_window())
    w.metrics.levels_edit.setText("5, 10")
    w.metrics.levels_edit.editingFinished.emit()
    assert w.metrics.table.columnCount() == 14
    w.metrics.copy_to_clipboard()
    assert QtWidgets.QApplication.clipboard().text().startswith("Structure\tVolume")
    target = tmp_path / "out.csv"
    monkeypatch.setattr(MetricsTable, "ask_path", classmethod(lambda cls, parent, suggested: str(target)))
    w.metrics.ask_and_export()
    rows = list(csv.DictReader(target.open()))
    assert [r["structure"] for r in rows] == ["PTV", "Cord"] and rows[1]["partial_coverage"] == "yes"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []
    assert "out.csv" in w.statusBar().currentMessage()
    assert w.metrics.table.item(1, 2).toolTip().startswith("The dose grid covers only")


def test_new_patient_asks_replace_or_add(qtbot, make_window, monkeypatch):
    cases = {"/a": make_case("P1"), "/b": make_case("P2"), "/c": make_case("P3")}
    w = make_window(load_fn=lambda paths, progress=None, cancel=None: cases[paths[0]])
    loaded(qtbot, w, ["/a"])
    answers = iter([dialogs.ADD, dialogs.CANCEL, dialogs.REPLACE])
    asked = []
    monkeypatch.setattr(dialogs.ReplaceOrAddDialog, "ask",
                        classmethod(lambda cls, parent, cur, new: asked.append(new) or next(answers)))
    computed = []
    w.dvh_fn = lambda ss, dose, **kw: computed.append(dose.sop_instance_uid) or fake_dvhs(ss, dose, **kw)
    loaded(qtbot, w, ["/b"])
    assert [p.patient_id for p in w.session.case.patients] == ["P1", "P2"]
    assert len(computed) == 2  # only the added patient's two doses: P1's DVHs were kept
    assert len(w.plan_tree.plan_items()) == 4
    loaded(qtbot, w, ["/c"])
    assert [p.patient_id for p in w.session.case.patients] == ["P1", "P2"]
    loaded(qtbot, w, ["/c"])
    assert [p.patient_id for p in w.session.case.patients] == ["P3"]
    assert len(asked) == 3


def test_event_loop_runs_during_a_load_and_cancel_stops_it(qtbot, make_window):
    w = make_window(load_fn=slow_loader(make_case(), seconds=4.0))
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    drop_paths(w, ["/virtual/slow"])
    assert w.runner.busy and w.cancel_button.isVisible() and w.progress.isVisible()
    qtbot.waitUntil(lambda: len(ticks) >= 10 and w.progress.value() >= 3, timeout=2500)
    assert w.runner.busy  # the timer fired (and progress arrived) while the worker worked
    qtbot.mouseClick(w.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert not w.runner.busy and not w.cancel_button.isVisible()
    assert "cancelled" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: w.runner.running_threads == 0, timeout=5000)  # the thread really stopped
    qtbot.wait(50)
    assert w.session.case is None  # its result was not applied
    timer.stop()


def test_failures_go_to_the_report_not_a_traceback(qtbot, make_window):
    def broken(paths, progress=None, cancel=None):
        raise OSError("disk on fire")
    w = make_window(load_fn=broken)
    drop_paths(w, ["/virtual/x"])
    wait_idle(qtbot, w)
    assert any("disk on fire" in e[2] for e in w.report.entries())
    assert w.report_dock.isVisible()
    assert "Loading failed" in w.statusBar().currentMessage()


def test_a_newer_task_drops_the_older_result(qtbot, make_window):
    w = make_window(load_fn=slow_loader(make_case("OLD"), seconds=1.0))
    drop_paths(w, ["/virtual/old"])
    w.load_fn = lambda paths, progress=None, cancel=None: make_case("NEW")
    drop_paths(w, ["/virtual/new"])
    wait_idle(qtbot, w)
    qtbot.wait(1200)
    assert [p.patient_id for p in w.session.case.patients] == ["NEW"]


def test_a_dose_without_ct_or_structures_degrades_gracefully(qtbot, make_window):
    case = make_case()
    case.links[0].ct = None
    case.links[1].structure_set = None
    case.links[1].plan.prescription_gy = None
    w = loaded(qtbot, make_window(load_fn=lambda paths, progress=None, cancel=None: case))
    assert "No CT" in w.slices.views[list(w.slices.views)[0]].caption.text()
    assert w.dvh_plot.visible_curve_data()  # DVHs need no CT
    w.plan_tree.setCurrentItem(w.plan_tree.plan_items()[1])
    wait_idle(qtbot, w)
    assert w.dvh_plot.visible_curve_data() == {}
    assert "No structure set" in w.dvh_plot.message_text()
    assert "needs Rx" in w.slices.legend.text()  # isodose levels are % of Rx: none without it
    w.dvh_plot.dose_unit.setCurrentText("% Rx")
    assert "needs Rx" in w.dvh_plot.message_text()
    assert w.plan_tree.plan_items()[1].text(0).startswith("PLAN B — Rx unknown")


def test_file_menu_open_and_recent(qtbot, make_window, monkeypatch):
    opened = []
    w = make_window(load_fn=lambda paths, progress=None, cancel=None: opened.append(list(paths)) or make_case())
    monkeypatch.setattr(dialogs.OpenDialog, "ask_files", classmethod(lambda cls, parent: ["/virtual/a.zip"]))
    monkeypatch.setattr(dialogs.OpenDialog, "ask_folder", classmethod(lambda cls, parent: ["/virtual/folder"]))
    w.ask_open_files()
    wait_idle(qtbot, w)
    w.ask_open_folder()
    wait_idle(qtbot, w)
    assert opened == [["/virtual/a.zip"], ["/virtual/folder"]]
    recent = [a.text() for a in w.recent_menu.actions()]
    assert recent == ["/virtual/folder", "/virtual/a.zip"]
    w.recent_menu.actions()[1].trigger()
    wait_idle(qtbot, w)
    assert opened[-1] == ["/virtual/a.zip"]
    monkeypatch.setattr(dialogs.OpenDialog, "ask_files", classmethod(lambda cls, parent: []))
    w.ask_open_files()  # cancelled dialog: nothing happens
    assert not w.runner.busy and len(opened) == 3
