"""LoadReportPanel: the files a load could not use (or used with a caveat) and why, plus
errors of background tasks; never a dialog per problem."""
from __future__ import annotations

import os

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.dicom.load_report import LoadReport

SEVERITY_COLORS = {"error": QtGui.QColor(235, 110, 100), "warning": QtGui.QColor(235, 190, 80),
                   "ignored": QtGui.QColor(150, 150, 150)}


class LoadReportPanel(QtWidgets.QWidget):
    changed = QtCore.Signal(int)  # number of entries

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["Severity", "File", "Reason"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        self.tree.header().setStretchLastSection(True)
        self.summary = QtWidgets.QLabel("Nothing loaded yet.")
        clear = QtWidgets.QPushButton("Clear")
        clear.clicked.connect(self.clear)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(clear)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)

    def clear(self) -> None:
        self.tree.clear()
        self.summary.setText("No problems reported.")
        self.changed.emit(0)

    def add(self, severity: str, path: str, message: str) -> None:
        item = QtWidgets.QTreeWidgetItem([severity, os.path.basename(path.rstrip("/")) or path, message])
        item.setToolTip(1, path)
        item.setToolTip(2, message)
        item.setForeground(0, QtGui.QBrush(SEVERITY_COLORS.get(severity, QtGui.QColor(200, 200, 200))))
        self.tree.addTopLevelItem(item)
        self.changed.emit(self.tree.topLevelItemCount())

    def show_report(self, report: LoadReport, source: str) -> None:
        """Append a load's issues (``source`` names what was opened) and summarise."""
        for issue in report.issues:
            self.add(issue.severity, issue.path, issue.message)
        n_err, n_warn, n_ign = len(report.errors), len(report.warnings), len(report.ignored)
        if report.issues:
            self.summary.setText(f"{source}: {n_err} file(s) not used, {n_warn} warning(s), {n_ign} ignored.")
        else:
            self.summary.setText(f"{source}: every file was used.")
        for col in (0, 1):
            self.tree.resizeColumnToContents(col)

    def entries(self) -> list[tuple[str, str, str]]:
        return [tuple(self.tree.topLevelItem(i).text(c) for c in range(3)) for i in range(self.tree.topLevelItemCount())]
