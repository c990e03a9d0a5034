"""The planning system's own DVHs (RT Dose DVH Sequence) in the window: dashed beside ours on the
DVH plot, and a table of volume, mean, D95 and D2 differences with the flags of
rtreview.core.compare.stored_dvh (its tolerance is shown under the table).

The dashed curves are drawn for visible structures in cumulative Gy or % Rx with volume in cc
or % (% of the planning system's own volume); not in EQD2 or differential, where they would
need a conversion the planning system did not make (said under the table).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.compare.stored_dvh import TOLERANCE_TEXT, compare_all, stored_curve
from rtreview.core.viewing.dvh_curves import CurveKind, DoseUnit, VolumeUnit

METRICS = (("volume_cc", "Volume (cc)"), ("mean_gy", "Dmean (Gy)"), ("d95_gy", "D95% (Gy)"), ("d2_gy", "D2% (Gy)"))
FLAG_COLOUR = (245, 190, 190)


class StoredDvhOverlay(QtCore.QObject):
    """Dashed stored curves on a DvhPlot (one PlotDataItem per ROI, updated with setData)."""

    def __init__(self, dvh_plot, parent=None):
        super().__init__(parent)
        self.dvh_plot = dvh_plot
        self.session = dvh_plot.session
        self.enabled = True
        self.items: dict[int, pg.PlotDataItem] = {}
        for signal in (self.session.link_changed, self.session.dvhs_changed, self.session.visibility_changed):
            signal.connect(self.refresh)
        for combo in (dvh_plot.kind, dvh_plot.volume_unit, dvh_plot.dose_unit):
            combo.currentTextChanged.connect(lambda _t: QtCore.QTimer.singleShot(0, self.refresh))

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self.refresh()

    def drawable(self) -> bool:
        s = self.dvh_plot.settings
        return s.kind is CurveKind.CUMULATIVE and s.dose_unit in (DoseUnit.GY, DoseUnit.PCT_RX)

    def refresh(self) -> None:
        link = self.session.link
        shown = set()
        if self.enabled and link is not None and link.dose is not None and link.dose.stored_dvhs and self.drawable() \
                and link.structure_set is not None:
            settings = self.dvh_plot.settings
            rx = self.session.rx_gy
            for roi in link.structure_set.rois:
                if roi.number not in self.session.visible or roi.number not in self.session.dvhs:
                    continue
                curve = stored_curve(link.dose, roi.number)
                if curve is None or curve.volume.size == 0 or not curve.volume[0] > 0:
                    continue
                if settings.dose_unit is DoseUnit.PCT_RX and not rx:
                    continue
                x = curve.dose_gy * (100.0 / rx if settings.dose_unit is DoseUnit.PCT_RX else 1.0)
                y = curve.volume
                if settings.volume_unit is VolumeUnit.PCT and not curve.percent:
                    y = 100.0 * y / curve.volume[0]
                elif settings.volume_unit is VolumeUnit.CC and curve.percent:
                    y = y / 100.0 * self.session.dvhs[roi.number].volume_cc
                item = self.items.get(roi.number)
                if item is None:
                    item = pg.PlotDataItem()
                    item.setZValue(-1)
                    self.dvh_plot.plot.addItem(item)
                    self.items[roi.number] = item
                item.setPen(pg.mkPen(roi.color_rgb, width=1.4, style=QtCore.Qt.PenStyle.DashLine))
                item.setData(np.asarray(x, float), np.asarray(y, float))
                item.setVisible(True)
                shown.add(roi.number)
        for number, item in self.items.items():
            if number not in shown:
                item.setVisible(False)

    def shown_numbers(self) -> list[int]:
        return sorted(n for n, item in self.items.items() if item.isVisible())


class StoredDvhTable(QtWidgets.QWidget):
    """Ours vs the planning system's, per structure and metric; flagged cells coloured."""

    def __init__(self, session, overlay: StoredDvhOverlay | None = None, parent=None):
        super().__init__(parent)
        self.session = session
        self.overlay = overlay
        self.show_curves = QtWidgets.QCheckBox("Draw the planning system's DVHs dashed on the DVH plot")
        self.show_curves.setChecked(True)
        self.show_curves.toggled.connect(lambda on: overlay.set_enabled(on) if overlay is not None else None)
        self.table = QtWidgets.QTableWidget()
        self.table.verticalHeader().hide()
        self.note = QtWidgets.QLabel("")
        self.note.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.show_curves)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.rows = []
        session.link_changed.connect(self.refresh)
        session.dvhs_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        link = self.session.link
        self.table.clear()
        self.rows = []
        if link is None:
            self.table.setRowCount(0)
            self.note.setText("")
            return
        if link.dose is None or not link.dose.stored_dvhs:
            self.table.setRowCount(0)
            self.note.setText("No dose selected." if link.dose is None else
                              "This RT Dose holds no DVH of the planning system (no DVH Sequence).")
            return
        self.rows = compare_all(self.session.dvhs, link.dose)
        header = ["Structure", "Metric", "rtreview", "Planning system", "Difference", ""]
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        body = []
        for row in self.rows:
            for key, name in METRICS:
                body.append((row, key, name))
        self.table.setRowCount(len(body))
        for r, (row, key, name) in enumerate(body):
            flagged = key in row.flagged
            cells = [row.name, name, _num(row.ours.get(key)), _num(row.stored.get(key)),
                     _num(row.difference.get(key), signed=True), "beyond tolerance" if flagged else ""]
            for c, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                if 2 <= c <= 4:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                if flagged:
                    item.setBackground(QtGui.QColor(*FLAG_COLOUR))
                    item.setForeground(QtGui.QColor(0, 0, 0))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        waiting = "" if self.rows or self.session.dvhs else " Our DVHs are still being computed."
        self.note.setText(f"Difference = rtreview − planning system; {TOLERANCE_TEXT}. Dashed curves in cumulative "
                          f"Gy or % Rx only.{waiting}")


def _num(v, signed: bool = False) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    return f"{v:+.2f}" if signed else f"{v:.2f}"
