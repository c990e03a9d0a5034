"""File ▸ Export PDF…: the dialog's choices and the export running off the GUI thread."""
from __future__ import annotations

import threading

import pytest
from PySide6 import QtCore, QtWidgets

from report_support import sample_case


class FakeSession:
    def __init__(self, case, link=None):
        self.case, self.link = case, link


class FakeWindow(QtWidgets.QWidget):
    def __init__(self, case=None):
        super().__init__()
        self.session = FakeSession(case, case.links[0] if case is not None and case.links else None)
        self.messages: list[str] = []

    def show_message(self, text: str) -> None:
        self.messages.append(text)


def test_dialog_options_and_validation(qtbot, tmp_path):
    from rtreview.gui.export.pdf_dialog import ExportPdfDialog

    dialog = ExportPdfDialog(None, ["LIVER", "L ILIUM"], str(tmp_path / "report"), selected=["LIVER"])
    qtbot.addWidget(dialog)
    opts = dialog.options()
    assert opts.plan_labels == ["LIVER"] and opts.path.endswith("report.pdf") and opts.page_size == "A4"
    assert not opts.deidentify and dialog.validate() == ""
    dialog.plans.item(1).setCheckState(QtCore.Qt.CheckState.Checked)
    dialog.deidentify.setChecked(True)
    dialog.page_size.setCurrentText("Letter")
    opts = dialog.options()
    assert opts.plan_labels == ["LIVER", "L ILIUM"] and opts.deidentify and opts.page_size == "Letter"
    for i in range(2):
        dialog.plans.item(i).setCheckState(QtCore.Qt.CheckState.Unchecked)
    assert "at least one plan" in dialog.validate()
    dialog.plans.item(0).setCheckState(QtCore.Qt.CheckState.Checked)
    dialog.path.setText(str(tmp_path / "missing" / "r.pdf"))
    assert "does not exist" in dialog.validate()


def test_export_runs_off_the_gui_thread_with_progress(qtbot, tmp_path):
    from rtreview.gui.export.pdf_dialog import ExportPdfOptions
    from rtreview.gui.export.pdf_task import PdfExportController

    threads = []

    def fake_export(case, options, progress, cancel):
        threads.append(threading.current_thread())
        for i in range(3):
            progress(i + 1, 3, f"step {i}")
        with open(options.path, "wb") as f:
            f.write(b"%PDF-fake")
        return options.path

    window = FakeWindow()
    qtbot.addWidget(window)
    controller = PdfExportController(window, export_fn=fake_export)
    with qtbot.waitSignal(controller.exported, timeout=10000) as blocker:
        controller.start(object(), ExportPdfOptions(str(tmp_path / "r.pdf"), ["LIVER"]))
    assert blocker.args == [str(tmp_path / "r.pdf")]
    assert threads and threads[0] is not threading.main_thread()
    assert any("written to" in m for m in window.messages)


def test_failure_is_reported_with_the_reason(qtbot, tmp_path):
    from rtreview.gui.export.pdf_dialog import ExportPdfOptions
    from rtreview.gui.export.pdf_task import PdfExportController
    from rtreview.report.atomic import OutputError

    def failing(case, options, progress, cancel):
        raise OutputError(f"cannot write {options.path}: no permission to create files in {tmp_path}")

    window = FakeWindow()
    qtbot.addWidget(window)
    controller = PdfExportController(window, export_fn=failing)
    with qtbot.waitSignal(controller.export_failed, timeout=10000) as blocker:
        controller.start(object(), ExportPdfOptions(str(tmp_path / "r.pdf"), ["LIVER"]))
    assert "nothing written" in blocker.args[0] and "no permission" in blocker.args[0]
    assert not (tmp_path / "r.pdf").exists()


def test_menu_action_path_exports_the_real_report(qtbot, tmp_path, monkeypatch):
    """ask_and_start -> dialog (replaced) -> the real export in the worker -> a PDF on disk."""
    from rtreview.gui.export import pdf_task as export_pdf_task
    from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions

    case = sample_case()
    target = tmp_path / "liver.pdf"
    asked = {}

    def fake_ask(parent, labels, default_path, selected=None):
        asked.update(labels=labels, selected=selected)
        return ExportPdfOptions(str(target), ["LIVER"], deidentify=True)

    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(lambda cls, *a, **k: fake_ask(*a, **k)))
    window = FakeWindow(case)
    qtbot.addWidget(window)
    controller = export_pdf_task.PdfExportController(window)
    with qtbot.waitSignal(controller.exported, timeout=120000):
        controller.ask_and_start()
    assert asked["labels"] == [link.label for link in case.links] and asked["selected"] == [case.links[0].label]
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and case.patients[0].patient_id.encode() not in data
    assert not controller.busy


def test_nothing_loaded_says_so(qtbot):
    from rtreview.gui.export.pdf_task import PdfExportController

    window = FakeWindow()
    qtbot.addWidget(window)
    PdfExportController(window).ask_and_start()
    assert window.messages == ["Nothing to export: open a plan first"]


def test_wiring_into_the_real_main_window(qtbot, tmp_path, monkeypatch):
    """The lines proposed for main_window.py: a controller on the window, the menu action calls
    ask_and_start; the window's own runner keeps working (the export has its own)."""
    from synthetic_case import make_case

    from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions
    from rtreview.gui.export.pdf_task import PdfExportController
    from rtreview.gui.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, load_fn=lambda paths, progress=None, cancel=None: make_case())
    qtbot.addWidget(window)
    window.session.set_case(make_case())
    # the window's own DVH task would otherwise race the export for the status bar (seen under load)
    qtbot.waitUntil(window.is_idle, timeout=60_000)
    target = tmp_path / "synthetic.pdf"
    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(
        lambda cls, parent, labels, path, selected=None: ExportPdfOptions(str(target), labels)))
    window.pdf_export = PdfExportController(window)  # proposed line 1
    action = window.menuBar().actions()[0].menu().addAction("Export &PDF report…", window.pdf_export.ask_and_start)
    with qtbot.waitSignal(window.pdf_export.exported, timeout=60000):
        action.trigger()
    assert target.read_bytes().startswith(b"%PDF")
    assert "PDF report written to" in window.statusBar().currentMessage()
    window.runner.shutdown()
