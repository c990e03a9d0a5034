"""Helpers for the GUI tests: a window on synthetic or real data, drops built as in
../shared/QT_ON_DEBIAN.md, and waiting for the window's background work."""
from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets


def drag_enter_event(pos: QtCore.QPointF, *rest) -> QtGui.QDragEnterEvent:
    """A QDragEnterEvent at ``pos``: Qt 6.12 takes a QPointF (QPoint deprecated), earlier a QPoint."""
    try:
        return QtGui.QDragEnterEvent(pos, *rest)
    except TypeError:
        return QtGui.QDragEnterEvent(pos.toPoint(), *rest)


def drop_paths(target: QtWidgets.QWidget, paths) -> None:
    """Drag-enter then drop local ``paths`` on ``target`` (QMimeData kept alive in a variable)."""
    md = QtCore.QMimeData()
    md.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    rest = (QtCore.Qt.DropAction.CopyAction, md, QtCore.Qt.MouseButton.LeftButton,
            QtCore.Qt.KeyboardModifier.NoModifier)
    enter = drag_enter_event(QtCore.QPointF(10, 10), *rest)
    QtWidgets.QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(QtCore.QPointF(10, 10), *rest)
    QtWidgets.QApplication.sendEvent(target, drop)
    assert drop.isAccepted()


def window_with(qtbot, tmp_path, paths) -> "QtWidgets.QMainWindow":
    """A 1600x1000 review window (its own settings file under ``tmp_path``) with ``paths``
    dropped on it and all its background work done."""
    from rtreview.gui.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.timeline_view._confirm = lambda text: True  # never a modal question at teardown
    w.resize(1600, 1000)
    w.show()
    drop_paths(w, paths)
    wait_idle(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=60_000)
    return w


def wait_idle(qtbot, window, timeout_ms: int = 60_000) -> None:
    """Wait until the window has no background task left (nothing loading, computing, checking
    or waiting to be shown: a load is shown in stages, the other plans' DVHs come after)."""
    idle = window.is_idle if hasattr(window, "is_idle") else (lambda: not window.runner.busy)
    qtbot.waitUntil(idle, timeout=timeout_ms)
    qtbot.wait(20)
    qtbot.waitUntil(idle, timeout=timeout_ms)


def slow_loader(case, seconds: float = 3.0):
    """A load function that takes ``seconds`` in small steps, reporting progress and honouring cancel."""
    def load(paths, progress=None, cancel=None):
        steps = 100
        for i in range(steps):
            if cancel is not None and cancel():
                raise RuntimeError("LoadCancelled")
            time.sleep(seconds / steps)
            if progress is not None:
                progress(i + 1, steps, f"step {i + 1}")
        return case
    return load


def pace_dvhs(monkeypatch, seconds: float = 0.01) -> None:
    """Make every structure's DVH take at least ``seconds`` (the engine's own numbers): tests of what
    the window shows while DVHs are still computing ('Computing the DVHs…', curves arriving in
    batches) then see those states however quick the engine is."""
    import rtreview.core.dvh.compute as compute

    unpaced = compute._compute_dvh

    def paced(*args, **kwargs):
        time.sleep(seconds)
        return unpaced(*args, **kwargs)

    monkeypatch.setattr(compute, "_compute_dvh", paced)
