"""A strip of the case timeline: RT courses (this report's course highlighted), systemic
therapy, procedures, imaging and response, other events, and the tumor markers on a log axis.

Reads ``rtreview.core.timeline.CaseTimeline``; draws with QPainter only. Labels are placed so they
never overlap: overlapping bars go to separate rows, a label that would collide is dropped
(its bar or marker stays; the tables and the window hold the details).
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui

from rtreview.core.timeline.layout import pack_rows

from .document import INK, MUTED, Canvas

LABEL_W = 118.0
ROW_H = 15.0
MARKER_H = 78.0
HIGHLIGHT = QtGui.QColor(200, 30, 30)
HIGHLIGHT_BAND = QtGui.QColor(255, 236, 150, 140)
ILLUSTRATIVE = QtGui.QColor(150, 80, 0)
LANE_COLORS = {"radiotherapy": QtGui.QColor(150, 150, 150), "systemic": QtGui.QColor(70, 130, 180),
               "procedures": QtGui.QColor(120, 90, 160), "imaging": QtGui.QColor(90, 90, 90),
               "other": QtGui.QColor(110, 110, 110)}
LANES = [("radiotherapy", "Radiotherapy"), ("systemic", "Systemic therapy"), ("procedures", "Procedures"),
         ("imaging", "Imaging / response"), ("other", "Other")]
MARKER_COLORS = [QtGui.QColor(0, 90, 170), QtGui.QColor(170, 60, 150), QtGui.QColor(0, 140, 110),
                 QtGui.QColor(200, 110, 0)]


def _compact(value: float) -> str:
    """1, 10, 100, 1k, 10k, 100k, 1M."""
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= div:
            return f"{value / div:g}{suffix}"
    return f"{value:g}"


@dataclass
class TimelineStrip:
    timeline: object | None  # CaseTimeline
    highlight_labels: list[str]
    highlight_uids: list[str] = field(default_factory=list)
    note: str = ""

    # -- layout ---------------------------------------------------------------------------
    def _events(self):
        return [e for e in self.timeline.sorted_events() if e.start is not None]

    def _is_highlighted(self, event) -> bool:
        if getattr(event, "kind", "") != "rt_course":
            return False
        return any(event.links_plan(label, uid) for label in self.highlight_labels
                   for uid in (self.highlight_uids or [""]))

    def _lane_of(self, event) -> str:
        lane = getattr(event, "LANE", "other")
        return lane if lane in dict(LANES) else "other"

    def _lane_rows(self, x_of) -> dict[str, int]:
        rows = {}
        for lane, _ in LANES:
            evs = [e for e in self._events() if self._lane_of(e) == lane]
            ivs = [(x_of(e.start), x_of(self._end(e)) + 60) for e in evs]  # room for a label
            rows[lane] = (max(pack_rows(ivs)) + 1) if evs else 0
        return rows

    def _end(self, event) -> _dt.date:
        if event.end is not None:
            return event.end
        if event.ongoing:
            return self._range()[1]
        return event.start

    def _range(self) -> tuple[_dt.date, _dt.date]:
        dates = [e.start for e in self._events()] + [e.end for e in self._events() if e.end is not None]
        dates += [s.date for lab in self.timeline.lab_series for s in lab.samples if s.date is not None]
        if self.timeline.last_follow_up_date:
            dates.append(self.timeline.last_follow_up_date)
        lo, hi = min(dates), max(dates)
        pad = max((hi - lo).days // 40, 7)
        return lo - _dt.timedelta(days=pad), hi + _dt.timedelta(days=pad)

    def height(self, canvas: Canvas, width: float) -> float:
        title = canvas.line_height(9.5, True) + 4
        if self.timeline is None or not self._events():
            return title + 2 * canvas.line_height(8) + 6
        lanes = sum(max(n, 1) for n in self._lane_rows(self._x_fn(0.0, width)).values())
        note = canvas.line_height(7) + 2 if self.has_illustrative() else 0.0
        return title + 4 + lanes * ROW_H + (MARKER_H + 8 if self.timeline.lab_series else 0) + 4 + \
            canvas.line_height(7.5) + 4 + note

    def has_illustrative(self) -> bool:
        """Whether the strip shows a made-up value (events, follow-up, lab series or samples)."""
        tl = self.timeline
        if tl is None:
            return False
        fu = tl.last_follow_up
        return (any(getattr(e, "illustrative", False) for e in self._events())
                or bool(fu is not None and fu.illustrative)
                or any(lab.illustrative or any(smp.illustrative for smp in lab.samples) for lab in tl.lab_series))

    def _x_fn(self, left: float, width: float):
        lo, hi = self._range()
        plot_l, plot_r = left + LABEL_W, left + width - 4
        span = max((hi - lo).days, 1)
        return lambda d: plot_l + (d - lo).days / span * (plot_r - plot_l)

    # -- painting -------------------------------------------------------------------------
    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        title_h = canvas.line_height(9.5, True) + 4
        which = " + ".join(self.highlight_labels)
        canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), title_h),
                    f"Case timeline — course {which} highlighted", 9.5, True)
        if self.timeline is None or not self._events():
            canvas.text(QtCore.QRectF(rect.left(), rect.top() + title_h, rect.width(), rect.height() - title_h),
                        self.note or "No case timeline.", 8, color=MUTED, wrap=True,
                        align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
            return
        lo, hi = self._range()
        plot_l, plot_r = rect.left() + LABEL_W, rect.right() - 4
        x_of = self._x_fn(rect.left(), rect.width())

        rows = self._lane_rows(x_of)
        y = rect.top() + title_h + 4
        top = y
        lane_top = {}
        for lane, _ in LANES:
            lane_top[lane] = y
            y += max(rows[lane], 1) * ROW_H
        lanes_bottom = y
        markers_top = y + 8
        markers_bottom = markers_top + MARKER_H if self.timeline.lab_series else lanes_bottom
        axis_y = markers_bottom + 2
        p = canvas.painter
        # highlight band for this course, behind everything
        for e in self._events():
            if self._is_highlighted(e):
                x0, x1 = x_of(e.start), x_of(self._end(e))
                p.fillRect(QtCore.QRectF(x0 - 2, top, max(x1 - x0, 2) + 4, axis_y - top), HIGHLIGHT_BAND)
        # lane labels and separators
        for i, (lane, title) in enumerate(LANES):
            h = max(rows[lane], 1) * ROW_H
            canvas.text(QtCore.QRectF(rect.left(), lane_top[lane], LABEL_W - 6, min(h, ROW_H)), title, 7.5, True, MUTED)
            p.setPen(QtGui.QPen(QtGui.QColor(225, 225, 225), 0.6))
            p.drawLine(QtCore.QPointF(plot_l, lane_top[lane] + h), QtCore.QPointF(plot_r, lane_top[lane] + h))
        self._axis(canvas, lo, hi, x_of, top, axis_y, plot_l, plot_r)
        fu = self.timeline.last_follow_up_date
        if fu is not None:
            p.setPen(QtGui.QPen(MUTED, 0.9, QtCore.Qt.PenStyle.DashLine))
            p.drawLine(QtCore.QPointF(x_of(fu), top), QtCore.QPointF(x_of(fu), axis_y))
        for lane, _ in LANES:
            evs = [e for e in self._events() if self._lane_of(e) == lane]
            packed = pack_rows([(x_of(e.start), x_of(self._end(e)) + 60) for e in evs])
            taken: dict[int, float] = {}
            for e, row in zip(evs, packed):
                self._event(canvas, e, x_of, lane_top[lane] + row * ROW_H, lane, taken, row, plot_r)
        if self.timeline.lab_series:
            self._markers(canvas, QtCore.QRectF(plot_l, markers_top, plot_r - plot_l, MARKER_H), x_of,
                          rect.left())
        if fu is not None and self.timeline.last_follow_up.illustrative:
            canvas.text(QtCore.QRectF(x_of(fu) - 30, top - 1, 29, canvas.line_height(7)), "f/u *", 7,
                        color=ILLUSTRATIVE, align=QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignTop)
        if self.has_illustrative():
            h = canvas.line_height(7)
            canvas.text(QtCore.QRectF(rect.left(), rect.bottom() - h, rect.width(), h),
                        "* illustrative: a value the case report does not give, made up for the worked example and "
                        "marked so in the case file (dashed outline / hollow marker)", 7, color=ILLUSTRATIVE)

    def _axis(self, canvas, lo, hi, x_of, top, axis_y, plot_l, plot_r) -> None:
        p = canvas.painter
        p.setPen(QtGui.QPen(INK, 0.8))
        p.drawLine(QtCore.QPointF(plot_l, axis_y), QtCore.QPointF(plot_r, axis_y))
        years = (hi - lo).days / 365.25
        months = 1 if years <= 1 else 3 if years <= 3 else 6 if years <= 6 else 12
        d = _dt.date(lo.year, 1, 1)
        th = canvas.line_height(7.5)
        while d <= hi:
            if d >= lo:
                x = x_of(d)
                major = d.month == 1
                p.setPen(QtGui.QPen(QtGui.QColor(200, 200, 200) if not major else QtGui.QColor(160, 160, 160), 0.5))
                p.drawLine(QtCore.QPointF(x, top), QtCore.QPointF(x, axis_y + 3))
                label = str(d.year) if major else d.strftime("%b")
                canvas.text(QtCore.QRectF(x - 20, axis_y + 3, 40, th), label, 7.5, major,
                            INK if major else MUTED, QtCore.Qt.AlignmentFlag.AlignCenter)
            m = d.month - 1 + months
            d = _dt.date(d.year + m // 12, m % 12 + 1, 1)

    def _event(self, canvas, e, x_of, y, lane, taken, row, plot_r) -> None:
        p = canvas.painter
        hl = self._is_highlighted(e)
        x0 = x_of(e.start)
        x1 = x_of(self._end(e))
        bar = QtCore.QRectF(x0, y + 3, max(x1 - x0, 3.0), ROW_H - 6)
        color = HIGHLIGHT if hl else LANE_COLORS[lane]
        label = e.title
        if lane in ("radiotherapy", "systemic") or (e.end is not None and x1 - x0 > 3):
            p.fillRect(bar, color)
            if hl:
                p.setPen(QtGui.QPen(INK, 1.2))
                p.drawRect(bar)
            if e.ongoing and e.end is None:
                p.setPen(QtGui.QPen(color, 1.2))
                p.drawText(QtCore.QPointF(bar.right() + 1, bar.bottom()), "›")
        else:
            s = 4.0
            p.setPen(QtGui.QPen(INK, 0.6))
            p.setBrush(QtGui.QColor(200, 40, 40) if getattr(e, "is_progression", False) else color)
            p.drawEllipse(QtCore.QPointF(x0, y + ROW_H / 2), s, s)
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if getattr(e, "illustrative", False):  # made up: dashed outline and a star, as in the window
            p.setPen(QtGui.QPen(ILLUSTRATIVE, 0.9, QtCore.Qt.PenStyle.DashLine))
            p.drawRect(bar.adjusted(-1.5, -1.5, 1.5, 1.5) if bar.width() > 3.5 else
                       QtCore.QRectF(x0 - 5.5, y + ROW_H / 2 - 5.5, 11, 11))
        if e.kind == "response":
            label = e.result or "resp."
        if getattr(e, "illustrative", False):
            label += " *"
        text_w = canvas.width(label, 7.5, hl) + 2
        lx = bar.right() + 4 if lane not in ("radiotherapy", "systemic") else x0 + 2
        if lane in ("radiotherapy", "systemic") and text_w > bar.width() - 4:
            lx = bar.right() + 6
        if lx < taken.get(row, -1e9) or lx + text_w > plot_r:
            return  # would overlap the previous label of this row: marker only
        inside = lane in ("radiotherapy", "systemic") and lx < bar.right()
        ink = QtGui.QColor(255, 255, 255) if inside else (HIGHLIGHT if hl else INK)
        canvas.text(QtCore.QRectF(lx, y, text_w, ROW_H), label, 7.5, hl, ink)
        taken[row] = lx + text_w + 4

    def _markers(self, canvas, r: QtCore.QRectF, x_of, label_left: float) -> None:
        p = canvas.painter
        values = [s.value for lab in self.timeline.lab_series for s in lab.samples if s.value and s.value > 0]
        ulns = [lab.upper_limit_normal for lab in self.timeline.lab_series if lab.upper_limit_normal]
        if not values:
            return
        lo = math.floor(math.log10(min(values + ulns)))
        hi = math.ceil(math.log10(max(values + ulns)))
        hi = max(hi, lo + 1)

        def y_of(v: float) -> float:
            return r.bottom() - (math.log10(v) - lo) / (hi - lo) * r.height()

        p.setPen(QtGui.QPen(QtGui.QColor(150, 150, 150), 0.6))
        p.drawRect(r)
        th = canvas.line_height(7)
        for k in range(lo, hi + 1):
            yy = y_of(10 ** k)
            p.setPen(QtGui.QPen(QtGui.QColor(230, 230, 230), 0.5))
            p.drawLine(QtCore.QPointF(r.left(), yy), QtCore.QPointF(r.right(), yy))
            canvas.text(QtCore.QRectF(r.left() - 30, yy - th / 2, 27, th), _compact(10 ** k), 7, color=MUTED,
                        align=QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        lh = canvas.line_height(7.5) + 1
        canvas.text(QtCore.QRectF(label_left, r.top(), LABEL_W - 30, lh), "Tumor markers", 7.5, True, MUTED)
        for i, lab in enumerate(self.timeline.lab_series):
            color = MARKER_COLORS[i % len(MARKER_COLORS)]
            pts = [(x_of(s.date), y_of(s.value)) for s in lab.samples if s.date and s.value and s.value > 0]
            if lab.upper_limit_normal:
                p.setPen(QtGui.QPen(color, 0.8, QtCore.Qt.PenStyle.DotLine))
                yy = y_of(lab.upper_limit_normal)
                p.drawLine(QtCore.QPointF(r.left(), yy), QtCore.QPointF(r.right(), yy))
            if pts:
                path = QtGui.QPainterPath(QtCore.QPointF(*pts[0]))
                for pt in pts[1:]:
                    path.lineTo(*pt)
                p.strokePath(path, QtGui.QPen(color, 1.4))
                p.setPen(QtGui.QPen(color, 1.0))
                samples = [smp for smp in lab.samples if smp.date and smp.value and smp.value > 0]
                for smp, pt in zip(samples, pts):
                    made_up = lab.illustrative or smp.illustrative
                    p.setBrush(QtGui.QColor(255, 255, 255) if made_up else color)  # hollow: illustrative
                    p.drawEllipse(QtCore.QPointF(*pt), 2.4 if made_up else 2.0, 2.4 if made_up else 2.0)
                p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            y = r.top() + (2 * i + 1) * lh
            p.setPen(QtGui.QPen(color, 2.0))
            p.drawLine(QtCore.QPointF(label_left, y + lh / 2), QtCore.QPointF(label_left + 10, y + lh / 2))
            star = " *" if lab.illustrative or any(smp.illustrative for smp in lab.samples) else ""
            canvas.text(QtCore.QRectF(label_left + 13, y, LABEL_W - 50, lh), lab.analyte + star, 7, True, color)
            canvas.text(QtCore.QRectF(label_left + 13, y + lh - 2, LABEL_W - 50, lh), lab.unit, 7, color=MUTED)
        canvas.text(QtCore.QRectF(label_left, r.top() + (2 * len(self.timeline.lab_series) + 1) * lh, LABEL_W - 38, lh),
                    "··· upper normal", 7, color=MUTED)
        for i, lab in enumerate(self.timeline.lab_series):  # each upper-normal line says whose it is
            if lab.upper_limit_normal:
                yy = y_of(lab.upper_limit_normal)
                text = f"{lab.analyte} ULN {lab.upper_limit_normal:g}"
                w = canvas.width(text, 6) + 4
                canvas.text(QtCore.QRectF(r.right() - w - 2 - i * (w + 4), yy - th, w, th), text, 6,
                            color=MARKER_COLORS[i % len(MARKER_COLORS)],
                            align=QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignBottom)
