"""DropFilter: files, folders and zip archives dropped anywhere on the review window.

An application-wide event filter (a drop lands on whatever widget is under the mouse): drags
with local URLs over any widget of the window are accepted; a drop opens a dropped ``*.json`` (the
first) as the case timeline file (``MainWindow.open_case_file``) and loads the rest
(``MainWindow.open_paths``)."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

DRAG_EVENTS = (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove, QtCore.QEvent.Type.Drop)


def is_case_file_path(path: str) -> bool:
    """A dropped ``*.json`` is a case timeline file (as TimelineView.is_case_file_path, without
    importing the timeline view before the panels are built)."""
    return str(path).lower().endswith(".json")


class DropFilter(QtCore.QObject):
    """The window's drops (installed on the application by the window: ``install`` / ``remove``)."""

    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__(window)
        self.window = window

    def install(self) -> None:
        QtWidgets.QApplication.instance().installEventFilter(self)

    def remove(self) -> None:
        QtWidgets.QApplication.instance().removeEventFilter(self)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        """Accept drops of files / folders / zips on any widget of this window."""
        window = self.window
        if ev.type() not in DRAG_EVENTS or not isinstance(obj, QtWidgets.QWidget) or obj.window() is not window:
            return False
        if not ev.mimeData().hasUrls():
            return False
        if ev.type() == QtCore.QEvent.Type.Drop:
            paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
            ev.acceptProposedAction()
            for path in [p for p in paths if is_case_file_path(p)][:1]:
                window.open_case_file(path)
            paths = [p for p in paths if not is_case_file_path(p)]
            if paths:
                window.open_paths(paths)
            elif not any(u.isLocalFile() for u in ev.mimeData().urls()):
                window.show_message("Only local files, folders and zip archives can be opened")
            return True
        ev.acceptProposedAction()
        return True
