"""The plan comparison window on the sample and a re-plan: what it shows equals rtreview.core.compare."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore

from compare_support import make_replan
from rtreview.core.dicom.loader import load
from rtreview.core.viewing.compare_maps import difference_limit_gy, diverging_rgba
from rtreview.gui.compare.window import CompareWindow


@pytest.fixture(scope="module")
def case(one_ct_sample, tmp_path_factory):
    """The one-CT sample and a re-plan dose naming no plan (paired with the one structure set)."""
    replan = make_replan(one_ct_sample, tmp_path_factory.mktemp("cmp") / "replan.dcm")
    return load([one_ct_sample, replan])


def test_window_shows_the_comparison(qtbot, case):
    w = CompareWindow(case, gamma=False)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.set_plans(["LIVER"])
    w.start()
    assert w.message.text() == "Tick at least two plans."
    w.set_plans(["LIVER", "replan.dcm"])
    assert w.checked_labels() == ["LIVER", "replan.dcm"]
    with qtbot.waitSignal(w.compared, timeout=180_000):
        w.start()
    r = w.result
    assert r.labels == ["LIVER", "replan.dcm"]
    # metrics table: the PTV's mean of each plan and the difference, as computed
    row = next(s for s in r.structures if s.name == "PTV_LIVER")
    cells = {}
    for i in range(w.metrics.rowCount()):
        if w.metrics.item(i, 0).text() == "PTV_LIVER" and w.metrics.item(i, 1).text() == "Dmean":
            cells = [w.metrics.item(i, c).text() for c in range(2, 5)]
    assert cells == [f"{row.values['LIVER']['mean_gy']:.2f}", f"{row.values['replan.dcm']['mean_gy']:.2f}",
                     f"{row.differences['replan.dcm']['mean_gy']:.2f}"]
    # DVH overlay: the curves are the engine's arrays; plan A solid, plan B dashed
    dvh = next(d for d in r.dvhs["replan.dcm"].values() if d.name == "PTV_LIVER")
    item = w.dvh.curves[("replan.dcm", "ptvliver")]
    x, y = item.getData()
    np.testing.assert_array_equal(x, dvh.dose_gy)
    np.testing.assert_array_equal(y, dvh.cumulative_pct())  # default: % of the structure
    w.dvh.volume_unit.setCurrentText("cc")
    np.testing.assert_array_equal(w.dvh.curves[("replan.dcm", "ptvliver")].getData()[1], dvh.cumulative_cc)
    item = w.dvh.curves[("replan.dcm", "ptvliver")]
    assert item.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine
    assert w.dvh.curves[("LIVER", "ptvliver")].opts["pen"].style() == QtCore.Qt.PenStyle.SolidLine
    # dose difference: the image on show is the diverging map of A - B on the plane shown
    w.tabs.setCurrentIndex(2)
    view = w.difference_view
    plane = r.difference.difference_gy[view.index]
    expected = diverging_rgba(plane, difference_limit_gy(r.difference.difference_gy))
    np.testing.assert_array_equal(view.map_item.image, expected)
    assert (plane > 1.0).any() and (plane < -1.0).any()  # both colours on the plane shown
    assert "LIVER − replan.dcm" in w.difference_label.text()
    # the constraints tab lists each plan's suggested protocol
    headers = [w.constraints.horizontalHeaderItem(c).text() for c in range(w.constraints.columnCount())]
    assert any("HCC liver" in h for h in headers)
    assert w.gamma_label.text() == "No gamma analysis."
    # rendered pixels: red (A higher) and blue (A lower) both appear in the view
    img = view.canvas.grab().toImage()
    arr = np.array([[img.pixelColor(x, y).getRgb()[:3] for x in range(0, img.width(), 4)]
                    for y in range(0, img.height(), 4)], dtype=int)
    assert ((arr[..., 0] > 150) & (arr[..., 2] < 110)).sum() > 20
    assert ((arr[..., 2] > 150) & (arr[..., 0] < 110)).sum() > 20
