"""DvhLegend: the DVH plot's legend, a column right of the plot (not over the curves, not under
them: the curves keep the panel's height) listing the structures with a curve in this plan, in
structure order, in as many columns as its height needs; light text on the dark background."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

LEGEND_TEXT_RGB = (226, 228, 232)
LEGEND_TEXT_PT = 9.0  # the legend's label size (its reserved width is measured in the same font)
LEGEND_SAMPLE_PX = 52.0  # a legend entry's line sample, spacing and margins beside its text
LEGEND_ROW_PX = 14.0  # height of a legend row at 8 pt (verSpacing -8)


class DvhLegend(pg.LegendItem):
    """The legend in column 1 of ``canvas``'s layout, beside the plot in column 0."""

    def __init__(self, canvas: pg.GraphicsLayoutWidget):
        # light text on the dark plot background (the default grey read poorly), line samples styled as the curves
        super().__init__(labelTextSize=f"{LEGEND_TEXT_PT:g}pt", labelTextColor=LEGEND_TEXT_RGB, colCount=1,
                         verSpacing=-8, horSpacing=6)
        self._canvas = canvas
        self._in_legend: list[tuple[int, str]] = []
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        canvas.addItem(self, row=0, col=1)
        grid = canvas.ci.layout
        grid.setColumnStretchFactor(0, 1)
        grid.setColumnStretchFactor(1, 0)
        grid.setAlignment(self, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)

    def names(self) -> list[str]:
        """The entries, top to bottom then left to right."""
        return [label.text for _sample, label in self.items]

    def columns_for(self, n: int) -> int:
        """One column while ``n`` entries fit beside the plot's height, else as many as needed."""
        rows = max(int((self._canvas.height() - 30) // LEGEND_ROW_PX), 4)
        return max(1, -(-n // rows))

    def fit(self) -> None:
        """Re-column the entries for the canvas's height (after a resize)."""
        columns = self.columns_for(len(self.items))
        if columns != self.columnCount:
            self.setColumnCount(columns)

    def reserve(self, names: list[str], font: QtGui.QFont) -> None:
        """Take, from the start, the width entries named ``names`` will need (``font``: the widget's,
        sized here as the labels): the plot does not shrink as curves arrive."""
        if not names:
            self.setMinimumWidth(0)
            return
        font = QtGui.QFont(font)
        font.setPointSizeF(LEGEND_TEXT_PT)
        text_px = max(QtGui.QFontMetrics(font).horizontalAdvance(n) for n in names)
        columns = self.columns_for(len(names))
        self.setMinimumWidth(math.ceil(columns * (text_px + LEGEND_SAMPLE_PX)) + 1)  # (label widths are fractional)

    def show_entries(self, entries: list[tuple[int, object, str]]) -> None:
        """List ``entries`` (number, item, name) in structure order: entries added at the end are
        appended (curves arrive in that order), any other change rebuilds the legend."""
        wanted = [(n, name) for n, _item, name in entries]
        if wanted == self._in_legend:
            return
        columns = self.columns_for(len(entries))
        start = len(self._in_legend)
        if wanted[:start] != self._in_legend or columns != self.columnCount:
            self.clear()
            self.columnCount = columns
            start = 0
        for _number, item, name in entries[start:]:
            self.addItem(item, name)
        self._in_legend = wanted
        # lay the legend out now: left to the next layout request, a paint in between drew it at
        # the scene's origin, over the y axis
        self.layout.activate()
        self._canvas.ci.layout.activate()
