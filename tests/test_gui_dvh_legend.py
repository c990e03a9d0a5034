"""The DVH plot's legend on the bundled sample: only structures with a curve in the plan, laid
out beside the curves so the plot keeps the panel's height (1600 x 1000 window)."""
import pytest
from PySide6 import QtCore

from conftest import SAMPLE_DICOM
from gui_helpers import wait_idle, window_with

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("RD_*.dcm")), reason="sample_dicom/ not generated yet")


@pytest.fixture
def window(qtbot, tmp_path):
    return window_with(qtbot, tmp_path, [SAMPLE_DICOM])


def _drawn(w) -> list[str]:
    """Names of the curves actually drawn: visible items with at least one point above zero volume."""
    names = []
    for r in w.session.rois:
        item = w.dvh_plot.curves.get(r.number)
        if item is not None and item.isVisible() and item.yData is not None and (item.yData > 0).any():
            names.append(r.name)
    return names


def test_liver_legend_lists_exactly_the_plotted_curves(qtbot, window):
    w = window
    assert w.session.link.label == "LIVER"
    names = w.dvh_plot.legend_names()
    assert names == _drawn(w)
    assert names[:4] == ["LIVER", "GTV_LIVER", "PTV_LIVER", "STOMACH"]  # structure-set order
    assert "CAUDA_EQUINA" in names
    # the pelvic structures lie outside the LIVER dose grid: no curve, no legend entry, said once
    for outside in ("ILIUM_L", "GTV_ILIUM", "PTV_ILIUM", "BLADDER", "RECTUM", "FEMUR_HEAD_L", "FEMUR_HEAD_R"):
        assert outside not in names
        assert outside in w.dvh_plot.message_text()
    assert w.dvh_plot.message.isVisible()
    # switching to the ilium course: its targets are listed, the liver target is not (outside that grid)
    item = next(i for i in w.plan_tree.plan_items() if i.text(0).startswith("L ILIUM "))
    w.plan_tree.setCurrentItem(item)
    wait_idle(qtbot, w)
    names = w.dvh_plot.legend_names()
    assert names == _drawn(w)
    assert {"GTV_ILIUM", "PTV_ILIUM", "ILIUM_L"} <= set(names)
    # hiding a structure removes its entry
    w.structures.item(w.session.link.structure_set.roi("PTV_ILIUM").number).setCheckState(
        0, QtCore.Qt.CheckState.Unchecked)
    assert "PTV_ILIUM" not in w.dvh_plot.legend_names() and w.dvh_plot.legend_names() == _drawn(w)


def test_the_curves_get_most_of_the_dvh_panels_height(qtbot, window):
    w = window
    qtbot.wait(50)
    plot = w.dvh_plot
    vb = plot.plot.getViewBox()
    view_h = vb.sceneBoundingRect().height()
    assert view_h >= 0.6 * plot.height(), (view_h, plot.height())
    # the legend sits right of the curves, not over them and not under them
    legend = plot.legend.sceneBoundingRect()
    assert legend.left() >= vb.sceneBoundingRect().right() - 1
    assert legend.top() < vb.sceneBoundingRect().center().y()
    assert legend.bottom() <= plot.canvas.height() + 1  # every entry is on screen
    # and it leaves the curves at least 60 % of the panel's width
    assert vb.sceneBoundingRect().width() >= 0.6 * plot.width()


def test_status_bar_counts_the_structures_with_a_dvh(qtbot, window):
    w = window
    message = w.dvh_tasks.ready_message()
    assert message.startswith("LIVER — 50 Gy / 25 fx: DVHs of 11 structures (7 outside the dose grid)")


def test_structures_outside_the_grid_draw_nothing(qtbot, window):
    w = window
    ss = w.session.link.structure_set
    plot = w.dvh_plot
    for name in ("ILIUM_L", "FEMUR_HEAD_R"):
        item = plot.curves[ss.roi(name).number]
        pen = item.opts["pen"]  # no stray dot at (0, 0) in the structure's colour
        assert pen is None or pen.style() == QtCore.Qt.PenStyle.NoPen
    # and the origin does not "hover" onto them
    vb = plot.plot.getViewBox()
    origin = vb.mapViewToScene(QtCore.QPointF(0.0, 0.0))
    assert plot.curve_near(origin) not in {ss.roi(n).number for n in ("ILIUM_L", "FEMUR_HEAD_R", "BLADDER")}
    # the pixels around the origin are the plot's greys (background, grid, axis): no coloured dot
    image = plot.canvas.grab().toImage()
    p = plot.canvas.mapFromScene(origin)
    chroma = [max(rgb) - min(rgb) for dx in range(-3, 4) for dy in range(-3, 4)
              for rgb in [image.pixelColor(p.x() + dx, p.y() + dy).getRgb()[:3]]]
    assert max(chroma) < 30, chroma
