"""Tumor markers over time (e.g. AFP ng/mL, PIVKA-II mAU/mL) on a log axis, below the lanes.

One curve per lab series, its unit in the legend; upper limits of normal dotted and labelled
("AFP upper normal 20 ng/mL"); hover a point for its value, date and source. Curves are in
``curves`` by series id; ``uln_lines`` holds the upper-normal lines.
"""
from __future__ import annotations

import datetime as _dt
import math

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from rtreview.core.timeline.model import FollowUp, LabSeries
from rtreview.gui.timeline.items import follow_up_line
from rtreview.core.timeline.layout import date_to_x

MARKER_COLORS = ["#d6336c", "#1c7ed6", "#37b24d", "#f59f00"]


def _tip(x: float, y: float, data: str) -> str:
    return data


class TumorMarkerPlot(pg.PlotWidget):
    curve_clicked = QtCore.Signal(str)  # id (else analyte) of the lab series clicked: edit it

    def __init__(self, left_axis_px: int, parent=None):
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem()}, background="w")
        item = self.getPlotItem()
        item.setMouseEnabled(x=True, y=False)
        item.hideButtons()
        item.getAxis("left").setWidth(left_axis_px)
        item.showGrid(x=True, y=False, alpha=0.25)
        item.layout.setContentsMargins(2, 2, 8, 2)
        item.setLogMode(x=False, y=True)
        # the axis title, level, in the wide left axis beside its tick labels (a rotated title is
        # clipped at this height); the legend gives each series' unit
        self.title = QtWidgets.QLabel("Tumor markers\n(log scale)", self)
        self.title.setStyleSheet("color: #495057; background: transparent; font-size: 8pt;")
        self.title.move(6, 6)
        item.enableAutoRange(axis="y")
        self.legend = item.addLegend(offset=(-8, 2), labelTextSize="8pt", verSpacing=-6, colCount=2,
                                     labelTextColor="#343a40", brush=pg.mkBrush(255, 255, 255, 200))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.uln_lines: list[pg.InfiniteLine] = []
        self.setMinimumHeight(70)

    def set_series(self, series_list: list[LabSeries], follow_up: FollowUp | None) -> None:
        """Show these series (and the last follow-up line); values <= 0 cannot be drawn on a log axis."""
        plot = self.getPlotItem()
        plot.clear()
        self.legend.clear()
        self.curves = {}
        self.uln_lines = []
        for index, series in enumerate(s for s in series_list if s.samples):
            color = MARKER_COLORS[index % len(MARKER_COLORS)]
            samples = sorted(series.samples, key=lambda s: s.date)
            curve = pg.PlotDataItem(
                [date_to_x(s.date) for s in samples], [s.value for s in samples],
                pen=pg.mkPen(color, width=2, style=QtCore.Qt.PenStyle.DashLine if series.illustrative
                             else QtCore.Qt.PenStyle.SolidLine),
                symbol="o", symbolSize=6, symbolBrush=color, symbolPen=color,
                data=[_sample_tip(series, s) for s in samples],
                name=f"{series.analyte} ({series.unit})" + (" — illustrative" if series.illustrative else ""))
            curve.scatter.opts["hoverable"] = True
            curve.scatter.opts["tip"] = _tip
            plot.addItem(curve)
            key = series.id or series.analyte
            self.curves[key] = curve
            curve.sigClicked.connect(lambda _item, *_rest, k=key: self.curve_clicked.emit(k))
            if series.upper_limit_normal:
                # InfiniteLine knows nothing of log mode: place it at log10 of the value
                uln = pg.InfiniteLine(math.log10(series.upper_limit_normal), angle=0, movable=False,
                                      pen=pg.mkPen(color, width=1, style=QtCore.Qt.PenStyle.DotLine),
                                      label=f"{series.analyte} upper normal {series.upper_limit_normal:g}",
                                      labelOpts={"position": 0.03 + 0.2 * len(self.uln_lines), "color": color,
                                                 "anchors": [(0, 1), (0, 1)]})  # staggered: close values
                uln.setToolTip(f"{series.analyte} upper limit of normal: {series.upper_limit_normal:g} {series.unit}")
                plot.addItem(uln)
                self.uln_lines.append(uln)
        if follow_up is not None and follow_up.date and self.curves:
            plot.addItem(follow_up_line(follow_up, label=False))


def _sample_tip(series: LabSeries, sample) -> str:
    date: _dt.date = sample.date
    text = (f"{series.analyte} {sample.value:g} {series.unit}\n{date.isoformat()}\n"
            f"Source: {sample.source or series.source}")
    if sample.illustrative or series.illustrative:
        text += "\nIllustrative value"
    return text
