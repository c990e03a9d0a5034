"""DVHs of several plans overlaid: one colour per structure (the structure set's), one line style
per plan (solid, dashed, dotted, dash-dot), cumulative, Gy; volume in % (default) or cc. A planning system's stored
DVH can be added the same way (dashed, with its own legend entry)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from rtreview.gui.compare.tables import structure_key

STYLES = (QtCore.Qt.PenStyle.SolidLine, QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.DotLine,
          QtCore.Qt.PenStyle.DashDotLine)
STYLE_NAMES = ("solid", "dashed", "dotted", "dash-dot")


class DvhOverlay(QtWidgets.QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "Dose (Gy)")
        self.plot.setLabel("left", "Volume (cc)")
        self.key = QtWidgets.QLabel("")
        self.key.setWordWrap(True)
        self.volume_unit = QtWidgets.QComboBox()
        self.volume_unit.addItems(["%", "cc"])
        self.volume_unit.setToolTip("Volume in % of each structure inside the plan's dose grid, or in cc")
        self.volume_unit.currentTextChanged.connect(lambda _t: self._draw())
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("DVHs of the plans compared · volume"))
        bar.addWidget(self.volume_unit)
        bar.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.key)
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}  # (plan label, structure key) -> curve
        self.highlighted = ""
        self._labels: list[str] = []
        self._dvhs: dict[str, dict] = {}

    def set_plans(self, labels: list[str], dvhs: dict[str, dict]) -> None:
        """``dvhs``: plan label -> {roi number: Dvh}. Structures matched by name across plans."""
        self._labels, self._dvhs = list(labels), dvhs
        self._draw()

    def _draw(self) -> None:
        labels, dvhs = self._labels, self._dvhs
        percent = self.volume_unit.currentText() == "%"
        self.plot.setLabel("left", "Volume (%)" if percent else "Volume (cc)")
        for item in self.curves.values():
            self.plot.removeItem(item)
        self.curves.clear()
        for i, label in enumerate(labels):
            style = STYLES[i % len(STYLES)]
            for dvh in dvhs.get(label, {}).values():
                key = structure_key(dvh.name)
                pen = pg.mkPen(dvh.color_rgb, width=2.0, style=style)
                y = dvh.cumulative_pct() if percent else dvh.cumulative_cc
                item = self.plot.plot(dvh.dose_gy, y, pen=pen, name=f"{dvh.name} ({label})")
                self.curves[(label, key)] = item
        self.key.setText("   ".join(f"{STYLE_NAMES[i % len(STYLES)]}: {label}" for i, label in enumerate(labels))
                         + "   · colour: structure")
        self.plot.enableAutoRange()

    def highlight(self, name: str) -> None:
        key = structure_key(name)
        self.highlighted = key
        for (label, k), item in self.curves.items():
            pen = item.opts["pen"]
            pen = pg.mkPen(pen.color(), width=3.4 if k == key else 1.4 if key else 2.0, style=pen.style())
            item.setPen(pen)
            item.setZValue(2 if k == key else 0)
