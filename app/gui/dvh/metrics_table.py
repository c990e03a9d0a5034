"""MetricsTable: DVH metrics of the visible structures of the selected dose (values from
rtreview.core.viewing.metrics); V at user-chosen dose levels; copy to clipboard; CSV export."""
from __future__ import annotations

import os

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.atomic import write_atomic
from rtreview.core.viewing import metrics

from rtreview.gui.session import ReviewSession
from rtreview.gui.plans.structure_list import swatch

PARTIAL_BRUSH = QtGui.QBrush(QtGui.QColor(105, 72, 18))
COL_COVERED = 2


_HEADER_TIPS = {
    "Vol": "Structure volume (cc)",
    "Covered": "Volume inside the dose grid; ⚠ = the grid misses part of the structure",
    "D98%": "Minimum dose to the hottest 98 % of the (covered) volume", "D2cc": "Minimum dose to the hottest 2 cc",
    "D0.03cc": "Near-maximum dose: minimum dose to the hottest 0.03 cc",
}


class MetricsTable(QtWidgets.QWidget):
    exported = QtCore.Signal(str)  # path written
    export_failed = QtCore.Signal(str)  # message

    def __init__(self, session: ReviewSession, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.v_levels_gy: list[float] = []
        self.rows: list[metrics.MetricRow] = []
        self._selecting = False
        self.levels_edit = QtWidgets.QLineEdit()
        self.levels_edit.setPlaceholderText("e.g. 20, 30")
        self.levels_edit.setToolTip("Dose levels (Gy) for V columns: % of the structure (its part inside the dose grid) "
                                       "receiving at least that dose")
        self.levels_edit.setMaximumWidth(140)
        self.levels_edit.editingFinished.connect(self._on_levels)
        self.copy_button = QtWidgets.QPushButton("Copy")
        self.copy_button.setToolTip("Copy the table (tab-separated) to the clipboard")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.export_button = QtWidgets.QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.ask_and_export)
        self.table = QtWidgets.QTableWidget()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setStyleSheet("QTableWidget::item { padding: 0px 2px; }")
        font = self.table.font()
        font.setPointSizeF(max(font.pointSizeF() - 1.5, 7.0))  # dense, as planning-system tables are
        self.table.setFont(font)
        self.table.horizontalHeader().setFont(font)
        self.table.horizontalHeader().setMinimumSectionSize(30)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("Metrics <span style='color:#999'>(cc, Gy, V in %)</span>  V at Gy:"))
        bar.addWidget(self.levels_edit)
        bar.addStretch(1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.export_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        # issue 16: the plan's NTCP risks and target BEDs (from its constraint check), under the table
        self.risks = QtWidgets.QLabel("")
        self.risks.setStyleSheet("color: #dde;")
        self.risks.setMinimumWidth(10)
        self.risks.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.risks.setVisible(False)
        layout.addWidget(self.risks)
        self.table.currentCellChanged.connect(self._on_current_cell)
        self._stale = False
        session.dvhs_changed.connect(self._on_dvhs)
        session.visibility_changed.connect(self.refresh)
        session.link_changed.connect(self._default_levels)
        session.prescription_changed.connect(lambda _plan: self._default_levels())
        session.highlight_changed.connect(self._show_highlight)

    def show_risks(self, lines: list[str]) -> None:
        """NTCP and BED lines of the selected plan's check (``constraint_rows.risk_lines``), one each."""
        shown = [x for x in lines if x.startswith(("NTCP ", "BED "))]
        self.risks.setText("\n".join(shown))
        self.risks.setToolTip("\n".join(lines))
        self.risks.setVisible(bool(shown))

    def _default_levels(self) -> None:
        """Default V levels: 95 % and 100 % of the prescription when known."""
        rx = self.session.rx_gy
        if rx and not self.levels_edit.isModified():
            self.v_levels_gy = [round(rx * 0.95, 2), rx]
            self.levels_edit.setText(", ".join(f"{v:g}" for v in self.v_levels_gy))

    def _on_levels(self) -> None:
        try:
            self.v_levels_gy = metrics.parse_dose_levels(self.levels_edit.text())
        except ValueError as exc:
            self.levels_edit.setStyleSheet("background: #5a2323;")
            self.levels_edit.setToolTip(f"Not understood: {exc}")
            return
        self.levels_edit.setStyleSheet("")
        self.refresh()

    def _on_dvhs(self) -> None:
        """While a plan's DVHs stream in behind another tab, the table waits for the last one."""
        link = self.session.link
        if self.isVisible() or link is None or self.session.has_dvhs(link):
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        s = self.session
        order = [r.number for r in s.rois]
        dvhs = s.dvhs
        self.rows = [metrics.metric_row(dvhs[n], self.v_levels_gy) for n in order if n in dvhs and n in s.visible]
        headers = metrics.headers(self.v_levels_gy, units=False)
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(self.rows))
        self.table.setHorizontalHeaderLabels(headers)
        for c, (h, full) in enumerate(zip(headers, metrics.headers(self.v_levels_gy))):
            self.table.horizontalHeaderItem(c).setToolTip(_HEADER_TIPS.get(h, full))
        right = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        for r, row in enumerate(self.rows):
            dvh = dvhs[row.roi_number]
            for c, text in enumerate(metrics.cells(row, self.v_levels_gy)):
                item = QtWidgets.QTableWidgetItem(text)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, row.roi_number)
                if c >= 1:
                    item.setTextAlignment(right)
                if c == 0:  # a swatch, not coloured text: dark ROI colours are unreadable on dark rows
                    item.setIcon(swatch(tuple(dvh.color_rgb), 10))
                if c == COL_COVERED and row.partial_coverage:
                    item.setBackground(PARTIAL_BRUSH)
                    item.setToolTip(f"The dose grid covers only {row.coverage_pct:.1f} % of {row.name}: "
                                    "dose metrics describe the covered part")
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        if self.table.columnWidth(0) > 96:  # long names elide (full name in the tooltip)
            self.table.setColumnWidth(0, 96)
        for r, row in enumerate(self.rows):
            self.table.item(r, 0).setToolTip(f"{row.name} ({row.type or 'no type'})")

    def _on_current_cell(self, row: int, _col: int, _prev_row: int, _prev_col: int) -> None:
        if 0 <= row < len(self.rows) and not self._selecting:
            self.session.set_highlighted(self.rows[row].roi_number)

    def _show_highlight(self, number: int) -> None:
        self._selecting = True
        try:
            for r, row in enumerate(self.rows):
                if row.roi_number == number:
                    self.table.selectRow(r)
                    return
            self.table.clearSelection()
        finally:
            self._selecting = False

    def tsv(self) -> str:
        return metrics.to_tsv(self.rows, self.v_levels_gy)

    def copy_to_clipboard(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.tsv())

    @classmethod
    def ask_path(cls, parent: QtWidgets.QWidget, suggested: str) -> str:
        """Where to save the CSV ('' = cancelled). Tests replace this classmethod."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Export DVH metrics", suggested, "CSV files (*.csv)")
        return path

    def ask_and_export(self) -> None:
        label = self.session.link.label if self.session.link is not None else "metrics"
        path = type(self).ask_path(self, os.path.join(os.path.expanduser("~"), f"{label}_dvh_metrics.csv"))
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> bool:
        """Write the CSV atomically; reports through ``exported`` / ``export_failed``."""
        label = self.session.link.label if self.session.link is not None else ""
        try:
            write_atomic(path, metrics.csv_text(self.rows, self.v_levels_gy, label))
        except OSError as exc:
            self.export_failed.emit(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.exported.emit(path)
        return True
