"""Slice views on a synthetic case: scrolling by wheel and keys, crosshair sync, window/level
presets and right-drag, isodose level entry, contours, readout."""
import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from rtreview.core.viewing.slicing import Plane, dose_at
from rtreview.core.viewing.window_level import PRESETS
from rtreview.gui.main_window import MainWindow
from gui_helpers import drop_paths, wait_idle
from synthetic_case import fake_dvhs, make_case


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, load_fn=lambda paths, progress=None, cancel=None: make_case(),
                   dvh_fn=fake_dvhs)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    drop_paths(w, ["/virtual/case"])
    wait_idle(qtbot, w)
    return w


def wheel(view, steps: int):
    pos = QtCore.QPointF(view.width() / 2, view.height() / 2)
    ev = QtGui.QWheelEvent(pos, view.mapToGlobal(pos), QtCore.QPoint(0, 0), QtCore.QPoint(0, 120 * steps),
                           QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                           QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(view.viewport(), ev)


def test_wheel_and_keys_scroll_slices_and_the_other_views_follow(qtbot, window):
    panel = window.slices
    axial = panel.views[Plane.AXIAL]
    start = panel.slice_index(Plane.AXIAL)
    wheel(axial, -1)
    assert panel.slice_index(Plane.AXIAL) == start - 1
    axial.setFocus()
    QtTest.QTest.keyClick(axial, QtCore.Qt.Key.Key_Up)
    QtTest.QTest.keyClick(axial, QtCore.Qt.Key.Key_Up)
    assert panel.slice_index(Plane.AXIAL) == start + 1
    for _ in range(3):
        QtTest.QTest.keyClick(axial, QtCore.Qt.Key.Key_PageDown)
    assert panel.slice_index(Plane.AXIAL) == 0  # clamped at the first slice
    # the coronal crosshair's horizontal line is the axial slice position
    assert panel.views[Plane.CORONAL].h_line.value() == pytest.approx(panel.position["z"])
    assert "1/20" in axial.caption.text()


def test_clicking_moves_the_crosshair_in_all_views(qtbot, window):
    panel = window.slices
    view = panel.views[Plane.AXIAL]
    z = panel.position["z"]
    target = view.mapFromScene(view.scene_pos_of(-10.0, 6.0))
    QtTest.QTest.mouseClick(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=target)
    assert panel.position["x"] == pytest.approx(-10.0, abs=1.5) and panel.position["y"] == pytest.approx(6.0, abs=1.5)
    assert panel.position["z"] == z
    panel.move_crosshair(Plane.AXIAL, 5.0, -7.0)
    assert panel.position["x"] == 5.0 and panel.position["y"] == -7.0
    assert panel.views[Plane.SAGITTAL].v_line.value() == pytest.approx(-7.0)  # sagittal u = y
    assert panel.views[Plane.CORONAL].v_line.value() == pytest.approx(5.0)
    ct = window.session.link.ct
    assert panel.slice_index(Plane.SAGITTAL) == int(np.argmin(np.abs(ct.x_mm - 5.0)))


def test_window_presets_and_right_drag(qtbot, window):
    panel = window.slices
    panel.preset.setCurrentText("Lung")
    assert tuple(panel.views[Plane.AXIAL].ct_item.levels) == PRESETS["Lung"].range_hu
    view = panel.views[Plane.AXIAL]
    centre = QtCore.QPoint(view.width() // 2, view.height() // 2)
    QtTest.QTest.mousePress(view.viewport(), QtCore.Qt.MouseButton.RightButton, pos=centre)
    for dx in range(5, 60, 5):
        QtTest.QTest.mouseMove(view.viewport(), centre + QtCore.QPoint(dx, 0))
    QtTest.QTest.mouseRelease(view.viewport(), QtCore.Qt.MouseButton.RightButton, pos=centre + QtCore.QPoint(55, 0))
    assert panel.window.width_hu > PRESETS["Lung"].width_hu
    assert "W " in panel.wl_label.text()
    lo, hi = panel.views[Plane.CORONAL].ct_item.levels
    assert hi - lo == pytest.approx(panel.window.width_hu)


def test_isodose_levels_entry_and_bad_input(qtbot, window):
    panel = window.slices
    panel.levels_edit.setText("100, 50")
    panel.levels_edit.editingFinished.emit()
    assert panel.levels_pct == [100.0, 50.0]
    assert panel.legend.text().count("╌╌") == 2  # a dashed chip per level
    visible = [i for i in panel.views[Plane.AXIAL]._isodose_items if i.isVisible()]
    assert len(visible) <= 2
    panel.levels_edit.setText("100, lots")
    panel.levels_edit.editingFinished.emit()
    assert panel.levels_pct == [100.0, 50.0] and "lots" in panel.levels_edit.toolTip()
    panel.levels_edit.setText("100, 12 Gy")  # a level in Gy
    panel.levels_edit.editingFinished.emit()
    assert [str(lv) for lv in panel.levels] == ["100%", "12 Gy"] and panel.levels_pct == [100.0]
    assert "12 Gy" in panel.legend.text() and window.settings.value("slices/isodose_levels") == "100, 12 Gy"
    pens = panel.views[Plane.AXIAL].isodose_pens()
    assert pens and all(p.style() == QtCore.Qt.PenStyle.CustomDashLine for p in pens)
    assert all(p.style() == QtCore.Qt.PenStyle.SolidLine for p in panel.views[Plane.AXIAL].contour_pens())


def test_contours_follow_visibility_and_highlight(qtbot, window):
    panel = window.slices
    panel.position["z"] = 0.0
    panel.position["y"] = 0.0
    panel.render_all()
    axial = panel.views[Plane.AXIAL]
    assert axial._contour_items[1].isVisible()
    x, _ = axial._contour_items[1].getData()
    assert np.nanmax(x) == pytest.approx(20.0)
    assert panel.views[Plane.CORONAL]._contour_items[1].isVisible()  # the PTV cut at y = 0
    window.session.set_highlighted(1)
    assert axial._contour_items[1].opts["pen"].widthF() > 3
    window.structures.item(1).setCheckState(0, QtCore.Qt.CheckState.Unchecked)
    assert not axial._contour_items[1].isVisible()


def test_readout_reports_position_hu_and_dose(qtbot, window):
    panel = window.slices
    view = panel.views[Plane.AXIAL]
    panel._on_hover(Plane.AXIAL, 3.0, -4.0)
    r = panel.last_readout
    link = window.session.link
    assert (r["x"], r["y"]) == (3.0, -4.0)
    assert r["dose_gy"] == pytest.approx(dose_at(link.dose, 3.0, -4.0, r["z"]))
    assert r["dose_gy"] == pytest.approx(2.0 + 0.5 * 3.0, abs=1e-5)  # the synthetic dose is linear in x
    assert "% Rx" in panel.readout.text() and "HU" in panel.readout.text()
    panel._on_hover(Plane.AXIAL, 500.0, 0.0)  # outside the grid
    assert panel.last_readout["dose_gy"] is None and panel.last_readout["hu"] is None
    assert "no dose" in panel.readout.text()


def test_empty_window_renders_without_a_case(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "e.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.show()
    w.slices.render_all()
    w.dvh_plot.refresh()
    w.metrics.refresh()
    w.slices.scroll(Plane.AXIAL, 1)
    assert w.dvh_plot.visible_curve_data() == {} and w.metrics.table.rowCount() == 0
