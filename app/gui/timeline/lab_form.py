"""Add, edit or delete a lab series (a tumor marker over time): ``LabSeriesDialog.ask(parent,
series)`` -> ``LabSeries``, ``DELETE`` or None (cancelled).

The form edits a copy of the series' file dict (unknown fields stay untouched): analyte, unit,
upper limit of normal, source, illustrative, and the samples as a table (date, value, source,
illustrative; add and remove rows). It is checked against the case schema (the same rules as a
file on disk) plus: values positive (the marker axis is logarithmic), dates unique. Tests
replace ``ask``.
"""
from __future__ import annotations

import datetime as _dt

from PySide6 import QtCore, QtWidgets

from rtreview.core.timeline.model import LabSeries
from rtreview.core.timeline.schema import load_case_schema, validate

DELETE = "delete"
COLUMNS = ("Date (YYYY-MM-DD)", "Value", "Source", "Illustrative")


class LabSeriesDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None, series: LabSeries | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit lab series" if series else "Add lab series")
        self.setMinimumSize(620, 420)
        self._raw = series.to_dict() if series is not None else {}
        self.result_series: LabSeries | None = None
        self.deleted = False
        self.analyte_edit = QtWidgets.QLineEdit(self._raw.get("analyte", ""))
        self.analyte_edit.setPlaceholderText("e.g. AFP")
        self.unit_edit = QtWidgets.QLineEdit(self._raw.get("unit", ""))
        self.unit_edit.setPlaceholderText("e.g. ng/mL")
        uln = self._raw.get("upper_limit_normal")
        self.uln_edit = QtWidgets.QLineEdit("" if uln is None else f"{uln:g}")
        self.uln_edit.setPlaceholderText("upper limit of normal (optional)")
        self.source_edit = QtWidgets.QLineEdit(self._raw.get("source", ""))
        self.illustrative_box = QtWidgets.QCheckBox("made-up values (marked as such everywhere)")
        self.illustrative_box.setChecked(bool(self._raw.get("illustrative")))
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for sample in self._raw.get("samples", []):
            self.add_row(sample)
        add = QtWidgets.QPushButton("Add sample")
        add.clicked.connect(lambda: self.add_row({}))
        remove = QtWidgets.QPushButton("Remove selected")
        remove.clicked.connect(self.remove_selected)
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet("color: #c92a2a")
        self.error_label.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Analyte", self.analyte_edit)
        form.addRow("Unit", self.unit_edit)
        form.addRow("Upper normal", self.uln_edit)
        form.addRow("Source", self.source_edit)
        form.addRow("Illustrative", self.illustrative_box)
        rows = QtWidgets.QHBoxLayout()
        rows.addWidget(add)
        rows.addWidget(remove)
        rows.addStretch(1)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        if series is not None:
            delete = buttons.addButton("Delete series", QtWidgets.QDialogButtonBox.ButtonRole.DestructiveRole)
            delete.clicked.connect(self._delete)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(rows)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def add_row(self, sample: dict) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        value = sample.get("value")
        for col, text in enumerate((sample.get("date", ""), "" if value is None else f"{value:g}",
                                    sample.get("source", ""))):
            item = QtWidgets.QTableWidgetItem(str(text))
            item.setData(QtCore.Qt.ItemDataRole.UserRole, sample)  # the sample's own dict (unknown fields)
            self.table.setItem(row, col, item)
        check = QtWidgets.QTableWidgetItem()
        check.setFlags(check.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
        check.setCheckState(QtCore.Qt.CheckState.Checked if sample.get("illustrative")
                            else QtCore.Qt.CheckState.Unchecked)
        self.table.setItem(row, 3, check)

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def _delete(self) -> None:
        self.deleted = True
        super().accept()

    def document(self) -> tuple[dict | None, list[str]]:
        """(series dict, problems) from the form."""
        problems = []
        data = dict(self._raw)
        for key, edit in (("analyte", self.analyte_edit), ("unit", self.unit_edit), ("source", self.source_edit)):
            if edit.text().strip() or key in data:
                data[key] = edit.text().strip()
        text = self.uln_edit.text().strip()
        if text:
            try:
                data["upper_limit_normal"] = float(text)
            except ValueError:
                problems.append(f"upper normal {text!r} is not a number")
        else:
            data.pop("upper_limit_normal", None)
        if self.illustrative_box.isChecked() or "illustrative" in data:
            data["illustrative"] = self.illustrative_box.isChecked()
        samples, seen = [], set()
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in range(3)]
            original = dict(cells[0].data(QtCore.Qt.ItemDataRole.UserRole) or {}) if cells[0] else {}
            date_text, value_text, source = ((c.text().strip() if c is not None else "") for c in cells)
            if not date_text and not value_text:
                continue  # an empty row added by mistake
            sample = dict(original)
            try:
                sample["date"] = _dt.date.fromisoformat(date_text).isoformat()
            except ValueError:
                problems.append(f"row {row + 1}: date {date_text!r} is not YYYY-MM-DD")
            try:
                value = float(value_text)
                if value <= 0:
                    problems.append(f"row {row + 1}: value {value:g} — only positive values can be drawn "
                                    "(the marker axis is logarithmic)")
                sample["value"] = int(value) if value.is_integer() and "." not in value_text else value
            except ValueError:
                problems.append(f"row {row + 1}: value {value_text!r} is not a number")
            if source or "source" in sample:
                sample["source"] = source
            checked = self.table.item(row, 3).checkState() == QtCore.Qt.CheckState.Checked
            if checked or "illustrative" in sample:
                sample["illustrative"] = checked
            if sample.get("date") in seen:
                problems.append(f"row {row + 1}: a second sample on {sample['date']}")
            seen.add(sample.get("date"))
            samples.append(sample)
        data["samples"] = sorted(samples, key=lambda s: s.get("date", ""))
        if not problems:
            problems += [str(i) for i in validate(data, load_case_schema(), path=("lab_series",),
                                                   definition="lab_series")]
        return (None if problems else data), problems

    def accept(self) -> None:
        data, problems = self.document()
        if problems:
            self.error_label.setText("\n".join(problems))
            return
        self.result_series = LabSeries.from_dict(data)
        super().accept()

    @classmethod
    def ask(cls, parent: QtWidgets.QWidget | None, series: LabSeries | None = None):
        dialog = cls(parent, series)
        if not dialog.exec():
            return None
        return DELETE if dialog.deleted else dialog.result_series
