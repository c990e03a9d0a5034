"""Tables: DVH metrics per structure and constraint results (pass / marginal / fail in colour
*and* text, so the result survives black-and-white printing). Tables split across pages with
their header repeated.

Numbers are printed with 2 decimals (doses, Gy) and 1 decimal (volumes, cc; coverage, %);
tests compare them with ``rtreview dvh`` / ``rtreview check`` rounded the same way.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui

from .document import INK, MUTED, RULE, Canvas

LEFT = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
CENTER = QtCore.Qt.AlignmentFlag.AlignCenter
HEADER_FILL = QtGui.QColor(228, 233, 241)
ZEBRA_FILL = QtGui.QColor(246, 247, 249)

# status -> (text, fill, ink)
STATUS_STYLE = {
    "pass": ("PASS", QtGui.QColor(205, 235, 211), QtGui.QColor(0, 100, 30)),
    "marginal": ("MARGINAL", QtGui.QColor(255, 226, 150), QtGui.QColor(130, 70, 0)),
    "fail": ("FAIL", QtGui.QColor(245, 190, 190), QtGui.QColor(160, 0, 0)),
    "not_evaluable": ("N/A", QtGui.QColor(225, 225, 225), QtGui.QColor(70, 70, 70)),
}


def num(value, digits: int = 2) -> str:
    """'12.34', or '–' for None / NaN."""
    if value is None:
        return "–"
    value = float(value)
    # Rounded to 6 digits first, as ``rtreview dvh`` writes JSON, so printing either gives the same text.
    return "–" if not math.isfinite(value) else f"{round(value, 6):.{digits}f}"


@dataclass
class Cell:
    text: str
    bold: bool = False
    fill: QtGui.QColor | None = None
    ink: QtGui.QColor | None = None
    swatch: QtGui.QColor | None = None  # a colour square before the text (structure colour)


@dataclass
class Column:
    title: str
    weight: float
    align: object = RIGHT
    wrap: bool = False  # cells may take several lines (names); others are elided


@dataclass
class Table:
    """A table block: ``columns`` share the width by weight; ``rows`` are lists of Cell."""

    columns: list[Column]
    rows: list[list[Cell]]
    caption: str = ""
    footnotes: list[str] = field(default_factory=list)
    size_pt: float = 8.0
    continued: bool = False

    width: float = 0.0  # set by height(); rows wrap at this width

    def _row_h(self, canvas: Canvas) -> float:
        return canvas.line_height(self.size_pt) + 4

    def _row_heights(self, canvas: Canvas, width: float) -> list[float]:
        widths = self._widths(width)
        base = self._row_h(canvas)
        out = []
        for row in self.rows:
            h = base
            for col, w, cell in zip(self.columns, widths, row):
                if col.wrap and canvas.width(cell.text, self.size_pt, cell.bold) > w - 6:
                    h = max(h, canvas.wrapped_height(cell.text, w - 6, self.size_pt, cell.bold) + 4)
            out.append(h)
        return out

    def _header_h(self, canvas: Canvas) -> float:
        lines = max(c.title.count("\n") + 1 for c in self.columns)
        return lines * canvas.line_height(self.size_pt, True) + 5

    def _caption_h(self, canvas: Canvas) -> float:
        return canvas.line_height(9.5, True) + 3 if self.caption else 0.0

    def _notes_h(self, canvas: Canvas, width: float) -> float:
        return sum(canvas.wrapped_height(n, width, 7.5) + 1 for n in self.footnotes) + (3 if self.footnotes else 0)

    def height(self, canvas: Canvas, width: float) -> float:
        return (self._caption_h(canvas) + self._header_h(canvas) + sum(self._row_heights(canvas, width))
                + self._notes_h(canvas, width) + 2)

    def min_height(self, canvas: Canvas, width: float) -> float:
        return self._caption_h(canvas) + self._header_h(canvas) + sum(self._row_heights(canvas, width)[:3])

    def split(self, canvas: Canvas, width: float, available: float):
        """(rows that fit, the rest with the header repeated), or None when fewer than 3 rows fit
        (the whole table then moves to the next page)."""
        room = available - self._caption_h(canvas) - self._header_h(canvas) - 2
        n, used = 0, 0.0
        for h in self._row_heights(canvas, width):
            if used + h > room:
                break
            used, n = used + h, n + 1
        n = min(n, len(self.rows) - 2)  # never leave only the footnotes (or one row) behind
        if n < 3:
            return None
        first = Table(self.columns, self.rows[:n], self.caption, [], self.size_pt, self.continued)
        rest = Table(self.columns, self.rows[n:], self.caption, self.footnotes, self.size_pt, True)
        return first, rest

    def _widths(self, width: float) -> list[float]:
        total = sum(c.weight for c in self.columns)
        return [width * c.weight / total for c in self.columns]

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        p = canvas.painter
        y = rect.top()
        if self.caption:
            caption = self.caption + (" (continued)" if self.continued else "")
            canvas.text(QtCore.QRectF(rect.left(), y, rect.width(), self._caption_h(canvas)), caption, 9.5, True)
            y += self._caption_h(canvas)
        widths = self._widths(rect.width())
        hh = self._header_h(canvas)
        p.fillRect(QtCore.QRectF(rect.left(), y, rect.width(), hh), HEADER_FILL)
        x = rect.left()
        for col, w in zip(self.columns, widths):
            canvas.text(QtCore.QRectF(x + 3, y, w - 6, hh), col.title, self.size_pt, True, align=col.align,
                        elide=False)
            x += w
        y += hh
        for i, (row, rh) in enumerate(zip(self.rows, self._row_heights(canvas, rect.width()))):
            if i % 2:
                p.fillRect(QtCore.QRectF(rect.left(), y, rect.width(), rh), ZEBRA_FILL)
            x = rect.left()
            for col, w, cell in zip(self.columns, widths, row):
                self._cell(canvas, QtCore.QRectF(x, y, w, rh), cell, col)
                x += w
            y += rh
        p.setPen(QtGui.QPen(RULE, 0.7))
        p.drawLine(QtCore.QPointF(rect.left(), y), QtCore.QPointF(rect.right(), y))
        y += 3
        for note in self.footnotes:
            h = canvas.wrapped_height(note, rect.width(), 7.5)
            canvas.text(QtCore.QRectF(rect.left(), y, rect.width(), h), note, 7.5, color=MUTED, wrap=True,
                        align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
            y += h + 1

    def _cell(self, canvas: Canvas, r: QtCore.QRectF, cell: Cell, col: Column) -> None:
        if cell.fill is not None:
            canvas.painter.fillRect(r.adjusted(1, 1, -1, -1), cell.fill)
        inner = r.adjusted(3, 0, -3, 0)
        if cell.swatch is not None:
            s = min(r.height() - 6, 9.0)
            box = QtCore.QRectF(inner.left(), r.center().y() - s / 2, s, s)
            canvas.painter.setPen(QtGui.QPen(QtGui.QColor(60, 60, 60), 0.6))
            canvas.painter.setBrush(cell.swatch)
            canvas.painter.drawRect(box)
            canvas.painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            inner.setLeft(inner.left() + s + 4)
        canvas.text(inner, cell.text, self.size_pt, cell.bold, cell.ink or INK, align=col.align,
                    wrap=col.wrap and canvas.width(cell.text, self.size_pt, cell.bold) > inner.width())


# --- the two tables of a plan section ------------------------------------------------------------
METRIC_COLUMNS = [Column("Structure", 2.45, LEFT, wrap=True), Column("Volume\n(cc)", 1.1),
                  Column("In grid\n(%)", 1.05), Column("Min\n(Gy)", 0.85), Column("Mean\n(Gy)", 0.9),
                  Column("Max\n(Gy)", 0.9), Column("D98%\n(Gy)", 0.9), Column("D95%\n(Gy)", 0.9),
                  Column("D50%\n(Gy)", 0.9), Column("D2%\n(Gy)", 0.9), Column("D2cc\n(Gy)", 0.9),
                  Column("D0.03cc\n(Gy)", 1.05)]


def metrics_table(dvhs: dict, skipped: dict, structure_set, rx_gy: float | None, dose_scale: float = 1.0,
                  dose_unit: str = "Gy") -> Table:
    """One row per ROI of the structure set (order of the file), doses in Gy (a relative dose:
    ``dose_scale`` 100, ``dose_unit`` '%')."""
    rows, partial, outside = [], False, False
    for roi in (structure_set.rois if structure_set is not None else []):
        swatch = QtGui.QColor(*roi.color_rgb)
        dvh = dvhs.get(roi.number)
        if dvh is None:
            reason = skipped.get(roi.number, "no DVH")
            rows.append([Cell(f"{roi.name} (no DVH: {reason})", swatch=swatch), Cell("–"), Cell("–")]
                        + [Cell("–")] * 9)
            continue
        covered = dvh.covered_volume_cc
        cover_pct = 100.0 * covered / dvh.volume_cc if dvh.volume_cc > 0 else 0.0
        mark = ""
        if covered <= 0:
            outside, mark = True, "†"
        elif cover_pct < 99.9:
            partial, mark = True, "*"
        if covered <= 0:
            doses = [None] * 9
        else:
            doses = [dose_scale * d for d in (dvh.min_gy, dvh.mean_gy, dvh.max_gy, dvh.d_pct(98), dvh.d_pct(95),
                                              dvh.d_pct(50), dvh.d_pct(2), dvh.d_cc(2.0), dvh.d_cc(0.03))]
        rows.append([Cell(roi.name, bold=roi.is_target, swatch=swatch), Cell(num(dvh.volume_cc, 1)),
                     Cell(num(cover_pct, 1) + mark)]
                    + [Cell(num(d), bold=(k == 1)) for k, d in enumerate(doses)])
    first = ("Doses in Gy (physical, this plan)." if dose_unit == "Gy" else
             "Doses in % of the file's relative dose (DoseUnits RELATIVE, 1.0 = 100 %): not Gy.")
    notes = [first + " Dx% = minimum dose to the hottest x % of the structure's volume "
             "inside the dose grid; Dxcc likewise for x cc; '–' = undefined (e.g. D2cc of a structure under 2 cc)."]
    if rx_gy:
        notes[0] += f" Prescription {rx_gy:g} Gy."
    if partial:
        notes.append("* Part of the structure lies outside the dose grid: its dose statistics describe the covered "
                     "part only (in grid = volume inside the dose grid / total volume).")
    if outside:
        notes.append("† The structure lies entirely outside this plan's dose grid: no dose statistics.")
    columns = METRIC_COLUMNS if dose_unit == "Gy" else [
        Column(c.title.replace("(Gy)", f"({dose_unit})"), c.weight, c.align, c.wrap) for c in METRIC_COLUMNS]
    return Table(columns, rows, "DVH metrics", notes)


CONSTRAINT_COLUMNS = [Column("Result", 1.2, CENTER), Column("Level", 1.25, LEFT),
                      Column("Structure (ROI)", 1.95, LEFT, wrap=True), Column("Metric", 1.05, LEFT, wrap=True),
                      Column("Value\n(Gy/%/cc)", 1.3), Column("Limit\n(Gy/%/cc)", 1.45),
                      Column("EQD2 (Gy)\nvalue / limit", 1.7, wrap=True), Column("α/β\n(Gy)", 0.5),
                      Column("Src", 0.6, CENTER)]
PROTOCOL_MARKS = "ABCDEFGH"  # a composite row's limit: which plan's protocol it comes from ([n]: the sources)


def status_cell(status: str) -> Cell:
    text, fill, ink = STATUS_STYLE[status]
    return Cell(text, bold=True, fill=fill, ink=ink)


def limit_source(r) -> str:
    """The protocol a composite row's limit comes from ('' when not stated)."""
    return next((part[len("limit from "):] for part in (r.note or "").split("; ") if part.startswith("limit from ")), "")


def constraint_row(r, sources: list[str] | None = None, composite: bool = False,
                   references: list[str] | None = None) -> list[Cell]:
    """One ConstraintResult as the table's cells (value and limit in the result's unit). On a
    composite the protocol a limit comes from is named (two protocols may limit one metric)."""
    d = r.to_dict()
    unit = "" if d["unit"].startswith("Gy") else " " + d["unit"]  # doses: the unit is in the caption
    if d["unit"] == "Gy EQD2" and not composite:
        unit = " EQD2"  # a plan's mean dose, judged as the voxel-wise mean EQD2
    value = "–" if d["value"] is None else f"{d['value']:.2f}{unit}"
    cmp = {"<=": "≤", ">=": "≥"}.get(d["comparator"], d["comparator"])
    limit = "–" if d["limit"] is None else f"{cmp} {d['limit']:.2f}{unit}"
    if d["status"] == "not_evaluable" and d["limit"] is None:
        eqd2 = "–"
    elif r.metric and r.metric[0] == "D":
        eqd2 = f"{num(d['value_eqd2_gy'])} / {num(d['limit_eqd2_gy'])}"
    elif d["threshold_gy"] is not None:
        eqd2 = f"at {num(d['threshold_gy'])} Gy (EQD2 {num(d['threshold_eqd2_gy'])})"
    else:  # composite: the dose level is in EQD2 only
        eqd2 = f"at {num(d['threshold_eqd2_gy'])} Gy EQD2"
    roi = d["roi"] or "not found"
    structure = d["structure"] if roi.casefold() == d["structure"].casefold() else f"{d['structure']} ({roi})"
    source = limit_source(r)
    if sources is not None and source in sources:
        structure += f" ({PROTOCOL_MARKS[sources.index(source) % len(PROTOCOL_MARKS)]})"
    level = (d["level"] + ("*" if d["status"] == "marginal" and d["variation_allowed"] else "")
             + ("†" if d["limit_converted"] else ""))
    ref = (r.source or "").strip()
    src = f"[{references.index(ref) + 1}]" if references is not None and ref in references else "–"
    metric = d["metric"] + (" [CP " + "/".join(r.child_pugh) + "]" if getattr(r, "child_pugh", ()) else "")
    return [status_cell(d["status"]), Cell(level), Cell(structure), Cell(metric), Cell(value),
            Cell(limit), Cell(eqd2), Cell(f"{d['alpha_beta_gy']:g}"), Cell(src)]


def source_references(evaluation) -> list[str]:
    """The distinct sources of an evaluation's constraints, in row order (numbered [1], [2], …)."""
    return list(dict.fromkeys((r.source or "").strip() for r in evaluation.results if (r.source or "").strip()))


def constraints_table(evaluation, caption: str, extra_notes: list[str] | None = None,
                      composite: bool = False) -> Table:
    sources = list(dict.fromkeys(limit_source(r) for r in evaluation.results if limit_source(r))) if composite else None
    references = source_references(evaluation)
    rows = [constraint_row(r, sources, composite, references) for r in evaluation.results]
    counts = evaluation.counts()
    summary = (f"{counts['pass']} pass, {counts['marginal']} marginal, {counts['fail']} fail, "
               f"{counts['not_evaluable']} not evaluable")
    mandatory_failed = len(evaluation.mandatory_failed)
    summary += (f"; {mandatory_failed} mandatory constraint(s) failed (fail, or marginal outside a variation the "
                "protocol allows).")
    if composite:
        how = ("Doses (value, limit) in Gy EQD2 of the voxel-wise composite; volume metrics are evaluated at the "
               "EQD2 dose level shown.")
    else:
        how = ("Doses (value, limit) in physical Gy of this plan: limits are converted to its fractionation with "
               "the structure's α/β; the EQD2 column gives value and limit in 2-Gy fractions. Mean doses (marked "
               "EQD2) are judged as the voxel-wise mean EQD2 against the limit's EQD2. Volume metrics are "
               "evaluated at the dose level shown.")
    notes = [summary, how] + [f"({PROTOCOL_MARKS[i % len(PROTOCOL_MARKS)]}) limit of {name}"
                              for i, name in enumerate(sources or [])]
    if any(r.limit_converted for r in evaluation.results):
        notes.append("† the plan's fractions differ from the protocol's: the limit was converted to the plan's "
                     "fractionation (linear-quadratic, the structure's α/β).")
    if any(r.status.value == "marginal" and r.variation_allowed for r in evaluation.results):
        notes.append("* marginal within a variation band the protocol allows for this constraint (amber; it does "
                     "not fail the check).")
    for r in evaluation.results:
        if r.status.value == "not_evaluable" and r.note:
            notes.append(f"N/A {r.structure} {r.metric}: {r.note}")
    if evaluation.unmatched:
        notes.append("Protocol structures without a matching ROI: " + ", ".join(evaluation.unmatched))
    notes += [f"Note: {n}" for n in group_single_course_notes(evaluation.notes)] + list(extra_notes or [])
    if references:
        notes.append("Sources (column Src):")
        notes += [f"[{i}] {text}" for i, text in enumerate(references, start=1)]
    return Table(CONSTRAINT_COLUMNS, rows, caption, notes)


def group_single_course_notes(notes: list[str]) -> list[str]:
    """'X: receives dose from A only; ...' notes of a composite, folded into one line per course."""
    import re

    pattern = re.compile(r"^(.+?): receives dose from (.+?) only; not evaluated on the composite$")
    by_course: dict[str, list[str]] = {}
    out = []
    for note in notes:
        m = pattern.match(note)
        if m:
            by_course.setdefault(m.group(2), []).append(m.group(1))
        else:
            out.append(note)
    for course, names in by_course.items():
        out.append(f"dosed by {course} only, so not evaluated on the composite: {', '.join(names)}")
    return out
