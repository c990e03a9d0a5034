"""A review window on the bundled sample, shared by the tests of one module (loading and the
DVHs take a few seconds), and waiting for all of its background work."""
from __future__ import annotations

import time

from PySide6 import QtCore, QtWidgets

from conftest import SAMPLE_DICOM


def process_until(condition, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish its work in time")
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def idle(window) -> bool:
    return window.is_idle()


def wait_all(window, timeout_s: float = 60.0) -> None:
    """Until the window's loading/DVH work and the constraint checks are all done."""
    for _ in range(2):  # a finished task may queue the next one on the next turn of the loop
        process_until(lambda: idle(window), timeout_s)
        QtWidgets.QApplication.processEvents()
        time.sleep(0.03)
    process_until(lambda: idle(window), timeout_s)


def open_sample_window(settings_path: str):
    from rtreview.gui.main_window import MainWindow

    settings = QtCore.QSettings(settings_path, QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1600, 1000)
    window.show()
    window.dvh_plot.volume_unit.setCurrentText("cc")  # the engine's own units: Gy and cc
    window.open_paths([str(SAMPLE_DICOM)])
    wait_all(window)
    return window


def close_window(window) -> None:
    window.timeline_view._confirm = lambda text: True  # never a modal question at teardown
    window.close()
    window.deleteLater()
    QtWidgets.QApplication.processEvents()
