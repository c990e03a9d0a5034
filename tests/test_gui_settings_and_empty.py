"""The window's preferences round-trip through QSettings (a file under tmp_path), the empty states
with nothing loaded, the keyboard shortcuts and the Help list of them."""
import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from rtreview.core.viewing import isodose
from rtreview.core.viewing.slicing import Plane
from rtreview.gui.main_window import MainWindow
from gui_helpers import drop_paths, pace_dvhs, wait_idle
from synthetic_case import fake_dvhs, make_case


def _window(qtbot, path, load=False, size=(1500, 950)):
    settings = QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, load_fn=lambda paths, progress=None, cancel=None: make_case(),
                   dvh_fn=fake_dvhs)
    qtbot.addWidget(w)
    if size:
        w.resize(*size)
    w.show()
    if load:
        drop_paths(w, ["/virtual/case"])
        wait_idle(qtbot, w)
        qtbot.waitUntil(w.is_idle, timeout=30_000)
    return w


def test_preferences_round_trip(qtbot, tmp_path):
    path = tmp_path / "settings.ini"
    w = _window(qtbot, path, load=True)
    w.slices.levels_edit.setText("110, 100, 50, 12.5 Gy")
    w.slices.levels_edit.editingFinished.emit()
    w.slices.threshold.setValue(55)
    w.slices.opacity_slider.setValue(65)
    w.dvh_plot.volume_unit.setCurrentText("cc")
    w.dvh_plot.dose_unit.setCurrentText("% Rx")
    w.slices.site = "abdomen"
    w.slices.preset.setCurrentText("Liver")
    w.slices.preset.activated.emit(w.slices.preset.currentIndex())  # as a user's choice does
    w.prefs.set("review/reviewer", "Dr Round Trip")
    w.prefs.remember_folder("case", str(tmp_path))
    w.resize(1400, 900)
    splitter = w.findChildren(QtWidgets.QSplitter)[0]
    sizes = [s + d for s, d in zip(splitter.sizes(), (60, -60, 0))]
    splitter.setSizes(sizes)
    sizes = splitter.sizes()
    w.timeline_view._confirm = lambda text: True
    w.close()  # saves geometry, docks and splitters

    again = _window(qtbot, path, size=None)  # as the user starts it: the saved geometry
    qtbot.wait(100)
    s = again.slices
    assert [str(lv) for lv in s.levels] == ["110%", "100%", "50%", "12.5 Gy"]
    assert s.levels_edit.text() == "110, 100, 50, 12.5 Gy"
    assert s.threshold.value() == 55 and s.threshold_pct == 55.0
    assert s.opacity_slider.value() == 65 and s.opacity == pytest.approx(0.65)
    assert again.dvh_plot.volume_unit.currentText() == "cc" and again.dvh_plot.dose_unit.currentText() == "% Rx"
    assert again.prefs.site_preset("abdomen") == "Liver" and again.prefs.site_preset("pelvis") == "Abdomen"
    assert again.prefs.text("review/reviewer") == "Dr Round Trip"
    assert again.prefs.last_folder("case") == str(tmp_path) and again.timeline_view.start_folder == str(tmp_path)
    assert again.findChildren(QtWidgets.QSplitter)[0].sizes() == sizes
    assert (again.width(), again.height()) == (1400, 900)
    assert again.recent_paths() == ["/virtual/case"]


def test_unreadable_preferences_fall_back_to_the_defaults(qtbot, tmp_path):
    path = tmp_path / "settings.ini"
    path.write_text("[slices]\nisodose_levels=lots\nwash_threshold_pct=-5\nwash_opacity=abc\n"
                    "window_level\\abdomen=Nope\n[dvh]\ndose_unit=Furlongs\n")
    w = _window(qtbot, path)
    assert w.slices.levels == list(isodose.DEFAULT_LEVELS)
    assert w.slices.threshold.value() == 30 and w.slices.opacity_slider.value() == 40
    assert w.prefs.site_preset("abdomen") == "Abdomen" and w.dvh_plot.dose_unit.currentText() == "Gy"


def test_with_nothing_loaded_the_views_say_drop_dicom_here(qtbot, tmp_path):
    w = _window(qtbot, tmp_path / "s.ini")
    qtbot.wait(50)
    dvh = w.dvh_plot
    assert dvh.empty.isVisible() and "Drop DICOM RT" in dvh.empty.text()
    assert dvh.empty.geometry() == dvh.canvas.rect()  # covers the empty axes entirely
    image = dvh.canvas.grab().toImage()  # no axis, tick or grid drawn where the hint is
    corner = image.pixelColor(20, image.height() - 20)
    assert corner == QtGui.QColor("#16181c")
    tl = w.timeline_view
    assert tl.is_empty() and tl.empty.isVisible() and "No case timeline" in tl.empty.text()
    assert tl.empty.geometry() == tl.plots_area.rect()  # the 00.050 … axis is not on show
    combo = w.constraints.protocol_combo
    assert combo.currentIndex() == -1 and combo.currentText() == "" and not combo.isEnabled()
    assert combo.placeholderText() == "— open a plan —"
    axial = w.slices.views[Plane.AXIAL]
    assert w.slices.hint.isVisible() and not any(label.isVisible() for label in axial.orientation)
    assert not w.slices.legend.isVisible()
    assert "not signed off" not in w.review.label.text()
    drop_paths(w, ["/virtual/case"])  # then loading fills them
    wait_idle(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    assert not dvh.empty.isVisible() and combo.isEnabled()
    assert combo.placeholderText() == "no shipped protocol fits: choose one"  # the synthetic case fits none
    assert all(label.isVisible() for label in axial.orientation) and not w.slices.hint.isVisible()
    assert "not signed off" in w.review.label.text()


def test_shortcuts_work_and_help_lists_them(qtbot, tmp_path, monkeypatch):
    from rtreview.gui.shortcuts import ShortcutsDialog, shortcut_rows, shortcuts_html

    w = _window(qtbot, tmp_path / "s.ini", load=True)
    s = w.slices
    keys = {text: key for _path, text, key in shortcut_rows(w)}
    for text, key in (("Next slice", "Ctrl+Up"), ("Previous slice", "Ctrl+Down"), ("Dose wash on / off", "Ctrl+D"),
                      ("Contours on / off", "Ctrl+K"), ("Isodose lines on / off", "Ctrl+I"), ("Axial", "Ctrl+1"),
                      ("Sagittal", "Ctrl+3"), ("Export PDF report…", "Ctrl+P"), ("Sign off…", "Ctrl+R"),
                      ("Keyboard shortcuts", "F1"), ("Abdomen", "Alt+1"), ("Lung", "Alt+5")):
        assert keys.get(text) == QtGui.QKeySequence(key).toString(QtGui.QKeySequence.SequenceFormat.NativeText), text
    html = shortcuts_html(shortcut_rows(w))
    assert "Ctrl+D" in html and "Right drag" in html and "window (left-right)" in html
    start = s.slice_index(Plane.AXIAL)
    w.activateWindow()
    QtTest.QTest.keyClick(w, QtCore.Qt.Key.Key_Down, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert s.slice_index(Plane.AXIAL) == start - 1
    QtTest.QTest.keyClick(w, QtCore.Qt.Key.Key_D, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert not s.show_dose and not s.dose_box.isChecked()
    w.shortcut_actions["toggle_contours"].trigger()
    assert not s.show_contours and not s.views[Plane.AXIAL].contour_pens()
    w.shortcut_actions["toggle_isodoses"].trigger()
    assert not s.views[Plane.AXIAL].isodose_pens() and not s.legend.isVisible()
    w.shortcut_actions["plane_coronal"].trigger()
    assert s.active_plane is Plane.CORONAL
    before = s.slice_index(Plane.CORONAL)
    w.shortcut_actions["next_slice"].trigger()
    assert s.slice_index(Plane.CORONAL) == before + 1
    w.shortcut_actions["preset_5"].trigger()
    assert s.preset.currentText() == "Lung"
    shown = []
    monkeypatch.setattr(ShortcutsDialog, "ask", classmethod(lambda cls, parent, rows: shown.append(rows)))
    w.shortcut_actions["shortcuts"].trigger()
    assert shown and shown[0] == shortcut_rows(w)


def test_the_dvh_panel_never_shows_half_set_axes_while_loading(qtbot, tmp_path, sample_dicom, monkeypatch):
    """Sampled every 10 ms while the sample loads and its DVHs arrive one by one: each frame either
    covers the plot with a short state ('Drop DICOM RT…', 'Computing the DVHs…') or shows curves on
    axes that hold them (not the 0-1 default), with the legend right of the y axis, never over it."""
    pace_dvhs(monkeypatch, 0.03)  # 'Computing the DVHs…' lasts a few samples however quick the engine is
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    d = w.dvh_plot
    frames = []

    def sample():
        curves = [it for it in d.curves.values() if it.isVisible() and it.xData is not None and len(it.xData)]
        (x0, x1), (y0, y1) = d.plot.getViewBox().viewRange()
        legend, axis = d.legend.sceneBoundingRect(), d.plot.getAxis("left").sceneBoundingRect()
        frames.append((d.empty.isVisible(), d.empty.text(), len(curves), (x0, x1), (y0, y1),
                       max((float(it.xData.max()) for it in curves), default=None),
                       max((float(it.yData.max()) for it in curves), default=None),
                       bool(d.legend.items) and legend.left() < axis.right()))

    timer = QtCore.QTimer()
    timer.timeout.connect(sample)
    timer.start(10)
    drop_paths(w, [str(sample_dicom)])
    wait_idle(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=60_000)
    qtbot.wait(30)
    timer.stop()
    covered = [f for f in frames if f[0]]
    drawn = [f for f in frames if not f[0]]
    assert any("Drop DICOM RT" in f[1] for f in covered)  # before the load
    assert any(f[1].startswith("Computing the DVHs of LIVER") for f in covered)  # between load and curves
    assert drawn and drawn[-1][2] >= 10  # the sample's curves at the end
    for shown, _text, n, (x0, x1), (y0, y1), xmax, ymax, legend_over_axis in drawn:
        assert n > 0, "uncovered axes without a curve"
        assert x1 >= xmax and x0 <= 0 and y0 <= 0 and y1 >= ymax >= 99, (x0, x1, y0, y1, xmax, ymax)
        assert x1 > 1.5 and y1 > 1.5  # not the 0-1 range of empty axes
        assert not legend_over_axis
