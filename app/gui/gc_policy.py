"""Cyclic garbage is collected in the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed. When that is a worker thread (loading, DVHs, export) and the garbage holds Qt objects
(e.g. the menus of a closed window), their C++ destructors run off the GUI thread and can
deadlock with it: seen here as a test run hanging in ``QObject::~QObject`` inside the loader's
thread while the GUI thread deleted widgets. So while a window exists, automatic collection is
off and the GUI thread collects on a timer, generation by generation when its count passed the
threshold automatic collection would have used (the usual remedy, as pyqtgraph's
GarbageCollector; written here with QtCore alone so the window's first paint does not wait for
pyqtgraph's import).
"""
from __future__ import annotations

import gc

from PySide6 import QtCore

_collector = None


class _TimedCollector:
    def __init__(self, interval_s: float):
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QtCore.QTimer()
        self.timer.timeout.connect(self.check)
        self.timer.start(int(interval_s * 1000))

    def check(self) -> None:
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self.thresholds[generation]:
                return
            gc.collect(generation)


def collect_in_gui_thread(interval_s: float = 1.0) -> None:
    """Install the policy once per process (call from the GUI thread, QApplication running)."""
    global _collector
    if _collector is None:
        _collector = _TimedCollector(interval_s)
