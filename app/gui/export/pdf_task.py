"""Run the PDF export off the GUI thread with progress and cancel.

``PdfExportController(window)`` owns its own ``TaskRunner`` (rtreview.gui.workers), so an export
never cancels the window's loading or DVH work and vice versa. It reads the case and the
selected plan from ``window.session``; the report recomputes DVHs and constraints in the worker
exactly as ``rtreview report`` does (the same numbers as the CLI), and is written atomically.
Each plan is checked against the protocol chosen for it in the Constraints panel (else the
suggested one) with the panel's hand structure mappings.
"""
from __future__ import annotations

import os
from typing import Callable

from PySide6 import QtCore, QtWidgets

from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions
from rtreview.gui.export.task_controller import ExportController


def _default_export(case, options: ExportPdfOptions, progress, cancel):
    from rtreview.report.builder import export

    paths = sorted({os.path.dirname(link.dose.path) or "." for link in case.links})  # for the case timeline
    return export(paths, options.path, plan_labels=options.plan_labels, protocols=options.protocols or None,
                  manual=options.manual or None, deidentify=options.deidentify,
                  page_size=options.page_size, progress=progress, cancel=cancel, case=case,
                  case_file=options.case_file, alpha_beta=options.alpha_beta or None)


class PdfExportController(ExportController):
    """Asks (``ExportPdfDialog.ask``), exports in a worker, shows progress, reports the outcome."""

    exported = QtCore.Signal(str)  # path written
    export_failed = QtCore.Signal(str)  # message (which file, why; nothing was written)

    def __init__(self, window: QtWidgets.QWidget, export_fn: Callable = _default_export):
        super().__init__(window, export_fn)

    def ask_and_start(self) -> None:
        session = getattr(self.window, "session", None)
        case = session.case if session is not None else None
        if case is None or not case.links:
            self._tell("Nothing to export: open a plan first")
            return
        labels = [link.label for link in case.links]
        current = session.link.label if session.link is not None else None
        prefs = getattr(self.window, "prefs", None)
        folder = (prefs.last_folder("export") if prefs is not None else "") or os.path.expanduser("~")
        default = os.path.join(folder, f"DVH report {current or labels[0]}.pdf")
        options = ExportPdfDialog.ask(self.window, labels, default, [current] if current else None)
        if options is not None and prefs is not None:
            prefs.remember_folder("export", options.path)
        if options is not None:
            if options.case_file is None:
                options.case_file = self._shown_case_file()
            self._panel_choices(case, options)
            self.start(case, options)

    def _panel_choices(self, case, options: ExportPdfOptions) -> None:
        """The Constraints panel's protocol (chosen, else suggested) and hand mapping per plan, and the
        structure list's α/β values, so the report checks each plan as the window shows it."""
        session = getattr(self.window, "session", None)
        store = getattr(session, "alpha_beta_store", None)
        for link in case.links:  # the user's α/β of every structure set reported
            if link.label in options.plan_labels and link.structure_set is not None and store is not None:
                for name, value in store.load(link.structure_set.sop_instance_uid).items():
                    options.alpha_beta.setdefault(name, value)
        if session is not None and not options.alpha_beta:
            options.alpha_beta.update(getattr(session, "alpha_beta_overrides", {}))
        panel = getattr(self.window, "constraints", None)
        if panel is None:
            return
        for link in case.links:
            if link.label not in options.plan_labels:
                continue
            proto = panel.protocol_for(link)
            if proto is not None and link.label not in options.protocols:
                options.protocols[link.label] = proto
            mapping = panel.manual_mapping(link)
            if mapping and link.label not in options.manual:
                options.manual[link.label] = dict(mapping)

    def _shown_case_file(self) -> str | None:
        """The case timeline file the window shows, as saved (a file opened by hand or with
        --case; unsaved edits are not in the report)."""
        view = getattr(self.window, "timeline_view", None)
        path = view.case_path() if view is not None else None
        return str(path) if path is not None and path.is_file() else None

    def start(self, case, options: ExportPdfOptions) -> None:
        fn = self.export_fn
        self.runner.start("export", lambda progress, cancel: fn(case, options, progress, cancel))
        self._open_progress("Preparing the PDF report…", "Export PDF report")
        self._tell(f"Exporting {os.path.basename(options.path)}…")

    def _on_finished(self, name: str, result) -> None:
        self._close_progress()
        path = getattr(result, "path", str(result))
        pages = getattr(result, "pages", None)
        self._tell(f"PDF report written to {path}" + (f" ({pages} pages)" if pages else ""))
        self.exported.emit(path)

    def _on_failed(self, name: str, message: str) -> None:
        self._close_progress()
        text = f"PDF export failed, nothing written: {message}"
        self._tell(text)
        self.export_failed.emit(text)

    def _on_cancelled(self, name: str) -> None:
        self._close_progress()
        self._tell("PDF export cancelled; nothing written")
