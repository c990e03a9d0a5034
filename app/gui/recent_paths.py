"""RecentPaths: the File ▸ Open recent menus, kept in the window's QSettings (``recent_paths``,
``recent_cases``)."""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtWidgets

MAX_RECENT = 8


class RecentPaths:
    """A recent-items menu kept in QSettings under ``key`` (``recent_paths``: DICOM; the window
    also keeps ``recent_cases``: case timeline files)."""

    def __init__(self, settings: QtCore.QSettings, menu: QtWidgets.QMenu, open_paths: Callable[[list[str]], None],
                 key: str = "recent_paths"):
        self.settings, self.menu, self.open_paths, self.key = settings, menu, open_paths, key
        self.show()

    def paths(self) -> list[str]:
        value = self.settings.value(self.key, [])
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in (value or [])]

    def remember(self, paths: list[str]) -> None:
        recent = [p for p in self.paths() if p not in paths]
        self.settings.setValue(self.key, (paths + recent)[:MAX_RECENT])
        self.show()

    def show(self) -> None:
        self.menu.clear()
        for path in self.paths():
            self.menu.addAction(path, lambda p=path: self.open_paths([p]))
        self.menu.setEnabled(bool(self.paths()))
