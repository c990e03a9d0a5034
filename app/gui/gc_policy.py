"""Cyclic garbage is collected in the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed. When that is a worker thread (loading, DVHs, export) and the garbage holds Qt objects
(e.g. the menus of a closed window), their C++ destructors run off the GUI thread and can
deadlock with it: seen here as a test run hanging in ``QObject::~QObject`` inside the loader's
thread while the GUI thread deleted widgets. So while a window exists, automatic collection is
off and the GUI thread collects on a timer (pyqtgraph's GarbageCollector, the usual remedy).
"""
from __future__ import annotations

_collector = None


def collect_in_gui_thread(interval_s: float = 1.0) -> None:
    """Install the policy once per process (call from the GUI thread, QApplication running)."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=interval_s)
