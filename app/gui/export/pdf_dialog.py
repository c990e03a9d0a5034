"""File ▸ Export PDF…: which plans, de-identify, page size, where to write. ``ask()`` is the
classmethod tests replace."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from PySide6 import QtCore, QtWidgets

PAGE_SIZES = ("A4", "Letter")


@dataclass
class ExportPdfOptions:
    path: str
    plan_labels: list[str]
    deidentify: bool = False
    page_size: str = "A4"
    case_file: str | None = None  # the case timeline shown in the window (else found beside the DICOM)
    # per plan label: the protocol chosen in the Constraints panel (a Protocol or a name) and the
    # hand structure mapping ({protocol structure: ROI}); plans not listed get the suggested one
    protocols: dict = field(default_factory=dict)
    manual: dict = field(default_factory=dict)
    # the user's α/β per ROI name (the structure list), as every number of the window uses it
    alpha_beta: dict = field(default_factory=dict)


class ExportPdfDialog(QtWidgets.QDialog):
    """Plans as a checklist (all checked), de-identify, page size, output file."""

    def __init__(self, parent: QtWidgets.QWidget | None, plan_labels: list[str], default_path: str,
                 selected: list[str] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export PDF report")
        self.plans = QtWidgets.QListWidget()
        for label in plan_labels:
            item = QtWidgets.QListWidgetItem(label)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            checked = selected is None or label in selected
            item.setCheckState(QtCore.Qt.CheckState.Checked if checked else QtCore.Qt.CheckState.Unchecked)
            self.plans.addItem(item)
        self.plans.setMaximumHeight(24 * max(3, min(len(plan_labels), 8)))
        self.deidentify = QtWidgets.QCheckBox("De-identify (leave out patient name, ID and birth date; "
                                              "pseudonymise UIDs)")
        self.page_size = QtWidgets.QComboBox()
        self.page_size.addItems(PAGE_SIZES)
        self.path = QtWidgets.QLineEdit(default_path)
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.problem = QtWidgets.QLabel()
        self.problem.setStyleSheet("color: #a00000")
        self.problem.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Plans", self.plans)
        form.addRow("", self.deidentify)
        form.addRow("Page size", self.page_size)
        form.addRow("File", row)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def options(self) -> ExportPdfOptions:
        labels = [self.plans.item(i).text() for i in range(self.plans.count())
                  if self.plans.item(i).checkState() == QtCore.Qt.CheckState.Checked]
        path = self.path.text().strip()
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return ExportPdfOptions(path, labels, self.deidentify.isChecked(), self.page_size.currentText())

    def validate(self) -> str:
        """'' when the options can be exported, else what is wrong."""
        opts = self.options()
        if not opts.plan_labels:
            return "Choose at least one plan."
        if not opts.path:
            return "Choose a file to write."
        folder = os.path.dirname(os.path.abspath(opts.path))
        if not os.path.isdir(folder):
            return f"The folder {folder} does not exist."
        return ""

    def _accept(self) -> None:
        problem = self.validate()
        self.problem.setText(problem)
        if not problem:
            self.accept()

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export PDF report", self.path.text(),
                                                        "PDF (*.pdf)")
        if path:
            self.path.setText(path)

    @classmethod
    def ask(cls, parent: QtWidgets.QWidget | None, plan_labels: list[str], default_path: str,
            selected: list[str] | None = None) -> ExportPdfOptions | None:
        """The chosen options, or None when cancelled."""
        dialog = cls(parent, plan_labels, default_path, selected)
        return dialog.options() if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted else None
