"""RunnerProgress: the status bar's progress bar and Cancel button following the window's TaskRunner.

The bar is updated at most every ``PROGRESS_INTERVAL_S`` (QProgressBar.setValue repaints at once:
a load of 250 files repainting the status bar 250 times cost a third of a second; 660 files, a
second); it and Cancel are shown while the runner is busy."""
from __future__ import annotations

import time

from PySide6 import QtWidgets

PROGRESS_INTERVAL_S = 0.2


class RunnerProgress:
    """The window connects ``on_progress`` to the runner's ``progressed``, calls ``show_busy`` on ``busy_changed``."""

    def __init__(self, runner, bar: QtWidgets.QProgressBar, cancel_button: QtWidgets.QPushButton):
        self.runner, self.bar, self.cancel_button = runner, bar, cancel_button
        self._progress_at = 0.0

    def on_progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self._progress_at < PROGRESS_INTERVAL_S and done < total:
            return
        self._progress_at = now
        bar = self.bar
        bar.setUpdatesEnabled(False)  # setValue would repaint at once; drawn with the window's next paint instead
        bar.setMaximum(max(total, 1))
        bar.setValue(min(done, max(total, 1)))
        what = {"load": "Loading", "dvh": "DVHs"}.get(self.runner.task_name, self.runner.task_name)
        bar.setFormat(f"{what} %p%")
        bar.setToolTip(message)
        bar.setUpdatesEnabled(True)  # (schedules that paint)

    def show_busy(self, busy: bool) -> None:
        self.bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.bar.setValue(0)
