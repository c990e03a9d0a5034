"""Add or edit one case event in a form: ``EventFormDialog.ask(parent, event)`` -> Event or None
(and the last follow-up: ``FollowUpDialog.ask``).

The form edits a copy of the event's file dict (unknown fields stay untouched), checks it
against the case schema (the same rules as a file on disk) and builds the event from it.
Tests replace ``ask`` with a function returning the event they want.
"""
from __future__ import annotations

import datetime as _dt

from PySide6 import QtWidgets

from rtreview.core.timeline.model import EVENT_CLASSES, Event, FollowUp, new_event_id
from rtreview.core.timeline.schema import load_case_schema, validate

# kind -> [(field, label, widget type)]; widget types: text, date, float, int, bool, or a tuple of choices
FIELDS: dict[str, list[tuple[str, str, object]]] = {
    "diagnosis": [("date", "Date", "date"), ("disease", "Disease", "text"), ("stage", "Stage", "text")],
    "rt_course": [("site", "Site", "text"), ("start_date", "Start", "date"), ("end_date", "End", "date"),
                  ("dose_gy", "Total dose (Gy)", "float"), ("fractions", "Fractions (planned)", "int"),
                  ("dose_per_fraction_gy", "Dose per fraction (Gy)", "float"),
                  ("fractions_delivered", "Fractions delivered", "int"),
                  ("schedule", "Schedule", ("daily", "twice_daily", "other")),
                  ("interval_hours", "Interval between fractions (h, twice daily)", "float"),
                  ("technique", "Technique", "text"),
                  ("interruptions", "Interruptions", "interruptions"),
                  ("plan_label", "Plan label (DICOM)", "text"),
                  ("plan_sop_instance_uid", "Plan SOP Instance UID", "text")],
    "systemic_therapy": [("drug", "Drug", "text"), ("drug_class", "Drug class", "text"),
                         ("dose_mg", "Dose (mg)", "float"), ("schedule", "Schedule", "text"),
                         ("start_date", "Start", "date"), ("end_date", "End", "date"),
                         ("ongoing", "Ongoing", "bool"), ("line", "Line of therapy", "int")],
    "procedure": [("name", "Procedure", "text"), ("regimen", "Regimen", "text"), ("date", "Date", "date"),
                  ("end_date", "End", "date"), ("liver_directed", "Liver-directed (TACE, HAIC, ablation...)", "bool")],
    "response": [("date", "Date", "date"), ("modality", "Modality", "text"),
                 ("result", "Result", ("CR", "PR", "SD", "PD", "NE", "DC")),
                 ("criterion", "Criterion", "text"), ("finding", "Finding", "text")],
    "adverse_event": [("term", "CTCAE term", "text"), ("grade", "Grade (1-5)", "int"), ("date", "Onset", "date"),
                      ("end_date", "Resolved", "date"), ("ctcae_version", "CTCAE version", "text"),
                      ("attribution", "Attribution", "text")],
    "imaging": [("date", "Date", "date"), ("modality", "Modality", "text"), ("finding", "Finding", "text"),
                ("study_instance_uid", "Study Instance UID", "text")],
    "liver_function": [("date", "Date", "date"), ("child_pugh_class", "Child-Pugh class", ("A", "B", "C")),
                       ("child_pugh_score", "Child-Pugh score (5-15)", "int"),
                       ("albi_grade", "ALBI grade (1-3)", "int"), ("albi_score", "ALBI score", "float"),
                       ("hbv_status", "HBV", ("negative", "positive", "resolved", "unknown")),
                       ("hcv_status", "HCV", ("negative", "positive", "resolved", "unknown")),
                       ("antiviral", "Antiviral therapy", "text")],
    "death": [("date", "Date", "date"), ("cause", "Cause", "text")],
    "note": [("date", "Date", "date"), ("title", "Title", "text")],
}
KIND_TITLES = {"diagnosis": "Diagnosis", "rt_course": "Radiotherapy course", "systemic_therapy": "Systemic therapy",
               "procedure": "Procedure (e.g. HAIC, TACE, surgery)", "response": "Response assessment",
               "adverse_event": "Adverse event (CTCAE)", "imaging": "Imaging study",
               "liver_function": "Liver function (Child-Pugh, ALBI, HBV/HCV)", "death": "Death",
               "note": "Note"}
COMMON = [("source", "Source", "text"), ("illustrative", "Illustrative (made-up values)", "bool"),
          ("notes", "Notes", "text")]


class EventFormDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None, event: Event | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit event" if event else "Add event")
        self._original = event
        self._raw = dict(event.to_dict()) if event else {}
        if event is not None and event.id_generated:
            self._raw.pop("id", None)
        self.result_event: Event | None = None
        self.setMinimumWidth(520)
        self.kind_box = QtWidgets.QComboBox()
        for kind in FIELDS:
            self.kind_box.addItem(KIND_TITLES[kind], kind)
        if event is not None:
            self.kind_box.setCurrentIndex(self.kind_box.findData(event.kind))
            self.kind_box.setEnabled(False)  # a different kind is a different event: delete and add
        self.form_host = QtWidgets.QWidget()
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet("color: #c92a2a")
        self.error_label.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        top = QtWidgets.QFormLayout()
        top.addRow("Kind", self.kind_box)
        layout.addLayout(top)
        layout.addWidget(self.form_host)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.kind_box.currentIndexChanged.connect(self._build_form)
        self._build_form()

    def kind(self) -> str:
        return self.kind_box.currentData()

    def _build_form(self, _index: int = 0) -> None:
        kind = self.kind()
        old = self.form_host.layout()
        if old is not None:
            QtWidgets.QWidget().setLayout(old)  # reparent the old layout so it is deleted
        form = QtWidgets.QFormLayout(self.form_host)
        self.editors = {}
        for name, label, kind_of in FIELDS[kind] + COMMON:
            editor = self._editor(kind_of, self._raw.get(name))
            self.editors[name] = editor
            form.addRow(label, editor)

    @staticmethod
    def _editor(kind_of: object, value: object) -> QtWidgets.QWidget:
        if kind_of == "bool":
            box = QtWidgets.QCheckBox()
            box.setChecked(bool(value))
            return box
        if isinstance(kind_of, tuple):
            combo = QtWidgets.QComboBox()
            combo.addItems([""] + list(kind_of))  # no default: a response result must be chosen
            if value in kind_of:
                combo.setCurrentText(str(value))
            return combo
        if kind_of == "interruptions":
            edit = QtWidgets.QLineEdit(interruptions_text(value))
            edit.setPlaceholderText("YYYY-MM-DD..YYYY-MM-DD reason; YYYY-MM-DD reason")
            return edit
        edit = QtWidgets.QLineEdit("" if value is None else str(value))
        if kind_of == "date":
            edit.setPlaceholderText("YYYY-MM-DD")
        return edit

    def form_dict(self) -> dict:
        """The event's file dict: the original with the form's fields overlaid; an emptied
        field is removed (or null if the file had it as null)."""
        kind = self.kind()
        data = dict(self._raw)
        data["kind"] = kind
        types = {name: kind_of for name, _, kind_of in FIELDS[kind] + COMMON}
        for name, editor in self.editors.items():
            kind_of = types[name]
            if isinstance(editor, QtWidgets.QCheckBox):
                if editor.isChecked() or name in data:
                    data[name] = editor.isChecked()
                continue
            text = editor.currentText() if isinstance(editor, QtWidgets.QComboBox) else editor.text().strip()
            if not text:
                if name in data and data[name] is not None:
                    del data[name]
                continue
            data[name] = _convert(text, kind_of)
        return data

    def accept(self) -> None:
        data = self.form_dict()
        issues = validate(data, load_case_schema(), definition="event")
        if issues:
            self.error_label.setText("\n".join(str(i) for i in issues))
            return
        event = EVENT_CLASSES[data["kind"]].from_dict(data)
        if self._original is not None:
            event.id, event.id_generated = self._original.id, self._original.id_generated
        elif not event.id:
            event.id = new_event_id(data["kind"])
        self.result_event = event
        super().accept()

    @classmethod
    def ask(cls, parent: QtWidgets.QWidget | None = None, event: Event | None = None) -> Event | None:
        """Show the form modally; the new or edited event, or None if cancelled."""
        dialog = cls(parent, event)
        return dialog.result_event if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted else None


def interruptions_text(value: object) -> str:
    """The file's interruption list as one line: 'start..end reason; start reason'."""
    if not isinstance(value, list):
        return ""
    parts = []
    for item in value:
        if isinstance(item, dict):
            span = str(item.get("start_date", "")) + (f"..{item['end_date']}" if item.get("end_date") else "")
            parts.append(f"{span} {item.get('reason', '')}".strip())
    return "; ".join(parts)


def parse_interruptions(text: str) -> list:
    """'2020-06-29..2020-07-01 neutropenia; 2020-07-03' -> the file's list of dicts (dates left as
    typed so the schema check names a bad one)."""
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        span, _, reason = part.partition(" ")
        start, _, end = span.partition("..")
        item = {"start_date": start}
        if end:
            item["end_date"] = end
        if reason.strip():
            item["reason"] = reason.strip()
        out.append(item)
    return out


def _convert(text: str, kind_of: object) -> object:
    """Text from the form to a JSON value; left as text when it does not parse, so the schema
    check reports it with the field's name."""
    if kind_of == "interruptions":
        return parse_interruptions(text)
    try:
        if kind_of == "int":
            return int(text)
        if kind_of == "float":
            number = float(text)
            return int(number) if number.is_integer() else number
        if kind_of == "date":
            return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return text
    return text


class FollowUpDialog(QtWidgets.QDialog):
    """Edit the case's last follow-up (date, status, source): ``FollowUpDialog.ask(parent, follow_up)``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, follow_up: FollowUp | None = None):
        super().__init__(parent)
        self.setWindowTitle("Last follow-up")
        self.setMinimumWidth(420)
        self._raw = follow_up.to_dict() if follow_up else {}
        self.result_follow_up: FollowUp | None = None
        self.date_edit = QtWidgets.QLineEdit(self._raw.get("date", ""))
        self.date_edit.setPlaceholderText("YYYY-MM-DD")
        self.status_edit = QtWidgets.QLineEdit(self._raw.get("status", ""))
        self.source_edit = QtWidgets.QLineEdit(self._raw.get("source", ""))
        self.illustrative_box = QtWidgets.QCheckBox()
        self.illustrative_box.setChecked(bool(self._raw.get("illustrative")))
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet("color: #c92a2a")
        form = QtWidgets.QFormLayout(self)
        form.addRow("Date", self.date_edit)
        form.addRow("Status", self.status_edit)
        form.addRow("Source", self.source_edit)
        form.addRow("Illustrative", self.illustrative_box)
        form.addRow(self.error_label)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        data = dict(self._raw)
        data["date"] = _convert(self.date_edit.text().strip(), "date")
        for key, edit in (("status", self.status_edit), ("source", self.source_edit)):
            if edit.text().strip() or key in data:
                data[key] = edit.text().strip()
        if self.illustrative_box.isChecked() or "illustrative" in data:
            data["illustrative"] = self.illustrative_box.isChecked()
        schema = load_case_schema()
        issues = validate(data, schema, path=("last_follow_up",), definition="last_follow_up")
        if issues:
            self.error_label.setText("\n".join(str(i) for i in issues))
            return
        self.result_follow_up = FollowUp.from_dict(data)
        super().accept()

    @classmethod
    def ask(cls, parent: QtWidgets.QWidget | None = None, follow_up: FollowUp | None = None) -> FollowUp | None:
        dialog = cls(parent, follow_up)
        return dialog.result_follow_up if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted else None
