"""The treatment lanes of the case timeline as a pyqtgraph plot (dates on x, lanes on y).

``show(case, warnings)`` redraws; ``item_clicked(event_id, double)`` reports clicks;
``set_highlighted(ids)`` outlines events. ``event_items`` maps event id -> bar or marker.
"""
from __future__ import annotations

import datetime as _dt
import html
from typing import Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from rtreview.core.timeline import CaseTimeline, TimelineWarning
from rtreview.gui.timeline.items import (ArrowItem, BarItem, FadeTailItem, LabelItem, MarkerItem, event_color,
                                    follow_up_line)
from rtreview.core.timeline.layout import DAY_S, OPEN_END_TAIL_DAYS, date_to_x, layout_case

MIN_ROW_PX = 15


def short_label(event) -> str:
    """Short text beside an event (details are in its tooltip)."""
    if event.kind == "diagnosis":
        return "Dx"
    if event.kind == "response":
        return event.result + (f" ({event.modality})" if event.result == "PD" and event.modality else "")
    if event.kind == "systemic_therapy":
        dose = f" {event.dose_mg:g} mg" if event.dose_mg else ""
        return f"{event.drug}{dose}{' ' + event.schedule if event.schedule else ''}"
    return event.title


def case_dates(case: CaseTimeline) -> list[_dt.date]:
    """Every date the case mentions (events, their ends, lab samples, last follow-up)."""
    days = [e.start for e in case.events] + [e.end for e in case.events if e.end]
    days += [s.date for series in case.lab_series for s in series.samples]
    if case.last_follow_up_date:
        days.append(case.last_follow_up_date)
    return days


class TimelineLanesPlot(pg.PlotWidget):
    item_clicked = QtCore.Signal(str, bool)  # event id, double click
    item_menu_requested = QtCore.Signal(str, QtCore.QPointF)  # event id, screen position

    def __init__(self, left_axis_px: int, parent=None):
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem()}, background="w")
        self.left_axis_px = left_axis_px
        item = self.getPlotItem()
        item.setMouseEnabled(x=True, y=False)
        item.hideButtons()
        item.getAxis("left").setWidth(left_axis_px)
        item.getAxis("left").setStyle(tickLength=0)
        item.showGrid(x=True, y=False, alpha=0.25)
        item.layout.setContentsMargins(2, 2, 8, 2)
        item.invertY(True)
        self.show_dates(False)
        self.event_items: dict[str, BarItem | MarkerItem] = {}

    def show_dates(self, on: bool) -> None:
        """Date labels on this plot's axis (off when the marker plot below carries them)."""
        axis = self.getPlotItem().getAxis("bottom")
        axis.setStyle(showValues=on, tickLength=5 if on else 0)
        axis.setHeight(None if on else 2)

    def _seconds_per_px(self, case: CaseTimeline) -> float:
        """x units per pixel when the whole case is shown (label widths are laid out at that zoom)."""
        days = case_dates(case)
        span_s = (date_to_x(max(days)) - date_to_x(min(days)) + (OPEN_END_TAIL_DAYS + 50) * DAY_S) if days else DAY_S
        width_px = self.getPlotItem().getViewBox().width()
        if width_px < 100:  # not laid out yet
            width_px = max(self.width() - self.left_axis_px - 12, 400)
        return span_s / width_px

    def show_case(self, case: CaseTimeline, warnings: list[TimelineWarning]) -> None:
        """Redraw every lane of ``case``; events with a warning get ⚠ and the message in their tooltip."""
        plot = self.getPlotItem()
        x_range = plot.getViewBox().viewRange()[0]
        plot.clear()
        self.event_items = {}
        flagged: dict[str, list[TimelineWarning]] = {}
        for warning in warnings:
            if warning.severity == "warning" and warning.event_id:
                flagged.setdefault(warning.event_id, []).append(warning)
        label = lambda e: short_label(e) + (" ⚠" if e.id in flagged else "")  # noqa: E731
        s_per_px = self._seconds_per_px(case)
        metrics = QtGui.QFontMetrics(self.font())
        horizon = case.last_follow_up_date or max(case_dates(case), default=None)  # ongoing bars end here
        layout = layout_case(case, lambda e: (metrics.horizontalAdvance(label(e)) + 8) * s_per_px,
                             (MarkerItem.SIZE_PX + 4) * s_per_px,
                             date_to_x(horizon) + DAY_S if horizon else None)
        for index, (top, bottom) in enumerate(layout.lane_bounds):
            if index % 2 == 0:
                band = pg.LinearRegionItem((top - 0.15, bottom + 0.15), orientation="horizontal", movable=False,
                                           brush=pg.mkBrush(0, 0, 0, 10), pen=pg.mkPen(None))
                band.setZValue(-10)
                plot.addItem(band)
        plot.getAxis("left").setTicks([[(y, title) for y, title in layout.lane_ticks], []])
        for place in layout.placements:
            self._add_event(place, label(place.event), flagged.get(place.event.id, []))
        if case.last_follow_up_date:
            plot.addItem(follow_up_line(case.last_follow_up, label=True))
        # rows below ~15 px make labels collide: ask the dock for at least that much height
        self.setMinimumHeight(int((layout.height_rows + 0.5) * MIN_ROW_PX) + 8)
        # limits first: the previous case's limits would clamp the new range (a case drawn once
        # after an empty one showed only its first lanes)
        plot.getViewBox().setLimits(yMin=-1, yMax=layout.height_rows + 1)
        plot.setYRange(-0.25, layout.height_rows + 0.25, padding=0)
        if x_range[1] - x_range[0] > 2 * DAY_S:
            plot.setXRange(*x_range, padding=0)

    def _add_event(self, place, text: str, warnings: list[TimelineWarning]) -> None:
        plot = self.getPlotItem()
        event = place.event
        color = event_color(event)
        click: Callable[[str, bool], None] = self.item_clicked.emit
        if place.x1 is None:
            item = MarkerItem(event, place.x0, place.y, click)
            label = LabelItem(event, text, color.darker(130), click, MarkerItem.SIZE_PX / 2 + 2)
            label.setPos(place.x0, place.y)
        else:
            item = BarItem(event, place.x0, place.x1, place.y, click)
            if place.open_end:
                tail_end = place.x1 + OPEN_END_TAIL_DAYS * DAY_S
                plot.addItem(FadeTailItem(color, place.x1, tail_end, place.y, BarItem.HEIGHT_ROWS))
                plot.addItem(ArrowItem(color, tail_end, place.y))
            label_color = QtGui.QColor("white") if place.label_inside else color.darker(150)
            label = LabelItem(event, text, label_color, click, 3)
            label.setPos(place.x0 if place.label_inside else place.x1, place.y)
        if warnings:
            extra = "".join(f"<br><span style='color:#c92a2a'>⚠ {html.escape(w.message)}</span>" for w in warnings)
            for graphic in (item, label):
                graphic.setToolTip(graphic.toolTip() + extra)
        for graphic in (item, label):
            graphic.on_menu = self.item_menu_requested.emit
        plot.addItem(item)
        plot.addItem(label)
        self.event_items[event.id] = item

    def set_highlighted(self, event_ids: set[str]) -> None:
        for event_id, item in self.event_items.items():
            item.set_highlighted(event_id in event_ids)

    def fit(self, case: CaseTimeline) -> None:
        """Show the whole case; pan and zoom stay within a year of it, at least two weeks shown."""
        days = case_dates(case)
        if not days:
            return
        x0 = date_to_x(min(days)) - 25 * DAY_S
        x1 = date_to_x(max(days)) + (OPEN_END_TAIL_DAYS + 25) * DAY_S
        box = self.getPlotItem().getViewBox()
        box.setLimits(xMin=x0 - 365 * DAY_S, xMax=x1 + 365 * DAY_S, minXRange=14 * DAY_S)
        box.setXRange(x0, x1, padding=0)
