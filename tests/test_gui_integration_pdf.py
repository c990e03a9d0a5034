"""File ▸ Export PDF report… in the real window: the action exists and runs the controller."""
import pytest
from PySide6 import QtCore, QtGui

from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions
from rtreview.gui.export.pdf_task import PdfExportController
from rtreview.gui.main_window import MainWindow
from gui_helpers import wait_idle
from synthetic_case import make_case


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, load_fn=lambda paths, progress=None, cancel=None: make_case())
    qtbot.addWidget(w)
    w.session.set_case(make_case())
    wait_idle(qtbot, w)  # the DVHs' own status message comes first
    yield w
    w.runner.shutdown()
    w.constraints.shutdown()


def _pdf_action(w):
    return next(a for a in w.menuBar().actions()[0].menu().actions() if a.text() == "Export &PDF report…")


def test_the_menu_action_exists_and_triggers_the_controller(qtbot, window, tmp_path, monkeypatch):
    w = window
    assert isinstance(w.pdf_export, PdfExportController)
    action = _pdf_action(w)
    assert action is w.export_pdf_action and action.shortcut() == QtGui.QKeySequence("Ctrl+P")
    asked = []
    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(
        lambda cls, parent, labels, path, selected=None: asked.append((labels, selected)) or None))
    action.trigger()  # the dialog is "cancelled": nothing starts
    assert asked == [(["PLAN A", "PLAN B"], ["PLAN A"])] and not w.pdf_export.busy

    seen_options = []

    def fake_export(case, options, progress, cancel):
        seen_options.append(options)
        progress(1, 1, "done")
        with open(options.path, "wb") as f:
            f.write(b"%PDF-fake")
        return options.path

    w.pdf_export.export_fn = fake_export
    target = tmp_path / "r.pdf"
    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(
        lambda cls, parent, labels, path, selected=None: ExportPdfOptions(str(target), labels)))
    with qtbot.waitSignal(w.pdf_export.exported, timeout=10000):
        action.trigger()
    assert target.read_bytes() == b"%PDF-fake"
    assert seen_options[-1].case_file is None  # no case timeline file shown for the synthetic case
    assert "PDF report written to" in w.statusBar().currentMessage()


def test_closing_the_window_stops_an_export(qtbot, window, tmp_path, monkeypatch):
    import threading

    release = threading.Event()

    def slow_export(case, options, progress, cancel):
        while not cancel() and not release.wait(0.01):
            pass
        return options.path

    w = window
    w.pdf_export.export_fn = slow_export
    w.pdf_export.start(w.session.case, ExportPdfOptions(str(tmp_path / "x.pdf"), ["PLAN A"]))
    assert w.pdf_export.busy
    w.close()  # shutdown() cancels and waits: the thread has ended (reaped on the next events)
    assert not w.pdf_export.busy and all(job.isFinished() for job in w.pdf_export.runner._jobs)
    qtbot.waitUntil(lambda: w.pdf_export.runner.running_threads == 0, timeout=2000)
