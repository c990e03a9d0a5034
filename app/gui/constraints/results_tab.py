"""ResultsTab: one tab of the constraints panel (Plan or Composite): the results table, a line of
notes under it, and the risk lines (liver function, NTCP, target BED: issue 16)."""
from __future__ import annotations

from PySide6 import QtWidgets

from rtreview.gui.constraints.table import ConstraintsTable


class ResultsTab(QtWidgets.QWidget):
    """A table and a line of notes under it."""

    def __init__(self):
        super().__init__()
        self.table = ConstraintsTable()
        self.notes = QtWidgets.QLabel("")
        self.notes.setStyleSheet("color: #aab;")
        self.notes.setWordWrap(False)
        # a long note (e.g. why no protocol fits) must not widen the window's right pane: it is
        # cut at the pane's edge, the tooltip holds all of it
        self.notes.setMinimumWidth(10)
        self.notes.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        # issue 16: liver function, NTCP risks and target BED (not verdicts), one line each
        self.risks = QtWidgets.QLabel("")
        self.risks.setStyleSheet("color: #dde;")
        self.risks.setMinimumWidth(10)
        self.risks.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.risks.setVisible(False)
        layout.addWidget(self.risks)

    def show_risks(self, lines: list[str]) -> None:
        """Two lines at most (the table keeps its room): liver function and NTCP, then the BEDs; the
        tooltip holds every line in full."""
        first = [x for x in lines if not x.startswith("BED ")]
        beds = [x for x in lines if x.startswith("BED ")]
        self.risks.setText("\n".join(" · ".join(group) for group in (first, beds) if group))
        self.risks.setToolTip("\n".join(lines))
        self.risks.setVisible(bool(lines))

    def show_notes(self, notes: list[str], prefix: str = "") -> None:
        text = prefix + (notes[0] if notes else "")
        if len(notes) > 1:
            text += f"  (+{len(notes) - 1} more: hover)"
        self.notes.setText(text)
        self.notes.setToolTip("\n".join(notes))

