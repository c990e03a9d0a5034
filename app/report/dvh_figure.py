"""The DVH figure, drawn with QPainter paths: fully vector, headless, no widgets.

Cumulative DVHs in % of each structure's volume inside the dose grid against dose in Gy,
in the structures' colours; the legend sits in its own column right of the plot (never over
the curves); constraint limits are marked on the curves' plane: ▼ for an upper limit (the
curve should pass below-left of it), ▲ for a lower limit (above-right), ◆ on the dose axis for
a mean-dose limit. The prescription is a dashed vertical line.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6 import QtCore, QtGui

from rtreview.core.viewing.curve_styles import curve_styles
from rtreview.core.viewing.label_layout import layout_markers

from .document import INK, MUTED, Canvas

GRID = QtGui.QColor(222, 222, 222)
MARK_S = 5.5  # half width of a limit marker (px)
MARK_PT = 6.5  # its label
MAX_POINTS = 1200
LEGEND_W = 150.0


@dataclass
class LimitMark:
    """A constraint limit on the DVH plane: dose (Gy), volume (% of the structure), or
    ``volume_pct`` None for a mean-dose limit (drawn on the dose axis)."""

    roi_number: int
    dose_gy: float
    volume_pct: float | None
    upper: bool
    status: str
    label: str = ""  # structure + metric, printed beside the mark


def nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / max(target_ticks, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def curve_points(dvh, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(dose Gy, volume %) of the cumulative curve, resampled to at most ``max_points`` points up to
    one bin past the last non-zero volume (a monotone curve: linear interpolation is exact enough)."""
    dose = np.asarray(dvh.dose_gy, dtype=float)
    vol = np.asarray(dvh.cumulative_pct(), dtype=float)
    nz = np.flatnonzero(vol > 0)
    end = min(int(nz[-1]) + 2, dose.size) if nz.size else min(2, dose.size)
    dose, vol = dose[:end], vol[:end]
    if dose.size > max_points:
        x = np.linspace(dose[0], dose[-1], max_points)
        return x, np.interp(x, dose, vol)
    return dose, vol


def styled_pen(color: QtGui.QColor, width: float, dash: tuple) -> QtGui.QPen:
    """A pen in ``color``, solid or with the dash pattern (in pen widths) of a curve style."""
    pen = QtGui.QPen(color, width)
    if dash:
        pen.setDashPattern(list(dash))
    pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    return pen


def _luminance(c: QtGui.QColor) -> float:
    return (0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()) / 255.0


@dataclass
class DvhFigure:
    """Block drawing the cumulative DVHs of ``dvhs`` (list of engine Dvh objects)."""

    dvhs: list
    title: str
    rx_gy: float | None = None
    marks: list[LimitMark] = field(default_factory=list)
    fixed_height: float = 300.0
    dose_label: str = "Dose (Gy)"  # "Dose (Gy EQD2)" for a composite
    subtitle: str = ""  # printed after the title on its line, smaller (elided, never wrapped)
    # other curves drawn dashed in a structure's colour: (rgb, dose_gy, volume_pct), e.g. the
    # planning system's stored DVHs (rtreview.core.compare.stored_dvh), with their legend note
    dashed: list = field(default_factory=list)
    dashed_note: str = ""

    def height(self, canvas: Canvas, width: float) -> float:
        return self.fixed_height

    def x_max(self) -> float:
        top = max([d.max_gy for d in self.dvhs if math.isfinite(d.max_gy)] + [self.rx_gy or 0.0, 1.0])
        top = max([top] + [m.dose_gy for m in self.marks])
        step = nice_step(top * 1.04)
        return math.ceil(top * 1.04 / step) * step

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        p = canvas.painter
        title_h = canvas.line_height(9.5, True) + 4  # one line: the subtitle is elided, never wrapped
        title_w = min(canvas.width(self.title, 9.5, True) + 2, rect.width())
        canvas.text(QtCore.QRectF(rect.left(), rect.top(), title_w, title_h), self.title, 9.5, True,
                    align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        if self.subtitle and rect.width() - title_w > 60:
            canvas.text(QtCore.QRectF(rect.left() + title_w + 6, rect.top() + 1.5, rect.width() - title_w - 6, title_h),
                        f"({self.subtitle})", 8, color=MUTED,
                        align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        fm = canvas.metrics(8)
        left = rect.left() + fm.horizontalAdvance("100") + fm.height() + 12
        plot = QtCore.QRectF(left, rect.top() + title_h + 6, rect.right() - LEGEND_W - 14 - left,
                             rect.height() - title_h - 6 - 2 * fm.height() - 12)
        x_max = self.x_max()
        x_step, y_step = nice_step(x_max, 10), 10.0

        def to_px(x, y):
            return (plot.left() + np.asarray(x) / x_max * plot.width(),
                    plot.bottom() - np.asarray(y) / 100.0 * plot.height())

        # grid and ticks
        p.setPen(QtGui.QPen(GRID, 0.6))
        ticks_x = np.arange(0, x_max + 1e-9, x_step)
        for x in ticks_x:
            px, _ = to_px(x, 0)
            p.drawLine(QtCore.QPointF(px, plot.top()), QtCore.QPointF(px, plot.bottom()))
        for y in np.arange(0, 100.0 + 1e-9, y_step):
            _, py = to_px(0, y)
            p.drawLine(QtCore.QPointF(plot.left(), py), QtCore.QPointF(plot.right(), py))
        p.setPen(QtGui.QPen(INK, 1.0))
        p.drawRect(plot)
        th = fm.height()
        label_every = 2 if len(ticks_x) > 12 else 1
        for i, x in enumerate(ticks_x):
            if i % label_every:
                continue
            px, _ = to_px(x, 0)
            canvas.text(QtCore.QRectF(px - 25, plot.bottom() + 2, 50, th), f"{x:g}", 8,
                        align=QtCore.Qt.AlignmentFlag.AlignCenter)
        for y in np.arange(0, 100.0 + 1e-9, 20.0):
            _, py = to_px(0, y)
            canvas.text(QtCore.QRectF(plot.left() - 40, py - th / 2, 36, th), f"{y:g}", 8,
                        align=QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        canvas.text(QtCore.QRectF(plot.left(), plot.bottom() + th + 3, plot.width(), th), self.dose_label, 8.5,
                    align=QtCore.Qt.AlignmentFlag.AlignCenter)
        p.save()
        p.translate(rect.left() + 1, plot.center().y())
        p.rotate(-90)
        canvas.text(QtCore.QRectF(-plot.height() / 2, 0, plot.height(), th),
                    "Volume (%)", 8.5, align=QtCore.Qt.AlignmentFlag.AlignCenter)
        p.restore()

        p.save()
        p.setClipRect(plot.adjusted(-8, -12, 8, 8))
        if self.rx_gy:
            px, _ = to_px(self.rx_gy, 0)
            p.setPen(QtGui.QPen(MUTED, 1.0, QtCore.Qt.PenStyle.DashLine))
            p.drawLine(QtCore.QPointF(px, plot.top()), QtCore.QPointF(px, plot.bottom()))
        styles = self.styles()
        for dvh in sorted(self.dvhs, key=lambda d: d.type.upper() in ("PTV", "CTV", "GTV")):
            x, y = curve_points(dvh)
            if x.size < 2:
                continue
            xs, ys = to_px(x, y)
            path = QtGui.QPainterPath()
            path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(a, b) for a, b in zip(xs.tolist(), ys.tolist())]))
            style = styles[dvh.roi_number]
            color = QtGui.QColor(*style.rgb)
            width = 2.2 if dvh.type.upper() in ("PTV", "CTV", "GTV", "ITV") else 1.7
            if _luminance(color) > 0.72:  # pale curves get a grey casing so they read on white paper
                casing = width + 1.4  # the same dashes: a dash pattern is in pen widths
                p.strokePath(path, styled_pen(QtGui.QColor(110, 110, 110), casing,
                                              tuple(d * width / casing for d in style.dash)))
            p.strokePath(path, styled_pen(color, width, style.dash))
        for rgb, x, y in self.dashed:  # e.g. the planning system's stored DVHs, thin and dashed
            if len(x) < 2:
                continue
            xs, ys = to_px(np.asarray(x, float), np.asarray(y, float))
            path = QtGui.QPainterPath()
            path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(a, b) for a, b in zip(xs.tolist(), ys.tolist())]))
            p.strokePath(path, QtGui.QPen(QtGui.QColor(*rgb), 1.3, QtCore.Qt.PenStyle.DashLine))
        p.restore()
        rx_box = None
        if self.rx_gy:
            px, _ = to_px(self.rx_gy, 0)
            w = canvas.width(f"Rx {self.rx_gy:g} Gy", 7.5) + 6
            rx_box = (px - w - 3, plot.top() + 0.45 * plot.height(), w, th)
        self._marks(canvas, plot, to_px, {d.roi_number: QtGui.QColor(*styles[d.roi_number].rgb) for d in self.dvhs},
                    [rx_box] if rx_box else [])
        if self.rx_gy:  # inside the plot, left of the Rx line, on white so curves do not hide it
            px, _ = to_px(self.rx_gy, 0)
            label = f"Rx {self.rx_gy:g} Gy"
            w = canvas.width(label, 7.5) + 6
            box = QtCore.QRectF(px - w - 3, plot.top() + 0.45 * plot.height(), w, th)
            p.fillRect(box, QtGui.QColor(255, 255, 255, 230))
            canvas.text(box, label, 7.5, color=MUTED, align=QtCore.Qt.AlignmentFlag.AlignCenter)
        self._legend(canvas, QtCore.QRectF(rect.right() - LEGEND_W, plot.top(), LEGEND_W, plot.height()))

    def styles(self) -> dict:
        """ROI number -> CurveStyle: the structure colours, close ones told apart by line style
        (``core.viewing.curve_styles``), in legend order."""
        return curve_styles([(d.roi_number, tuple(d.color_rgb)) for d in self._legend_order()])

    def _legend_order(self) -> list:
        return sorted(self.dvhs, key=lambda d: (d.type.upper() not in ("PTV", "CTV", "GTV", "ITV"), d.roi_number))

    def mark_layout(self, plot: QtCore.QRectF, to_px, canvas: Canvas, avoid=()) -> list:
        """(mark, Placed) of every mark: markers spread where they would overlap, labels placed
        where they hide no marker and no other label (``core.viewing.label_layout``)."""
        anchors, sizes = [], []
        th = canvas.line_height(MARK_PT) + 1
        for m in self.marks:
            if m.volume_pct is None:
                cx, cy = to_px(m.dose_gy, 0)
                cy = float(cy) - MARK_S  # the diamond sits on the dose axis
            else:
                cx, cy = to_px(m.dose_gy, min(max(m.volume_pct, 0.0), 100.0))
                cy = float(cy) + (-0.85 if m.upper else 0.85) * MARK_S  # the triangle's centre
            anchors.append((float(cx), float(cy)))
            sizes.append((canvas.width(m.label, MARK_PT) + 4, th))
        bounds = (plot.left(), plot.top() - 10, plot.width(), plot.height() + 10)
        placed = layout_markers(anchors, 2.2 * MARK_S, sizes, bounds, list(avoid))
        return list(zip(self.marks, placed))

    def _marks(self, canvas: Canvas, plot: QtCore.QRectF, to_px, colors: dict, avoid) -> None:
        p = canvas.painter
        for m, pl in self.mark_layout(plot, to_px, canvas, avoid):
            if pl.displaced:  # a thin leader to the true point
                p.setPen(QtGui.QPen(MUTED, 0.6))
                p.drawLine(QtCore.QPointF(*pl.marker), QtCore.QPointF(*pl.anchor))
            self._mark(p, m, colors.get(m.roi_number, INK), pl.marker)
            if m.label and pl.far:
                p.setPen(QtGui.QPen(MUTED, 0.5))
                p.drawLine(QtCore.QPointF(*pl.marker), QtCore.QPointF(*pl.label_anchor()))
            if m.label:
                x, y, w, h = pl.label
                p.fillRect(QtCore.QRectF(x, y, w, h), QtGui.QColor(255, 255, 255, 215))
                canvas.text(QtCore.QRectF(x + 2, y, w - 2, h), m.label, MARK_PT, color=INK)

    @staticmethod
    def _mark(p: QtGui.QPainter, m: LimitMark, color: QtGui.QColor, centre) -> None:
        s = MARK_S
        cx, cy = centre
        if m.volume_pct is None:
            poly = QtGui.QPolygonF([QtCore.QPointF(cx, cy - s), QtCore.QPointF(cx + s, cy),
                                    QtCore.QPointF(cx, cy + s), QtCore.QPointF(cx - s, cy)])
        else:
            sign = -1 if m.upper else 1  # ▼ for upper limits (apex at the limit point), ▲ for lower
            apex = cy + sign * 0.85 * s
            poly = QtGui.QPolygonF([QtCore.QPointF(cx, apex), QtCore.QPointF(cx - s, apex - sign * 1.7 * s),
                                    QtCore.QPointF(cx + s, apex - sign * 1.7 * s)])
        p.setPen(QtGui.QPen(INK, 0.9))
        p.setBrush(color)
        p.drawPolygon(poly)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    def _legend(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        p = canvas.painter
        entries = self._legend_order()
        styles = self.styles()
        size = 8.0 if len(entries) <= 16 else 7.0
        lh = canvas.line_height(size) + 1
        notes = ["▼ ▲ constraint limit (≤ / ≥)"] if any(m.volume_pct is not None for m in self.marks) else []
        notes += ["◆ mean-dose limit"] if any(m.volume_pct is None for m in self.marks) else []
        notes += ["- - - prescription"] if self.rx_gy else []
        notes += [self.dashed_note] if self.dashed and self.dashed_note else []
        max_rows = int((rect.height() - len(notes) * (lh - 1)) // lh)
        y = rect.top()
        for dvh in entries[:max_rows]:
            style = styles[dvh.roi_number]
            color = QtGui.QColor(*style.rgb)
            if _luminance(color) > 0.72:
                p.setPen(QtGui.QPen(QtGui.QColor(110, 110, 110), 4.0))
                p.drawLine(QtCore.QPointF(rect.left(), y + lh / 2), QtCore.QPointF(rect.left() + 22, y + lh / 2))
            p.setPen(styled_pen(color, 2.2, style.dash))
            p.drawLine(QtCore.QPointF(rect.left(), y + lh / 2), QtCore.QPointF(rect.left() + 22, y + lh / 2))
            canvas.text(QtCore.QRectF(rect.left() + 27, y, rect.width() - 27, lh), dvh.name, size,
                        bold=dvh.type.upper() in ("PTV", "CTV", "GTV", "ITV"))
            y += lh
        if len(entries) > max_rows:
            canvas.text(QtCore.QRectF(rect.left(), y, rect.width(), lh),
                        f"+ {len(entries) - max_rows} more (see table)", size, color=MUTED)
        y = rect.bottom() - len(notes) * (lh - 1)
        for note in notes:
            canvas.text(QtCore.QRectF(rect.left(), y, rect.width(), lh - 1), note, 7, color=MUTED)
            y += lh - 1
