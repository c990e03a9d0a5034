"""File ▸ Export anonymised…: ask where (a new folder), whether to write the key file and to keep
shifted dates, then export the loaded patients' files (and the case timeline shown, as saved) off
the GUI thread with progress and cancel, through rtreview.core.anonymize (as `rtreview anonymize`)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from PySide6 import QtCore, QtWidgets

from rtreview.gui.export.task_controller import ExportController

# rtreview.core.anonymize.export (it imports pydicom, which the window needs only when it writes
# DICOM) is imported where it is used, not when the panels are built.


@dataclass
class AnonymizeOptions:
    out_dir: str
    key_path: str | None = None
    retain_dates: bool = False


class AnonymizeDialog(QtWidgets.QDialog):
    """Output folder, optional key file, dates option; ``ask`` returns options or None."""

    def __init__(self, parent: QtWidgets.QWidget | None, default_dir: str):
        super().__init__(parent)
        self.setWindowTitle("Export anonymised")
        self.out_edit = QtWidgets.QLineEdit(default_dir)
        out_button = QtWidgets.QPushButton("…")
        out_button.setFixedWidth(32)
        out_button.clicked.connect(self._choose_out)
        self.key_check = QtWidgets.QCheckBox("Write a key file (re-identifies the export: keep it apart)")
        self.key_edit = QtWidgets.QLineEdit(os.path.join(os.path.dirname(default_dir), "anonymization-key.json"))
        self.key_edit.setEnabled(False)
        self.key_check.toggled.connect(self.key_edit.setEnabled)
        self.dates_check = QtWidgets.QCheckBox("Keep dates, shifted by one random offset (PS3.15 Modified Dates "
                                               "option); otherwise DICOM dates are removed")
        note = QtWidgets.QLabel("DICOM PS3.15 Basic Confidentiality Profile. Names, IDs, UIDs, free text and private "
                                "tags are replaced or removed; the case timeline is shifted by the same whole-week "
                                "offset. CT pixel data are assumed to carry no burned-in text.")
        note.setWordWrap(True)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.out_edit, 1)
        row.addWidget(out_button)
        form = QtWidgets.QFormLayout()
        form.addRow("New folder", row)
        form.addRow(self.key_check)
        form.addRow("Key file", self.key_edit)
        form.addRow(self.dates_check)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _choose_out(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Folder for the anonymised export",
                                                            os.path.dirname(self.out_edit.text()))
        if folder:
            self.out_edit.setText(folder)

    def options(self) -> AnonymizeOptions:
        key = self.key_edit.text().strip() if self.key_check.isChecked() else None
        return AnonymizeOptions(self.out_edit.text().strip(), key or None, self.dates_check.isChecked())

    @classmethod
    def ask(cls, parent: QtWidgets.QWidget | None, default_dir: str) -> AnonymizeOptions | None:
        dialog = cls(parent, default_dir)
        return dialog.options() if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted else None


def _default_export(paths, patient_ids, case_files, options: AnonymizeOptions, progress, cancel):
    from rtreview.core.anonymize.export import anonymize_paths

    return anonymize_paths(paths, options.out_dir, key_path=options.key_path, case_paths=case_files,
                           retain_dates=options.retain_dates, patient_ids=patient_ids,
                           progress=lambda done, total: progress(done, total, f"Anonymising file {done} of {total}"),
                           cancelled=cancel)


class AnonymizeExportController(ExportController):
    exported = QtCore.Signal(object)  # ExportResult
    export_failed = QtCore.Signal(str)

    def __init__(self, window: QtWidgets.QWidget, export_fn: Callable = _default_export):
        super().__init__(window, export_fn)

    def ask_and_start(self) -> None:
        session = getattr(self.window, "session", None)
        case = session.case if session is not None else None
        if case is None or not case.patients:
            self._tell("Nothing to export: open a patient first")
            return
        options = AnonymizeDialog.ask(self.window, os.path.join(os.path.expanduser("~"), "anonymised"))
        if options is not None and options.out_dir:
            self.start(case, options)

    def start(self, case, options: AnonymizeOptions) -> None:
        from rtreview.core.anonymize.export import case_sources

        paths, patient_ids = case_sources(case)
        view = getattr(self.window, "timeline_view", None)
        shown = view.case_path() if view is not None else None
        case_files = [str(shown)] if shown is not None and shown.is_file() else []
        fn = self.export_fn
        self.runner.start("anonymize", lambda progress, cancel: fn(paths, patient_ids, case_files, options,
                                                                   progress, cancel))
        self._open_progress("Anonymising…", "Export anonymised")
        self._tell(f"Exporting an anonymised copy to {options.out_dir}…")

    def _on_finished(self, _name: str, result) -> None:
        self._close_progress()
        if getattr(result, "cancelled", False):
            self._on_cancelled(_name)
            return
        text = (f"Anonymised export: {len(result.written)} DICOM file(s), {len(result.cases)} case file(s)"
                + (f", key in {result.key_path}" if result.key_path else "")
                + (f"; {len(result.skipped)} input(s) skipped" if result.skipped else ""))
        self._tell(text)
        self.exported.emit(result)

    def _on_failed(self, _name: str, message: str) -> None:
        self._close_progress()
        text = f"Anonymised export failed: {message.split(': ', 1)[-1]}"
        self._tell(text)
        self.export_failed.emit(text)

    def _on_cancelled(self, _name: str) -> None:
        self._close_progress()
        self._tell("Anonymised export cancelled; nothing written")
