"""Report and section headers: title, patient, prescription, dates, protocol, software, UIDs.

Blocks for ``document.paginate``; every string goes through the canvas's de-identifier.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui

from .document import INK, MUTED, RULE, Canvas

ALIGN_LEFT = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
TITLE_BAR = QtGui.QColor(33, 66, 110)


@dataclass
class TitleBlock:
    """The first lines of the report: title left, patient right, then a rule."""

    title: str
    subtitle: str
    patient_line: str
    patient_detail: str

    def height(self, canvas: Canvas, width: float) -> float:
        return canvas.line_height(15, True) + canvas.line_height(9) + 10

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        h1, h2 = canvas.line_height(15, True), canvas.line_height(9)
        half = rect.width() / 2
        canvas.text(QtCore.QRectF(rect.left(), rect.top(), half, h1), self.title, 15, True)
        canvas.text(QtCore.QRectF(rect.left(), rect.top() + h1, rect.width() - canvas.width(self.patient_detail, 9) - 16,
                                  h2), self.subtitle, 9, color=MUTED)
        canvas.text(QtCore.QRectF(rect.left() + half, rect.top(), half, h1), self.patient_line, 12, True,
                    align=ALIGN_RIGHT)
        canvas.text(QtCore.QRectF(rect.left() + half, rect.top() + h1, half, h2), self.patient_detail, 9,
                    align=ALIGN_RIGHT)
        y = rect.top() + h1 + h2 + 5
        canvas.painter.setPen(QtGui.QPen(INK, 1.2))
        canvas.painter.drawLine(QtCore.QPointF(rect.left(), y), QtCore.QPointF(rect.right(), y))


@dataclass
class SectionTitle:
    """A coloured bar naming the section (kept with the block after it)."""

    text: str
    detail: str = ""
    keep_with_next: bool = True

    def height(self, canvas: Canvas, width: float) -> float:
        return canvas.line_height(12, True) + 8

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        canvas.painter.fillRect(rect, TITLE_BAR)
        inner = rect.adjusted(8, 0, -8, 0)
        white = QtGui.QColor(255, 255, 255)
        title_w = min(canvas.width(self.text, 12, True) + 4, inner.width() * 0.6)
        canvas.text(QtCore.QRectF(inner.left(), inner.top(), title_w, inner.height()), self.text, 12, True, white)
        if self.detail:
            canvas.text(QtCore.QRectF(inner.left() + title_w + 12, inner.top(), inner.width() - title_w - 12,
                                      inner.height()), self.detail, 9.5, False, white, align=ALIGN_RIGHT)


@dataclass
class KeyValueBlock:
    """Label / value pairs in ``columns`` columns; ``small`` pairs (UIDs) follow in one column."""

    pairs: list[tuple[str, str]]
    small: list[tuple[str, str]] = field(default_factory=list)
    columns: int = 2
    size_pt: float = 9.0

    def _rows(self) -> int:
        return -(-len(self.pairs) // self.columns)

    def height(self, canvas: Canvas, width: float) -> float:
        h = self._rows() * (canvas.line_height(self.size_pt) + 2)
        if self.small:
            h += 6 + len(self.small) * (canvas.line_height(7.5) + 1)
        return h + 4

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        lh = canvas.line_height(self.size_pt) + 2
        col_w = rect.width() / self.columns
        label_w = max((canvas.width(k, self.size_pt, True) for k, _ in self.pairs), default=0) + 10
        label_w = min(label_w, col_w * 0.45)
        rows = self._rows()
        for i, (key, value) in enumerate(self.pairs):
            col, row = divmod(i, rows)
            x, y = rect.left() + col * col_w, rect.top() + row * lh
            canvas.text(QtCore.QRectF(x, y, label_w, lh), key, self.size_pt, True, MUTED)
            canvas.text(QtCore.QRectF(x + label_w, y, col_w - label_w - 8, lh), value, self.size_pt)
        if self.small:
            y = rect.top() + rows * lh + 3
            canvas.painter.setPen(QtGui.QPen(RULE, 0.6))
            canvas.painter.drawLine(QtCore.QPointF(rect.left(), y), QtCore.QPointF(rect.right(), y))
            y += 3
            sh = canvas.line_height(7.5) + 1
            small_label_w = max(canvas.width(k, 7.5, True) for k, _ in self.small) + 8
            for key, value in self.small:
                canvas.text(QtCore.QRectF(rect.left(), y, small_label_w, sh), key, 7.5, True, MUTED)
                canvas.text(QtCore.QRectF(rect.left() + small_label_w, y, rect.width() - small_label_w, sh),
                            value, 7.5, color=MUTED)
                y += sh


@dataclass
class TextBlock:
    """A wrapped paragraph (notes, explanations)."""

    text: str
    size_pt: float = 8.0
    color: QtGui.QColor = field(default_factory=lambda: QtGui.QColor(MUTED))
    italic: bool = False

    def height(self, canvas: Canvas, width: float) -> float:
        return canvas.wrapped_height(self.text, width, self.size_pt) + 2

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        canvas.text(rect, self.text, self.size_pt, color=self.color, italic=self.italic, wrap=True,
                    align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)


def footer_painter(left: str, middle: str) -> callable:
    """A footer: ``left`` text, ``middle`` text, 'Page i of n' right, above a thin rule."""

    def paint(canvas: Canvas, rect: QtCore.QRectF, number: int, total: int) -> None:
        canvas.painter.setPen(QtGui.QPen(RULE, 0.6))
        canvas.painter.drawLine(rect.topLeft(), rect.topRight())
        third = rect.width() / 3
        r = rect.adjusted(0, 2, 0, 0)
        canvas.text(QtCore.QRectF(r.left(), r.top(), third * 1.25, r.height()), left, 7.5, color=MUTED)
        canvas.text(QtCore.QRectF(r.left() + third * 1.25, r.top(), third * 1.15, r.height()), middle, 7.5,
                    color=MUTED, align=QtCore.Qt.AlignmentFlag.AlignCenter)
        canvas.text(QtCore.QRectF(r.right() - third * 0.6, r.top(), third * 0.6, r.height()),
                    f"Page {number} of {total}", 8, True, align=ALIGN_RIGHT)

    return paint
