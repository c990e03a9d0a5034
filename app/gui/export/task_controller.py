"""What every export controller of the window shares: its own ``TaskRunner`` (an export never
cancels the window's loading or DVH work, and vice versa), a modal progress dialog whose Cancel
cancels the worker, and messages in the window's status line.

A subclass starts its work with ``self.runner.start(name, fn)`` then ``self._open_progress``, and
implements ``_on_finished``, ``_on_failed`` and ``_on_cancelled`` (each closes the dialog with
``_close_progress`` and tells the outcome)."""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtWidgets

from rtreview.gui.workers import TaskRunner


class ExportController(QtCore.QObject):
    def __init__(self, window: QtWidgets.QWidget, export_fn: Callable):
        super().__init__(window)
        self.window = window
        self.export_fn = export_fn
        self.runner = TaskRunner(self)
        self.progress: QtWidgets.QProgressDialog | None = None
        self.runner.progressed.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def _open_progress(self, label: str, title: str) -> None:
        self.progress = QtWidgets.QProgressDialog(label, "Cancel", 0, 0, self.window)
        self.progress.setWindowTitle(title)
        self.progress.setMinimumDuration(300)
        self.progress.canceled.connect(self.runner.cancel)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect(self.runner.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(min(done, max(total, 1)))
            self.progress.setLabelText(message)

    def _on_finished(self, name: str, result) -> None:
        raise NotImplementedError

    def _on_failed(self, name: str, message: str) -> None:
        raise NotImplementedError

    def _on_cancelled(self, name: str) -> None:
        raise NotImplementedError

    def _tell(self, text: str) -> None:
        show = getattr(self.window, "show_message", None)
        if callable(show):
            show(text)
