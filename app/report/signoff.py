"""The report's last section: review and sign-off, and what the report was computed from.

- Purpose, software and the case file holding the review log.
- The sign-offs of the reported plans (case file ``review_log``): when, who (role), decision in
  colour *and* text, plan, comment, the entry's hash; warnings in red when the log fails its
  check or the plan files changed since a sign-off. Without any sign-off, a blank form to sign
  on paper.
- The data: every RT Plan / RT Dose / RT Structure Set file with its SOP Instance UID and
  sha256, the CT series; the protocols with their file and content hash.
"""
from __future__ import annotations

import platform
from dataclasses import dataclass

from PySide6 import QtCore, QtGui

from .document import INK, MUTED, RULE, Canvas
from .header import SectionTitle, TextBlock
from .review_content import PURPOSE
from .tables import CENTER, LEFT, Cell, Column, Table

ALERT = QtGui.QColor(170, 0, 0)
ZWSP = "\u200b"  # a break opportunity that prints nothing: long UIDs wrap after their dots


def grouped(hex_digest: str, size: int = 8) -> str:
    """'8622fde2 0b0bf5b2 …': a hash in groups of 8 (readable, and it wraps in a narrow column)."""
    return " ".join(hex_digest[i:i + size] for i in range(0, len(hex_digest), size)) if hex_digest else "–"


def breakable_uid(uid: str) -> str:
    return uid.replace(".", "." + ZWSP)
DECISION_STYLE = {
    "approved": (QtGui.QColor(205, 235, 211), QtGui.QColor(0, 100, 30)),
    "approved_with_comments": (QtGui.QColor(255, 226, 150), QtGui.QColor(110, 60, 0)),
    "changes_requested": (QtGui.QColor(245, 190, 190), QtGui.QColor(160, 0, 0)),
}
HOW_TO_SIGN = ("To record a sign-off with the files' hashes: Review ▸ Sign off… in rtreview, or "
               "rtreview report … --reviewer NAME --role ROLE --decision approved|approved_with_comments|"
               "changes_requested --comment TEXT; it is appended to the case file's review log "
               "(earlier entries are never rewritten).")


def software_line(software: str) -> str:
    import numpy
    import pydicom
    from PySide6 import __version__ as pyside_version

    return (f"{software} (Python {platform.python_version()}, pydicom {pydicom.__version__}, "
            f"numpy {numpy.__version__}, PySide6 {pyside_version})")


@dataclass
class SignatureForm:
    """Blank lines to sign on paper (name, role, date and time, decision, comment, signature)."""

    def height(self, canvas: Canvas, width: float) -> float:
        return 7 * (canvas.line_height(9) + 12)

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        p = canvas.painter
        lh = canvas.line_height(9) + 12
        half = rect.width() / 2

        def field(x: float, y: float, w: float, label: str) -> None:
            lw = canvas.width(label, 9, True) + 8
            canvas.text(QtCore.QRectF(x, y, lw, lh), label, 9, True, MUTED)
            p.setPen(QtGui.QPen(RULE, 0.8))
            p.drawLine(QtCore.QPointF(x + lw, y + lh - 6), QtCore.QPointF(x + w - 12, y + lh - 6))

        y = rect.top()
        field(rect.left(), y, half, "Reviewer")
        field(rect.left() + half, y, half, "Role")
        y += lh
        field(rect.left(), y, half, "Date and time")
        field(rect.left() + half, y, half, "Plan(s)")
        y += lh
        x = rect.left()
        canvas.text(QtCore.QRectF(x, y, 70, lh), "Decision", 9, True, MUTED)
        x += 70
        for text in ("Approved", "Approved with comments", "Changes requested"):
            box = QtCore.QRectF(x, y + lh / 2 - 6, 11, 11)
            p.setPen(QtGui.QPen(INK, 0.9))
            p.drawRect(box)
            canvas.text(QtCore.QRectF(x + 16, y, canvas.width(text, 9) + 6, lh), text, 9)
            x += canvas.width(text, 9) + 40
        y += lh
        field(rect.left(), y, rect.width(), "Comment")
        y += lh
        field(rect.left(), y, rect.width(), "")
        y += lh
        field(rect.left(), y, half, "Signature")


def _decision_cell(entry) -> Cell:
    fill, ink = DECISION_STYLE.get(entry.decision, (None, None))
    return Cell(entry.decision_text, bold=True, fill=fill, ink=ink)


def sign_off_table(info) -> Table:
    columns = [Column("Signed\n(local time)", 1.35, LEFT, wrap=True), Column("Reviewer\n(role)", 1.6, LEFT, wrap=True),
               Column("Decision", 1.35, CENTER, wrap=True), Column("Plan", 0.9, LEFT, wrap=True),
               Column("Comment", 2.4, LEFT, wrap=True), Column("Entry sha256", 1.9, LEFT, wrap=True)]
    rows = []
    first_new = len(info.entries) - info.just_signed
    for i, e in enumerate(info.entries):
        rows.append([Cell(e.when + (" *" if i >= first_new and info.just_signed else "")),
                     Cell(e.who), _decision_cell(e), Cell(e.plan_label), Cell(e.comment or "–"),
                     Cell(grouped(e.entry_sha256))])
    notes = [f"Review log: {info.case_file} (entries are appended, never rewritten; each carries the hash of "
             "the one before it, so a changed, removed or reordered entry is detected)."]
    if info.just_signed:
        notes.insert(0, f"* recorded when this report was made ({info.just_signed} entr"
                        f"{'y' if info.just_signed == 1 else 'ies'}).")
    return Table(columns, rows, "Sign-offs of the reviewed plans", notes, size_pt=7.5)


def data_table(info) -> Table:
    columns = [Column("Plan", 0.8, LEFT, wrap=True), Column("Object", 1.1, LEFT, wrap=True),
               Column("File", 1.5, LEFT, wrap=True), Column("SOP Instance UID\n(CT: Series Instance UID)", 2.6, LEFT,
                                                               wrap=True),
               Column("sha256 of the file", 3.0, LEFT, wrap=True)]
    rows = [[Cell(f.plan), Cell(f.kind), Cell(f.file), Cell(breakable_uid(f.uid)), Cell(grouped(f.sha256))] for f in info.data_files]
    return Table(columns, rows, "Data this report was computed from", [], size_pt=7.0)


def protocol_table(info) -> Table:
    columns = [Column("Protocol", 2.0, LEFT, wrap=True), Column("File", 2.0, LEFT, wrap=True),
               Column("Version", 0.9, LEFT), Column("sha256 of the file", 3.4, LEFT, wrap=True)]
    rows = [[Cell(p.name), Cell(p.file or "–"), Cell(p.version or "–"), Cell(grouped(p.sha256))] for p in info.protocols]
    notes = ["Protocol files carry no version number of their own: the hash identifies their content "
             "(docs/protocols.md)."] if any(not p.version for p in info.protocols) else []
    return Table(columns, rows, "Constraint protocols used", notes, size_pt=7.0)


def review_blocks(content) -> list:
    """The blocks of the review and provenance section (``content.review`` must be set)."""
    info = content.review
    blocks: list = [SectionTitle("Review and sign-off", "record of this plan review"),
                    TextBlock(PURPOSE.format(software=content.software), 8.5, QtGui.QColor(INK))]
    for problem in info.problems:
        blocks.append(TextBlock(f"WARNING: the review log fails its check — {problem}.", 8.5, QtGui.QColor(ALERT)))
    for change in info.changed:
        blocks.append(TextBlock(f"WARNING: {change}.", 8.5, QtGui.QColor(ALERT)))
    if info.entries:
        blocks.append(sign_off_table(info))
    else:
        where = f" in {info.case_file}" if info.case_file else ""
        blocks += [TextBlock(f"No sign-off of these plans is recorded{where}. Sign here, or record it "
                             "electronically (below).", 8.5, QtGui.QColor(INK)),
                   SignatureForm()]
    blocks.append(TextBlock(HOW_TO_SIGN, 7.5))
    blocks.append(data_table(info))
    if info.protocols:
        blocks.append(protocol_table(info))
    blocks.append(TextBlock("Software: " + software_line(content.software), 7.5))
    return blocks
