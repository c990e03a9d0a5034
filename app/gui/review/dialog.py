"""Dialogs of the sign-off: ``SignOffDialog.ask`` (reviewer, role, decision, comment, plans),
``CaseFileChooser.ask`` (where to keep the review log when no writable case file is open) and
``ReviewLogDialog`` (every entry of the log, and whether it is intact). Tests replace ``ask``."""
from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from rtreview.core.review import DECISIONS, ROLES


@dataclass
class SignOffRequest:
    reviewer: str
    role: str
    decision: str
    comment: str
    plans: list[str]  # keys of the plans to sign (as given to ``ask``)


class SignOffDialog(QtWidgets.QDialog):
    def __init__(self, parent, plans: list[tuple[str, str]], checked: set[str], reviewer: str, role: str,
                 where: str):
        super().__init__(parent)
        self.setWindowTitle("Sign off the plan review")
        self.setMinimumWidth(520)
        self.request: SignOffRequest | None = None
        self.reviewer_edit = QtWidgets.QLineEdit(reviewer)
        self.reviewer_edit.setPlaceholderText("your name, as it should appear in the record")
        self.role_box = QtWidgets.QComboBox()
        self.role_box.setEditable(True)
        self.role_box.addItems(list(ROLES))
        self.role_box.setCurrentText(role or ROLES[0])
        self.decision_buttons: dict[str, QtWidgets.QRadioButton] = {}
        decisions = QtWidgets.QHBoxLayout()
        for key, text in DECISIONS.items():
            button = QtWidgets.QRadioButton(text)
            self.decision_buttons[key] = button
            decisions.addWidget(button)
        self.comment_edit = QtWidgets.QPlainTextEdit()
        self.comment_edit.setPlaceholderText("what to change or note (required unless approved)")
        self.comment_edit.setMaximumHeight(90)
        self.plan_list = QtWidgets.QListWidget()
        self.plan_list.setMaximumHeight(90)
        for key, text in plans:
            item = QtWidgets.QListWidgetItem(text)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked if key in checked else QtCore.Qt.CheckState.Unchecked)
            self.plan_list.addItem(item)
        where_label = QtWidgets.QLabel(where)
        where_label.setWordWrap(True)
        where_label.setStyleSheet("color: #9aa4b0")
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet("color: #ff8787")
        self.error_label.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        sign = buttons.addButton("Sign off", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        sign.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Reviewer", self.reviewer_edit)
        form.addRow("Role", self.role_box)
        form.addRow("Decision", decisions)
        form.addRow("Comment", self.comment_edit)
        form.addRow("Plans", self.plan_list)
        form.addRow(where_label)
        form.addRow(self.error_label)
        form.addRow(buttons)

    def collect(self) -> tuple[SignOffRequest | None, str]:
        """(request, '') or (None, what is missing)."""
        decision = next((k for k, b in self.decision_buttons.items() if b.isChecked()), "")
        plans = [self.plan_list.item(i).data(QtCore.Qt.ItemDataRole.UserRole) for i in range(self.plan_list.count())
                 if self.plan_list.item(i).checkState() == QtCore.Qt.CheckState.Checked]
        name, comment = self.reviewer_edit.text().strip(), self.comment_edit.toPlainText().strip()
        if not name:
            return None, "Enter the reviewer's name."
        if not decision:
            return None, "Choose a decision."
        if decision != "approved" and not comment:
            return None, f"'{DECISIONS[decision]}' needs a comment saying what."
        if not plans:
            return None, "Tick at least one plan."
        return SignOffRequest(name, self.role_box.currentText().strip(), decision, comment, plans), ""

    def accept(self) -> None:
        request, problem = self.collect()
        if request is None:
            self.error_label.setText(problem)
            return
        self.request = request
        super().accept()

    @classmethod
    def ask(cls, parent, plans: list[tuple[str, str]], checked: set[str], reviewer: str = "", role: str = "",
            where: str = "") -> SignOffRequest | None:
        dialog = cls(parent, plans, checked, reviewer, role, where)
        return dialog.request if dialog.exec() else None


class CaseFileChooser:
    @classmethod
    def ask(cls, parent, suggested: str) -> str | None:
        """Where to save the case file that keeps the review log (None: cancelled)."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            parent, "Save the case file for the review log", suggested, "Case files (*.case.json)")
        return path or None


class ReviewLogDialog(QtWidgets.QDialog):
    """Every entry of the review log (newest last) and the result of its check."""

    def __init__(self, parent, entries: list, problems: list[str], changed: list[str], path: str):
        super().__init__(parent)
        self.setWindowTitle("Review log")
        self.resize(900, 420)
        table = QtWidgets.QTableWidget(len(entries), 6)
        table.setHorizontalHeaderLabels(["Signed", "Reviewer (role)", "Decision", "Plan", "Comment", "Entry sha256"])
        for row, e in enumerate(entries):
            for col, text in enumerate((e.when, e.who, e.decision_text, e.plan_label, e.comment, e.entry_sha256)):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, col, item)
        table.horizontalHeader().setSectionResizeMode(4, QtWidgets.QHeaderView.ResizeMode.Stretch)
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table = table
        state = ("<span style='color:#ff8787'>" + "<br>".join(html.escape(p) for p in problems + changed) + "</span>"
                 if problems or changed else "The log is intact (every entry matches its hash and the chain).")
        info = QtWidgets.QLabel(f"{html.escape(path or 'no case file')}<br>{state}")
        info.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent, entries, problems, changed, path) -> None:
        cls(parent, entries, problems, changed, path).exec()
