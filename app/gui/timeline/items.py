"""Graphics items of the timeline lanes: event bars, point markers, labels.

Items call ``on_click(event_id, double)`` (they are not QObjects, so no signals); the view
turns that into its signals. Illustrative events are outlined with a dashed pen.
"""
from __future__ import annotations

import html
from typing import Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.timeline.model import Event

ClickHandler = Callable[[str, bool], None]

HIGHLIGHT = QtGui.QColor("#f59f00")
RESULT_COLORS = {"CR": "#2b8a3e", "PR": "#2b8a3e", "DC": "#0c8599", "SD": "#0c8599", "PD": "#c92a2a", "NE": "#868e96"}


def event_color(event: Event) -> QtGui.QColor:
    """One colour per kind; responses by result, systemic therapy by drug class."""
    from rtreview.core.timeline.drugs import rt_interaction_class

    if event.kind == "response":
        return QtGui.QColor(RESULT_COLORS.get(event.result, "#495057"))
    if event.kind == "systemic_therapy":
        kind = rt_interaction_class(event.drug, event.drug_class)
        return QtGui.QColor({"anti-VEGF": "#1971c2", "immune checkpoint inhibitor": "#7048e8"}.get(kind, "#1098ad"))
    return QtGui.QColor({"rt_course": "#e8590c", "procedure": "#2f9e44", "imaging": "#495057",
                         "diagnosis": "#212529", "adverse_event": "#f08c00", "death": "#000000",
                         "note": "#868e96"}.get(event.kind, "#495057"))


def tooltip_html(event: Event) -> str:
    """Details, source and (if so) the illustrative warning, as rich text."""
    rows = "".join(f"<tr><td><i>{html.escape(k)}</i></td><td>{html.escape(v)}</td></tr>"
                   for k, v in event.details() if k not in ("date", "start_date", "end_date"))  # in the span
    span = event.start.isoformat()
    if event.ongoing:
        span += " → ongoing"
    elif event.end is not None and event.end != event.start:
        span += f" → {event.end.isoformat()}"
    parts = [f"<b>{html.escape(event.title)}</b> <span style='color:#666'>({event.kind.replace('_', ' ')})</span>",
             span, f"<table>{rows}</table>",
             f"<span style='color:#666'>Source: {html.escape(event.source or 'not given')}</span>"]
    if event.illustrative:
        parts.append("<span style='color:#c92a2a'><b>Illustrative:</b> some values are made up for the "
                     "example (see source)</span>")
    return "<br>".join(parts)


class _Clickable:
    """Left click -> ``on_click(event_id, double)``; right click -> ``on_menu(event_id, screen_pos)``."""

    event_id: str
    on_click: ClickHandler | None = None
    on_menu: Callable[[str, QtCore.QPointF], None] | None = None

    def mouseClickEvent(self, ev):  # pyqtgraph's click protocol
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and self.on_click is not None:
            ev.accept()
            self.on_click(self.event_id, ev.double())
        elif ev.button() == QtCore.Qt.MouseButton.RightButton and self.on_menu is not None:
            ev.accept()  # the item's menu, not the plot's
            self.on_menu(self.event_id, ev.screenPos())


def _pen(color: QtGui.QColor, illustrative: bool, width: float = 1.2) -> QtGui.QPen:
    pen = QtGui.QPen(color.darker(140), width)
    pen.setCosmetic(True)
    if illustrative:
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
    return pen


class BarItem(_Clickable, QtWidgets.QGraphicsRectItem):
    """A treatment bar in data coordinates (x: epoch seconds, y: rows)."""

    HEIGHT_ROWS = 0.62

    def __init__(self, event: Event, x0: float, x1: float, y: float, on_click: ClickHandler):
        super().__init__(QtCore.QRectF(x0, y - self.HEIGHT_ROWS / 2, max(x1 - x0, 1.0), self.HEIGHT_ROWS))
        self.event_id, self.on_click, self.event = event.id, on_click, event
        self.color = event_color(event)
        self.setBrush(QtGui.QBrush(self.color.lighter(115)))
        self.setToolTip(tooltip_html(event))
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.set_highlighted(False)

    def set_highlighted(self, on: bool) -> None:
        self.highlighted = on
        self.setPen(_pen(HIGHLIGHT, False, 3.5) if on else _pen(self.color, self.event.illustrative))
        self.setZValue(10 if on else 5)


class FadeTailItem(QtWidgets.QGraphicsRectItem):
    """The open end of an ongoing therapy: the bar's colour fading out after the last follow-up."""

    def __init__(self, color: QtGui.QColor, x0: float, x1: float, y: float, height: float):
        super().__init__(QtCore.QRectF(x0, y - height / 2, x1 - x0, height))
        gradient = QtGui.QLinearGradient(0, 0, 1, 0)
        gradient.setCoordinateMode(QtGui.QGradient.CoordinateMode.ObjectBoundingMode)
        start = QtGui.QColor(color.lighter(115))
        end = QtGui.QColor(start)
        end.setAlpha(0)
        gradient.setColorAt(0.0, start)
        gradient.setColorAt(1.0, end)
        self.setBrush(QtGui.QBrush(gradient))
        self.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.setZValue(4)


def _marker_path(kind: str, size: float) -> QtGui.QPainterPath:
    s = size / 2
    path = QtGui.QPainterPath()
    if kind in ("response",):  # diamond
        path.moveTo(0, -s); path.lineTo(s, 0); path.lineTo(0, s); path.lineTo(-s, 0); path.closeSubpath()
    elif kind in ("procedure", "open_end"):  # triangle pointing right
        path.moveTo(-s, -s); path.lineTo(s, 0); path.lineTo(-s, s); path.closeSubpath()
    elif kind == "death":
        path.moveTo(-s, -s); path.lineTo(s, s); path.moveTo(-s, s); path.lineTo(s, -s)
    elif kind in ("diagnosis", "note"):
        path.addRect(-s * 0.8, -s * 0.8, 1.6 * s, 1.6 * s)
    else:
        path.addEllipse(QtCore.QPointF(0, 0), s * 0.85, s * 0.85)
    return path


class MarkerItem(_Clickable, QtWidgets.QGraphicsPathItem):
    """A point event: a fixed-size symbol (pixels) at a date."""

    SIZE_PX = 11

    def __init__(self, event: Event, x: float, y: float, on_click: ClickHandler):
        super().__init__(_marker_path(event.kind, self.SIZE_PX))
        self.event_id, self.on_click, self.event = event.id, on_click, event
        self.color = event_color(event)
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPos(x, y)
        self.setBrush(QtGui.QBrush(self.color.lighter(120) if event.illustrative else self.color))
        self.setToolTip(tooltip_html(event))
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.set_highlighted(False)

    def set_highlighted(self, on: bool) -> None:
        self.highlighted = on
        self.setPen(_pen(HIGHLIGHT, False, 3) if on else _pen(self.color, self.event.illustrative))
        self.setZValue(12 if on else 6)


class ArrowItem(QtWidgets.QGraphicsPathItem):
    """Arrow head at the end of an open bar ("continues")."""

    def __init__(self, color: QtGui.QColor, x: float, y: float):
        super().__init__(_marker_path("open_end", 9))
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPos(x, y)
        faded = QtGui.QColor(color)
        faded.setAlpha(150)
        self.setBrush(QtGui.QBrush(faded))
        self.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.setZValue(4)


class LabelItem(_Clickable, pg.TextItem):
    """An event's label (clickable like its bar or marker)."""

    def __init__(self, event: Event, text: str, color: QtGui.QColor, on_click: ClickHandler,
                 offset_px: float = 0.0, anchor=(0, 0.5)):
        self.offset_px = offset_px  # to the right of its anchor point, in pixels at every zoom
        super().__init__(text=text, color=color, anchor=anchor)
        self.event_id, self.on_click = event.id, on_click
        self.textItem.document().setDocumentMargin(1)  # tight box: lanes are ~16 px rows at 300 px
        self.updateTextPos()
        self.setToolTip(tooltip_html(event))
        self.setZValue(20)

    def updateTextPos(self):
        super().updateTextPos()
        self.textItem.setPos(self.textItem.pos() + QtCore.QPointF(getattr(self, "offset_px", 0.0), 0))


def follow_up_line(follow_up, label: bool) -> pg.InfiniteLine:
    """The dashed vertical 'last follow-up' line (x in epoch seconds), labelled on one plot only."""
    from rtreview.core.timeline.layout import date_to_x

    text = f"last follow-up {follow_up.date.isoformat()}{' (illustrative)' if follow_up.illustrative else ''}"
    line = pg.InfiniteLine(date_to_x(follow_up.date), angle=90, movable=False,
                           pen=pg.mkPen("#495057", width=1.5, style=QtCore.Qt.PenStyle.DashLine),
                           label=text if label else None,
                           labelOpts={"position": 0.03, "color": "#495057", "anchors": [(1, 0), (1, 0)],
                                      "fill": pg.mkBrush(255, 255, 255, 210)})
    line.setToolTip(f"{html.escape(text)}<br>Status: {html.escape(follow_up.status or '-')}"
                    f"<br>Source: {html.escape(follow_up.source or '-')}")
    line.setZValue(15)
    return line
