"""LimitOverlay: a constraint's limit drawn on the DVH plot (and the DVH it was evaluated on, when
that curve is not already on the plot: a derived structure such as Liver-GTV, or a composite).

A point limit (Dx%, Dxcc, VxGy: dose and volume) is a triangle ▼ for an upper limit (the curve
should pass below/left of it) or ▲ for a lower one, with thin guide lines to the axes; a mean /
max / min dose limit is a vertical line. Colour = the result's status.
"""
from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6 import QtCore

from rtreview.core.viewing.constraint_rows import STATUS_RGB, LimitPoint, comparator_text


class LimitOverlay:
    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.result = None
        self.point_item = pg.ScatterPlotItem(size=15, pxMode=True)
        self.guides = pg.PlotDataItem(pen=pg.mkPen((235, 235, 235, 150), width=1, style=QtCore.Qt.PenStyle.DotLine))
        self.line_item = pg.InfiniteLine(angle=90, movable=False)
        self.curve_item = pg.PlotDataItem(antialias=True)
        for item in (self.curve_item, self.guides, self.point_item, self.line_item):
            plot.addItem(item, ignoreBounds=item is not self.curve_item)
            item.setZValue(50)
            item.setVisible(False)
        # the caption sits in the view box's own pixels (upper right, where cumulative DVHs are
        # seldom drawn), not in data coordinates: it stays readable whatever the zoom
        self.label = pg.TextItem(anchor=(1, 0), color=(240, 240, 240), fill=pg.mkBrush(22, 24, 28, 215),
                                 border=pg.mkPen((120, 120, 120)))
        self.label.setParentItem(plot.getViewBox())
        self.label.setZValue(60)
        self.label.setVisible(False)
        plot.getViewBox().sigResized.connect(lambda *_: self._place_label())

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
        self.label.setHtml(f"<span style='color:rgb{rgb}'>■</span> {html.escape(text)}")
        self._place_label()
        if point is None:
            self.label.setHtml(html.escape(text + " — no limit to draw"))
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

    def _place_label(self) -> None:
        if self.result is None:
            return
        rect = self.plot.getViewBox().boundingRect()
        self.label.setPos(rect.right() - 6, rect.top() + 0.22 * rect.height())
        self.label.setVisible(True)

    def clear(self) -> None:
        self.result = None
        for item in (self.curve_item, self.guides, self.point_item, self.line_item, self.label):
            item.setVisible(False)
