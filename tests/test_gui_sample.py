"""The review window on the bundled synthetic sample patient, with the real loader and DVH engine."""
import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from rtreview.core.viewing.slicing import LinearIndex, Plane
from rtreview.gui.main_window import MainWindow
from conftest import REPO, SAMPLE_DICOM
from gui_helpers import drop_paths, pace_dvhs, wait_idle

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("RD_*.dcm")), reason="sample_dicom/ not generated yet")


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    w.dvh_plot.volume_unit.setCurrentText("cc")  # the engine's own units: Gy and cc
    return w


def load_sample(qtbot, w):
    drop_paths(w, [SAMPLE_DICOM])
    wait_idle(qtbot, w)
    return w


def plan(w, label):
    item = next(i for i in w.plan_tree.plan_items() if i.text(0).startswith(label + " "))
    w.plan_tree.setCurrentItem(item)
    return item


def test_dropping_the_sample_loads_both_courses_with_the_engines_curves(qtbot, window):
    from rtreview.core.dvh import compute_dvh

    w = load_sample(qtbot, window)
    captions = [i.text(0) for i in w.plan_tree.plan_items()]
    assert captions == ["LIVER — 50 Gy / 25 fx", "L ILIUM — 30 Gy / 10 fx"]
    assert w.session.link.label == "LIVER"
    plotted = w.dvh_plot.visible_curve_data()
    assert len(plotted) >= 15
    for number, (x, y) in plotted.items():
        assert np.array_equal(x, w.session.dvhs[number].dose_gy)
        assert np.array_equal(y, w.session.dvhs[number].cumulative_cc)
    # and the session's DVHs are the engine's: recompute one independently
    ptv = w.session.link.structure_set.roi("PTV_LIVER")
    own = compute_dvh(ptv, w.session.link.dose, prescription_gy=50.0)
    x, y = plotted[ptv.number]
    assert np.array_equal(x, own.dose_gy) and np.allclose(y, own.cumulative_cc)


def test_switching_plan_switches_curves_and_hiding_a_structure_hides_its_curve(qtbot, window):
    w = load_sample(qtbot, window)
    ss = w.session.link.structure_set
    ptv_ilium = ss.roi("PTV_ILIUM").number
    liver_max = w.session.dvhs[ptv_ilium].max_gy if ptv_ilium in w.session.dvhs else 0.0
    plan(w, "L ILIUM")
    wait_idle(qtbot, w)
    assert w.session.link.label == "L ILIUM" and w.session.rx_gy == 30.0
    # the ilium course is planned on CT 2: its own structure set, its own ROI numbers
    assert w.session.link.structure_set is not ss and w.session.link.structure_set.path.endswith("RS_L_ILIUM_CT2.dcm")
    ptv_ilium = w.session.link.structure_set.roi("PTV_ILIUM").number
    x, y = w.dvh_plot.visible_curve_data()[ptv_ilium]
    dvh = w.session.dvhs[ptv_ilium]
    assert np.array_equal(x, dvh.dose_gy) and np.array_equal(y, dvh.cumulative_cc)
    assert dvh.max_gy > 25.0 and not liver_max > 25.0  # the ilium course doses the ilium target (NaN: uncovered)
    assert "L ILIUM" in w.windowTitle()
    w.structures.item(ptv_ilium).setCheckState(0, QtCore.Qt.CheckState.Unchecked)
    assert ptv_ilium not in w.dvh_plot.visible_curve_data()
    assert not w.dvh_plot.curves[ptv_ilium].isVisible()
    assert "PTV_ILIUM" not in [r.name for r in w.metrics.rows]


def _dose_max_pixel(w):
    """Viewport pixel of the axial view at the dose maximum (where the panel starts)."""
    view = w.slices.views[Plane.AXIAL]
    x, y = w.slices.position["x"], w.slices.position["y"]
    return view, view.mapFromScene(view.scene_pos_of(x, y)), (x, y, w.slices.position["z"])


def test_dose_shows_on_the_slice_and_the_readout_is_the_grids_dose(qtbot, window):
    w = load_sample(qtbot, window)
    qtbot.wait(50)
    view, pixel, (x, y, z) = _dose_max_pixel(w)
    assert view.rect().contains(pixel)
    with_dose = view.grab().toImage()
    w.slices.set_show_dose(False)
    qtbot.wait(20)
    without = view.grab().toImage()
    dpr = with_dose.devicePixelRatio()
    # a few pixels beside the maximum, off the crosshair (one of them may lie on a contour line,
    # drawn over the dose, depending on the view's size)
    around = [QtCore.QPoint(int((pixel.x() + dx) * dpr), int((pixel.y() + dy) * dpr))
              for dx in (3, 5, -4) for dy in (3, 5, -4)]
    assert sum(with_dose.pixelColor(p) != without.pixelColor(p) for p in around) >= len(around) // 2
    corner = QtCore.QPoint(int(5 * dpr), int((view.height() - 30) * dpr))  # air, no dose
    assert with_dose.pixelColor(corner) == without.pixelColor(corner)
    w.slices.set_show_dose(True)

    # the readout under the cursor: dose of the core grid (x, y are dose-grid voxel centres,
    # so the expected value is a linear interpolation between two frames of dose_gy)
    QtTest.QTest.mouseMove(view.viewport(), pixel)
    qtbot.waitUntil(lambda: w.slices.last_readout is not None, timeout=3000)
    r = w.slices.last_readout
    dose = w.session.link.dose
    i = int(np.argmin(np.abs(dose.x_mm - r["x"])))
    j = int(np.argmin(np.abs(dose.y_mm - r["y"])))
    lz = LinearIndex.build(dose.z_mm, [r["z"]])
    expected = (1 - lz.w[0]) * dose.dose_gy[lz.i0[0], j, i] + lz.w[0] * dose.dose_gy[lz.i1[0], j, i]
    assert abs(r["x"] - dose.x_mm[i]) < 1.5 and abs(r["y"] - dose.y_mm[j]) < 1.5  # within a screen pixel
    assert r["z"] == pytest.approx(z)
    if abs(r["x"] - dose.x_mm[i]) < 1e-6 and abs(r["y"] - dose.y_mm[j]) < 1e-6:
        assert r["dose_gy"] == pytest.approx(float(expected), abs=1e-4)
    from rtreview.core.viewing.slicing import dose_at
    assert r["dose_gy"] == pytest.approx(dose_at(dose, r["x"], r["y"], r["z"]), abs=1e-6)
    assert r["dose_gy"] > 0.9 * 50.0  # near the maximum of a 50 Gy plan
    assert "% Rx" in w.slices.readout.text() and "HU" in w.slices.readout.text()


def test_the_event_loop_runs_while_the_sample_loads_and_computes(qtbot, window, monkeypatch):
    pace_dvhs(monkeypatch, 0.02)  # several batches of curves however quick the engine is
    partial_counts = []
    window.session.dvhs_changed.connect(lambda: partial_counts.append(len(window.session.dvhs)))
    ticks, busy_ticks = [], []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: (ticks.append(1), window.runner.busy and busy_ticks.append(1)))
    timer.start(10)
    load_sample(qtbot, window)
    timer.stop()
    assert len(busy_ticks) >= 5
    # curves appeared structure by structure while the engine worked, not all at the end
    assert len({n for n in partial_counts if 0 < n < 17}) >= 3


def test_cancel_stops_a_real_load(qtbot, window):
    drop_paths(window, [SAMPLE_DICOM])
    qtbot.mouseClick(window.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert not window.runner.busy
    qtbot.waitUntil(lambda: window.runner.running_threads == 0, timeout=10_000)
    qtbot.wait(50)
    assert window.session.case is None
    assert "cancelled" in window.statusBar().currentMessage()


def test_dropping_junk_shows_the_report_and_the_window_stays_usable(qtbot, window, tmp_path):
    (tmp_path / "notes.txt").write_text("not DICOM at all\n")
    rd = next(SAMPLE_DICOM.glob("RD_*.dcm")).read_bytes()
    (tmp_path / "RD_truncated.dcm").write_bytes(rd[: len(rd) // 3])
    drop_paths(window, [tmp_path / "notes.txt", tmp_path / "RD_truncated.dcm"])
    wait_idle(qtbot, window)
    entries = window.report.entries()
    names = {e[1] for e in entries}
    assert {"notes.txt", "RD_truncated.dcm"} <= names
    assert all(e[2] for e in entries)  # every entry says why
    assert window.report_dock.isVisible()
    assert window.session.case is None and "Nothing reviewable" in window.statusBar().currentMessage()
    load_sample(qtbot, window)  # still usable
    assert window.session.link is not None and window.session.dvhs


def test_dropping_a_zip_of_the_sample_loads_it(qtbot, window, tmp_path):
    import zipfile

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        for f in sorted(SAMPLE_DICOM.glob("*.dcm")):
            z.write(f, f"export/{f.name}")
    drop_paths(window.plan_tree.viewport(), [archive])  # anywhere on the window
    wait_idle(qtbot, window)
    assert [i.text(0).split(" ")[0] for i in window.plan_tree.plan_items()] == ["LIVER", "L"]
    assert window.dvh_plot.visible_curve_data()


def test_screenshot_command_writes_a_1600x1000_png(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RTREVIEW_SETTINGS=str(tmp_path / "settings.ini"))
    res = subprocess.run([sys.executable, "-m", "rtreview", "--screenshot", str(out)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)
    small = image.scaled(80, 50)
    colours = {small.pixel(x, y) for x in range(80) for y in range(50)}
    assert len(colours) > 50  # a real picture, not a blank window
    assert "Traceback" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []  # written atomically
