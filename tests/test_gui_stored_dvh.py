"""The planning system's DVHs in the window (dicompyler-core example): dashed curves on the DVH
plot equal the file's curves, the table equals rtreview.core.compare.stored_dvh."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from gui_helpers import window_with
from rtreview.core.compare.stored_dvh import compare_all, stored_curve


def test_stored_dvhs_dashed_and_tabled(qtbot, tmp_path, reference_dicom):
    w = window_with(qtbot, tmp_path, [reference_dicom / "dicompyler-core-example"])
    link = w.session.link
    overlay, table = w.stored_overlay, w.stored_table
    shown = overlay.shown_numbers()
    assert shown and set(shown) <= set(link.dose.stored_dvhs)
    heart = next(r for r in link.structure_set.rois if r.name == "Heart")
    item = overlay.items[heart.number]
    x, y = item.getData()
    curve = stored_curve(link.dose, heart.number)
    np.testing.assert_allclose(x, curve.dose_gy)
    np.testing.assert_allclose(y, 100.0 * curve.volume / curve.volume[0])  # the plot's default: volume in %
    assert item.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine
    assert item.opts["pen"].color().getRgb()[:3] == tuple(heart.color_rgb)
    rows = compare_all(w.session.dvhs, link.dose)
    assert [r.name for r in table.rows] == [r.name for r in rows]
    cells = {(table.table.item(i, 0).text(), table.table.item(i, 1).text()): i for i in range(table.table.rowCount())}
    i = cells[("Heart", "Dmean (Gy)")]
    heart_row = next(r for r in rows if r.name == "Heart")
    assert table.table.item(i, 2).text() == f"{heart_row.ours['mean_gy']:.2f}"
    assert table.table.item(i, 3).text() == f"{heart_row.stored['mean_gy']:.2f}"
    j = cells[("Borders", "Volume (cc)")]
    assert table.table.item(j, 5).text() == "beyond tolerance"
    assert table.table.item(j, 2).background().color() == QtGui.QColor(245, 190, 190)
    # differential / EQD2: not drawn; the checkbox hides them too
    w.dvh_plot.dose_unit.setCurrentText("EQD2 (Gy)")
    qtbot.waitUntil(lambda: overlay.shown_numbers() == [], timeout=3000)
    w.dvh_plot.dose_unit.setCurrentText("Gy")
    qtbot.waitUntil(lambda: overlay.shown_numbers() == shown, timeout=3000)
    table.show_curves.setChecked(False)
    assert overlay.shown_numbers() == []


def test_no_stored_dvh_said(qtbot, tmp_path, sample_dicom):
    w = window_with(qtbot, tmp_path, [sample_dicom])
    assert w.stored_overlay.shown_numbers() == []
    assert "no DVH of the planning system" in w.stored_table.note.text()
