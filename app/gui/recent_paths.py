"""RecentPaths: the File ▸ Open recent menu, kept in the window's QSettings (``recent_paths``)."""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtWidgets

MAX_RECENT = 8


class RecentPaths:
    def __init__(self, settings: QtCore.QSettings, menu: QtWidgets.QMenu, open_paths: Callable[[list[str]], None]):
        self.settings, self.menu, self.open_paths = settings, menu, open_paths
        self.show()

    def paths(self) -> list[str]:
        value = self.settings.value("recent_paths", [])
        return [value] if isinstance(value, str) else [str(v) for v in (value or [])]

    def remember(self, paths: list[str]) -> None:
        recent = [p for p in self.paths() if p not in paths]
        self.settings.setValue("recent_paths", (paths + recent)[:MAX_RECENT])
        self.show()

    def show(self) -> None:
        self.menu.clear()
        for path in self.paths():
            self.menu.addAction(path, lambda p=path: self.open_paths([p]))
        self.menu.setEnabled(bool(self.paths()))
