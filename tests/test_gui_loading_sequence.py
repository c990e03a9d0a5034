"""How the window shows a load: its frame is painted before the panels exist, then the case in
stages (case, DVHs, constraints, timeline) each after a paint, the other plan's DVHs and the
composite only after all is shown; the DVH panel sampled at every step of the load never shows
half-set axes (no "0-1 Gy" frame, the same axes from the first curve to the last, the legend
never over the plot), checked on the axis ranges, the geometry and the pixels of its axes."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from conftest import SAMPLE_DICOM
from gui_helpers import pace_dvhs


@pytest.fixture
def loading_window(qtbot, tmp_path):
    from rtreview.gui.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, defer_panels=True)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    yield window
    window.timeline_view._confirm = lambda text: True
    window.runner.shutdown()


def _image_array(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB32)
    width, height = image.width(), image.height()
    return np.frombuffer(bytes(image.constBits()), np.uint8).reshape(height, image.bytesPerLine())[:, :width * 4]


def test_frame_first_then_stages_in_order_then_the_rest(qtbot, loading_window):
    w = loading_window
    events = []
    w.first_painted.connect(lambda: events.append(("painted", hasattr(w, "dvh_plot"))))
    w.stage_shown.connect(lambda stage: events.append((stage, w.session.case is not None)))

    def at_all_shown():
        other = w.session.case.links[1]
        events.append(("all", w.session.has_dvhs(other), w.constraints.evaluations["composite"] is not None))

    w.all_shown.connect(at_all_shown)
    w.show()
    w.open_paths([str(SAMPLE_DICOM)])
    with qtbot.waitSignal(w.all_shown, timeout=120_000):
        pass
    assert events[0] == ("painted", False)  # the frame was painted before any panel existed
    assert [e[0] for e in events[1:]] == ["case", "dvhs", "constraints", "timeline", "all"]
    assert events[-1] == ("all", False, False)  # the other plan and the composite came after
    assert w.constraints.plan_settled and w.session.has_dvhs(w.session.link)
    assert w.timeline_view.case_path() is not None and w.timeline_view.event_items  # drawn
    qtbot.waitUntil(w.is_idle, timeout=120_000)
    assert w.session.has_dvhs(w.session.case.links[1])  # then computed ahead
    qtbot.waitUntil(lambda: w.constraints.evaluations["composite"] is not None, timeout=120_000)


def test_dvh_panel_axes_never_half_set_while_loading(qtbot, loading_window, monkeypatch):
    # The partial frames are the point: each structure's DVH is made to take at least 10 ms, so the
    # curves arrive over several batches (dvh.computations.PARTIAL_DVH_INTERVAL_MS) however quick the
    # engine is (since issue 18c a plan's 18 DVHs can all be done within one batch interval).
    pace_dvhs(monkeypatch, 0.01)
    w = loading_window
    samples = []

    def sample():
        plot = w.dvh_plot
        box = plot.plot.getViewBox()
        axes_on = plot.plot.getAxis("left").isVisible()
        image = _image_array(plot.canvas)
        box_rect = box.sceneBoundingRect()
        samples.append({"curves": sum(1 for d in w.session.dvhs.values()), "axes": axes_on,
                        "covered": plot.empty.isVisible(),  # issue 17's "Computing the DVHs…" state
                        "x": tuple(np.round(box.viewRange()[0], 6)), "y": tuple(np.round(box.viewRange()[1], 6)),
                        "box": (box_rect.left(), box_rect.top(), box_rect.width(), box_rect.height()),
                        "legend_left": plot.legend.sceneBoundingRect().left(), "legend_items": len(plot.legend.items),
                        "image": image,
                        "canvas": (plot.canvas.width(), plot.canvas.height())})

    def hook():
        w.session.dvhs_changed.connect(lambda: QtCore.QTimer.singleShot(0, sample))
        w.session.link_changed.connect(lambda: QtCore.QTimer.singleShot(0, sample))
        sample()

    w.first_painted.connect(lambda: QtCore.QTimer.singleShot(0, hook))
    w.show()
    w.open_paths([str(SAMPLE_DICOM)])
    with qtbot.waitSignal(w.all_shown, timeout=120_000):
        pass
    qtbot.wait(50)
    sample()
    final = samples[-1]
    assert samples[0]["axes"] is False  # before a dose: an empty panel, no 0-1 frame
    framed = [s for s in samples if s["axes"] and not s["covered"]]  # what the user sees framed
    partial = [s for s in framed if 0 < s["curves"] < final["curves"]]
    assert partial and final["curves"] == 18  # curves arrived in steps while loading
    top = max(d.max_gy for d in w.session.dvhs.values() if np.isfinite(d.max_gy))
    assert final["x"][0] < 0 < top < final["x"][1] and final["y"][0] < 0 and 100 < final["y"][1] < 110
    left = int(final["box"][0])  # the y axis and its labels are left of the view box
    bottom = int(final["box"][1] + final["box"][3]) + 1  # the x axis below it
    for s in framed:
        assert s["x"] == final["x"] and s["y"] == final["y"]  # the same axes from the first frame
        assert s["box"] == final["box"] and s["canvas"] == final["canvas"]
        if s["legend_items"]:  # right of the plot, never over it or the y axis
            assert s["legend_left"] >= final["box"][0] + final["box"][2]
        assert np.array_equal(s["image"][:, :left], final["image"][:, :left])  # y axis pixels unchanged
        assert np.array_equal(s["image"][bottom:, left:], final["image"][bottom:, left:])  # x axis pixels
