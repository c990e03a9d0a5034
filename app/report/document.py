"""The PDF document: page setup (A4 / Letter, margins), fonts, text drawing through the
de-identifier, pagination of blocks, page footers with numbers, atomic write.

Units: the painter works in device pixels at ``DPI`` = 96 (QT_ON_DEBIAN.md: at 300 dpi
rendered plots get wrong sizes), so 1 pt = 96/72 px. Fonts: DejaVu Sans first, Noto Sans
CJK SC as fallback for CJK glyphs (Noto first breaks the text extraction of its digits);
Qt embeds subsets of both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Protocol

from PySide6 import QtCore, QtGui

from .atomic import OutputError, atomic_output
from .deidentify import Redactor

DPI = 96
MARGIN_MM = 14.0
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC"]
PAGE_SIZES = {"A4": QtGui.QPageSize.PageSizeId.A4, "LETTER": QtGui.QPageSize.PageSizeId.Letter}
FOOTER_PX = 22.0
BLOCK_GAP_PX = 10.0
INK = QtGui.QColor(20, 20, 20)
MUTED = QtGui.QColor(90, 90, 90)
RULE = QtGui.QColor(170, 170, 170)


def page_size_id(name: str) -> QtGui.QPageSize.PageSizeId:
    try:
        return PAGE_SIZES[name.strip().upper()]
    except KeyError:
        raise ValueError(f"page size {name!r}: expected A4 or Letter") from None


class Canvas:
    """A painter with the report's fonts and the de-identifier: every string drawn is scrubbed."""

    def __init__(self, painter: QtGui.QPainter, device: QtGui.QPaintDevice, redactor: Redactor):
        self.painter = painter
        self.device = device
        self.redact = redactor
        self._fonts: dict[tuple[float, bool, bool], QtGui.QFont] = {}

    def font(self, size_pt: float = 8.5, bold: bool = False, italic: bool = False) -> QtGui.QFont:
        key = (size_pt, bold, italic)
        if key not in self._fonts:
            f = QtGui.QFont()
            f.setFamilies(FONT_FAMILIES)
            f.setPointSizeF(size_pt)
            f.setBold(bold)
            f.setItalic(italic)
            f.setHintingPreference(QtGui.QFont.HintingPreference.PreferNoHinting)
            # No 'fi'/'fl' ligatures: extracted and copied text must read 'identified', not 'identiﬁed'.
            f.setFeature(QtGui.QFont.Tag("liga"), 0)
            self._fonts[key] = f
        return self._fonts[key]

    def metrics(self, size_pt: float = 8.5, bold: bool = False) -> QtGui.QFontMetricsF:
        return QtGui.QFontMetricsF(self.font(size_pt, bold), self.device)

    def line_height(self, size_pt: float = 8.5, bold: bool = False) -> float:
        return self.metrics(size_pt, bold).height()

    def width(self, text: str, size_pt: float = 8.5, bold: bool = False) -> float:
        return self.metrics(size_pt, bold).horizontalAdvance(self.redact.text(text))

    def elide(self, text: str, width: float, size_pt: float = 8.5, bold: bool = False) -> str:
        return self.metrics(size_pt, bold).elidedText(self.redact.text(text), QtCore.Qt.TextElideMode.ElideRight,
                                                      width)

    def text(self, rect: QtCore.QRectF, text: str, size_pt: float = 8.5, bold: bool = False,
             color: QtGui.QColor = INK, align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
             italic: bool = False, wrap: bool = False, elide: bool = True) -> None:
        p = self.painter
        p.setFont(self.font(size_pt, bold, italic))
        p.setPen(QtGui.QPen(color))
        s = self.redact.text(text)
        flags = int(align.value if hasattr(align, "value") else align)
        if wrap:
            flags |= int(QtCore.Qt.TextFlag.TextWordWrap.value)
        elif elide:
            s = self.metrics(size_pt, bold).elidedText(s, QtCore.Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, flags, s)

    def wrapped_height(self, text: str, width: float, size_pt: float = 8.5, bold: bool = False) -> float:
        flags = int(QtCore.Qt.TextFlag.TextWordWrap.value)
        r = self.metrics(size_pt, bold).boundingRect(QtCore.QRectF(0, 0, width, 1e6), flags, self.redact.text(text))
        return r.height()


class Block(Protocol):
    """A piece of a page. ``height`` for a given width; ``paint`` into a rectangle of that size.
    Blocks that can continue on the next page also have ``split(canvas, width, available)``."""

    def height(self, canvas: Canvas, width: float) -> float: ...

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None: ...


class PageBreak:
    def height(self, canvas: Canvas, width: float) -> float:
        return 0.0

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        pass


@dataclass
class Placed:
    block: object
    top: float
    height: float


def paginate(canvas: Canvas, blocks: list, width: float, page_height: float) -> list[list[Placed]]:
    """Lay ``blocks`` out top to bottom; a block that does not fit starts a new page (or is
    split by its ``split`` method). ``keep_with_next`` blocks move with their successor."""
    pages: list[list[Placed]] = [[]]
    y = 0.0
    queue = list(blocks)
    while queue:
        block = queue.pop(0)
        if isinstance(block, PageBreak):
            if pages[-1]:
                pages.append([])
                y = 0.0
            continue
        h = block.height(canvas, width)
        need = h
        if getattr(block, "keep_with_next", False) and queue and not isinstance(queue[0], PageBreak):
            nxt = queue[0]
            min_next = getattr(nxt, "min_height", None)
            need += BLOCK_GAP_PX + (min_next(canvas, width) if min_next else nxt.height(canvas, width))
        if y + need > page_height and pages[-1]:
            split = getattr(block, "split", None)
            parts = split(canvas, width, page_height - y) if split and y + h > page_height else None
            if parts is not None:
                first, rest = parts
                pages[-1].append(Placed(first, y, first.height(canvas, width)))
                queue.insert(0, rest)
            else:
                queue.insert(0, block)
            pages.append([])
            y = 0.0
            continue
        if h > page_height and getattr(block, "split", None):
            parts = block.split(canvas, width, page_height - y)
            if parts is not None:
                first, rest = parts
                pages[-1].append(Placed(first, y, first.height(canvas, width)))
                queue.insert(0, rest)
                pages.append([])
                y = 0.0
                continue
        pages[-1].append(Placed(block, y, h))
        y += h + BLOCK_GAP_PX
    return [p for p in pages if p] or [[]]


FooterFn = Callable[[Canvas, QtCore.QRectF, int, int], None]


def write_pdf(path: str | os.PathLike[str], blocks: list, *, page_size: str = "A4", title: str = "",
              creator: str = "", redactor: Redactor | None = None,
              footer: FooterFn | None = None) -> list[list[Placed]]:
    """Paint ``blocks`` into a PDF at ``path`` (atomically); returns the pages as placed blocks
    (tops in px from the top of the printable area, which starts ``MARGIN_MM`` into the page).

    OutputError when the file cannot be written; any exception while painting leaves no file
    (and an existing ``path`` untouched).
    """
    redactor = redactor or Redactor(False)
    with atomic_output(path) as tmp:
        writer = QtGui.QPdfWriter(tmp)
        writer.setResolution(DPI)
        writer.setPageSize(QtGui.QPageSize(page_size_id(page_size)))
        writer.setPageMargins(QtCore.QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                              QtGui.QPageLayout.Unit.Millimeter)
        writer.setTitle(redactor.text(title))
        writer.setCreator(redactor.text(creator))
        painter = QtGui.QPainter()
        if not painter.begin(writer):
            raise OutputError(f"cannot write {os.path.abspath(os.fspath(path))}: the PDF writer could not open "
                              "its temporary file")
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
            canvas = Canvas(painter, writer, redactor)
            page = writer.pageLayout().paintRectPixels(DPI)
            width, height = float(page.width()), float(page.height()) - FOOTER_PX
            pages = paginate(canvas, blocks, width, height)
            for number, placed in enumerate(pages, start=1):
                if number > 1:
                    writer.newPage()
                for item in placed:
                    painter.save()
                    item.block.paint(canvas, QtCore.QRectF(0.0, item.top, width, item.height))
                    painter.restore()
                if footer is not None:
                    footer(canvas, QtCore.QRectF(0.0, height + 4.0, width, FOOTER_PX - 4.0), number, len(pages))
        finally:
            painter.end()
        return pages
