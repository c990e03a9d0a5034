"""ConstraintsTable: one Evaluation's results, one row per constraint, status in colour and text.

Rows are ``ConstraintResult`` objects from rtreview.core.constraints (formatting in
rtreview.core.viewing.constraint_rows); clicking a row emits ``result_clicked(result)``.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.viewing import constraint_rows as rows_text

STATUS_COL = rows_text.COLUMNS.index("Status")
SOURCE_COL = rows_text.COLUMNS.index("Source")


class ConstraintsTable(QtWidgets.QTableWidget):
    result_clicked = QtCore.Signal(object)  # ConstraintResult

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(0, len(rows_text.COLUMNS), parent)
        self.results: list = []
        self.setHorizontalHeaderLabels(list(rows_text.COLUMNS))
        for col, name in enumerate(rows_text.COLUMNS):
            if name in rows_text.COLUMN_TIPS:
                self.horizontalHeaderItem(col).setToolTip(rows_text.COLUMN_TIPS[name])
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(20)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setStyleSheet("QTableWidget::item { padding: 0px 3px; }")
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF() - 1.5, 7.0))  # dense, like the metrics table
        self.setFont(font)
        self.horizontalHeader().setFont(font)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setMinimumSectionSize(30)
        self.currentCellChanged.connect(lambda row, *_: self._emit(row))
        self.cellClicked.connect(lambda row, _col: self._emit(row))

    def set_results(self, results: list) -> None:
        """Show ``results`` (ConstraintResult list), replacing the rows."""
        self.blockSignals(True)
        try:
            self.clearContents()
            self.results = list(results)
            self.setRowCount(len(self.results))
            for row, result in enumerate(self.results):
                tip = rows_text.row_tooltip(result)
                for col, text in enumerate(rows_text.cells(result)):
                    item = QtWidgets.QTableWidgetItem(text)
                    item.setToolTip(result.source if col == SOURCE_COL else tip)
                    if col not in (0, 1, 6, STATUS_COL, SOURCE_COL):
                        item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                    if col == STATUS_COL:
                        item.setBackground(QtGui.QBrush(QtGui.QColor(*rows_text.STATUS_RGB[result.status])))
                        item.setForeground(QtGui.QBrush(QtGui.QColor(*rows_text.STATUS_TEXT_RGB[result.status])))
                        font = item.font()
                        font.setBold(True)
                        item.setFont(font)
                    self.setItem(row, col, item)
            self.resizeColumnsToContents()
            self.setColumnWidth(0, min(self.columnWidth(0), 120))
            self.setColumnWidth(SOURCE_COL - 1, max(self.columnWidth(SOURCE_COL - 1), 60))
        finally:
            self.blockSignals(False)

    def status_cell(self, row: int) -> QtWidgets.QTableWidgetItem:
        return self.item(row, STATUS_COL)

    def _emit(self, row: int) -> None:
        if 0 <= row < len(self.results):
            self.result_clicked.emit(self.results[row])
