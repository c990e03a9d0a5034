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

from rtreview.core.timeline import CaseTimeline, TimelineWarning, lines_of_therapy
from rtreview.gui.timeline.items import (ArrowItem, BarItem, FadeTailItem, LabelItem, MarkerItem, event_color,
                                    follow_up_line)
from rtreview.core.timeline.layout import DAY_S, LANE_GAP_ROWS, OPEN_END_TAIL_DAYS, date_to_x, layout_case

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
        self.line_items: list = []  # (LineOfTherapy, bracket, label) drawn in the bottom lane

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
        for place in layout.placements:
            self._add_event(place, label(place.event), flagged.get(place.event.id, []))
        ticks = list(layout.lane_ticks)
        height = self._add_lines_of_therapy(case, layout.height_rows, ticks, horizon)
        plot.getAxis("left").setTicks([[(y, title) for y, title in ticks], []])
        if case.last_follow_up_date:
            plot.addItem(follow_up_line(case.last_follow_up, label=True))
        # rows below ~15 px make labels collide: ask the dock for at least that much height
        self.setMinimumHeight(int((height + 0.5) * MIN_ROW_PX) + 8)
        # limits first: the previous case's limits would clamp the new range (a case drawn once
        # after an empty one showed only its first lanes)
        plot.getViewBox().setLimits(yMin=-1, yMax=height + 1)
        plot.setYRange(-0.25, height + 0.25, padding=0)
        if x_range[1] - x_range[0] > 2 * DAY_S:
            plot.setXRange(*x_range, padding=0)

    def _add_lines_of_therapy(self, case: CaseTimeline, top: float, ticks: list, horizon) -> float:
        """A lane under the others: one bracket per line of therapy ('L1 lenvatinib + camrelizumab'),
        from its start to the next line's start (or the last follow-up, ongoing); the new height."""
        try:
            lines = lines_of_therapy(case)
        except (ValueError, KeyError):  # an incomplete case being edited: no lines to draw
            lines = []
        self.line_items = []
        if not lines:
            return top
        y = top + LANE_GAP_ROWS + 0.5
        plot = self.getPlotItem()
        pen = pg.mkPen("#495057", width=1.5)
        for line in lines:
            x0 = date_to_x(line.start_date)
            end = line.end_date or horizon or line.start_date
            x1 = date_to_x(end) + (DAY_S if not line.ongoing else 0.0)
            bracket = pg.PlotDataItem([x0, x0, x1, x1], [y - 0.25, y, y, y - 0.25], pen=pen)
            tip = (f"Line {line.number}: {line.start_date} → {'ongoing' if line.ongoing else line.end_date}"
                   f" ({line.days if line.days is not None else '?'} days)\n{line.regimen}"
                   + ("\n(line numbers inferred from progressions)" if line.line_inferred else ""))
            bracket.setToolTip(tip)
            plot.addItem(bracket)
            text = pg.TextItem(f"L{line.number} {line.regimen}", color="#343a40", anchor=(0, 0.05))
            text.setPos(x0, y)
            text.setToolTip(tip)
            plot.addItem(text)
            self.line_items.append((line, bracket, text))
        ticks.append((y, "Lines of therapy"))
        return y + 0.75

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
