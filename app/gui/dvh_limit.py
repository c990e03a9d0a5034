"""LimitOverlay: a constraint's limit drawn on the DVH plot (and the DVH it was evaluated on, when
that curve is not already on the plot: a derived structure such as Liver-GTV, or a composite).

A point limit (Dx%, Dxcc, VxGy: dose and volume) is a triangle ▼ for an upper limit (the curve
should pass below/left of it) or ▲ for a lower one, with thin guide lines to the axes; a mean /
max / min dose limit is a vertical line. Colour = the result's status.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from app.core.viewing.constraint_rows import STATUS_RGB, LimitPoint, comparator_text


class LimitOverlay:
    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.result = None
        self.point_item = pg.ScatterPlotItem(size=15, pxMode=True)
        self.guides = pg.PlotDataItem(pen=pg.mkPen((235, 235, 235, 150), width=1, style=QtCore.Qt.PenStyle.DotLine))
        self.line_item = pg.InfiniteLine(angle=90, movable=False)
        self.curve_item = pg.PlotDataItem(antialias=True)
        self.label = pg.TextItem(anchor=(0, 1), color=(240, 240, 240), fill=pg.mkBrush(22, 24, 28, 210))
        for item in (self.curve_item, self.guides, self.point_item, self.line_item, self.label):
            plot.addItem(item, ignoreBounds=item is not self.curve_item)
            item.setZValue(50)
            item.setVisible(False)

    @property
    def items(self) -> list:
        """The plot items showing the limit now (tests, export)."""
        return [i for i in (self.point_item, self.line_item, self.curve_item) if i.isVisible()]

    def show(self, result, point: LimitPoint | None, curve_xy=None, curve_rgb=(230, 230, 230),
             curve_name: str = "") -> None:
        """Draw ``point`` (None: no limit to draw) and, if given, the evaluated DVH ``curve_xy``."""
        self.clear()
        self.result = result
        rgb = STATUS_RGB[result.status]
        if curve_xy is not None:
            self.curve_item.setData(*curve_xy)
            self.curve_item.setPen(pg.mkPen(tuple(curve_rgb), width=2.5, style=QtCore.Qt.PenStyle.DashLine))
            self.curve_item.setVisible(True)
        text = f"{result.structure}: {result.metric} {comparator_text(result.comparator)} limit · {result.status.value}"
        if result.limit_as_written:
            text = f"{result.structure}: {result.limit_as_written.replace('<=', '≤').replace('>=', '≥')}"
        if curve_name:
            text += f"  ({curve_name})"
        if point is None:
            self.label.setText(text + " — no limit to draw")
            self._place_label(None, None)
            return
        if point.volume is None:
            self.line_item.setPen(pg.mkPen(rgb, width=2, style=QtCore.Qt.PenStyle.DashLine))
            self.line_item.setValue(point.dose)
            self.line_item.setVisible(True)
        else:
            self.point_item.setData([point.dose], [point.volume], symbol="t" if point.upper else "t1",
                                    brush=pg.mkBrush(*rgb), pen=pg.mkPen((255, 255, 255), width=1.2))
            self.point_item.setVisible(True)
            self.guides.setData([0.0, point.dose, point.dose], [point.volume, point.volume, 0.0],
                                connect="all")
            self.guides.setVisible(True)
        self.label.setText(text)
        self._place_label(point.dose, point.volume)

    def _place_label(self, dose, volume) -> None:
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        x = dose if dose is not None and np.isfinite(dose) else x0
        y = volume if volume is not None else y0 + 0.92 * (y1 - y0)
        x = min(max(x, x0), x0 + 0.6 * (x1 - x0))  # keep the text inside the plot
        self.label.setPos(x, min(y + 0.04 * (y1 - y0), y1))
        self.label.setVisible(True)

    def clear(self) -> None:
        self.result = None
        for item in (self.curve_item, self.guides, self.point_item, self.line_item, self.label):
            item.setVisible(False)
