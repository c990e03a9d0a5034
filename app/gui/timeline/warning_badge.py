"""The timeline's consistency warnings as a toolbar button: a count, red when any is a
warning (not a note), and a menu listing them; choosing one reports its event id."""
from __future__ import annotations

import functools

from PySide6 import QtCore, QtWidgets

from rtreview.core.timeline import TimelineWarning


class WarningsButton(QtWidgets.QToolButton):
    event_chosen = QtCore.Signal(str)  # id of the event a chosen warning is about

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMenu(QtWidgets.QMenu(self))
        self.set_warnings([])

    def set_warnings(self, warnings: list[TimelineWarning]) -> None:
        menu = self.menu()
        menu.clear()
        for warning in warnings:
            action = menu.addAction(("⚠ " if warning.severity == "warning" else "ℹ ") + warning.message)
            if warning.event_id:
                action.triggered.connect(functools.partial(self._chosen, warning.event_id))
        n_warn = sum(w.severity == "warning" for w in warnings)
        n_note = len(warnings) - n_warn
        # what it counts, in words: consistency warnings and notes of the case against itself / the plans
        self.setText(f"⚠ {n_warn} warning{'s' if n_warn != 1 else ''}\nℹ {n_note} note{'s' if n_note != 1 else ''}")
        head = ("Consistency checks of the case timeline (against itself and the loaded plans): "
                f"{n_warn} warning(s), {n_note} note(s). Click to list them.")
        self.setToolTip(head + ("\n\n" + "\n".join(str(w) for w in warnings) if warnings else ""))
        self.setEnabled(bool(warnings))
        self.setStyleSheet("color: #c92a2a; font-weight: bold" if n_warn else "")

    def _chosen(self, event_id: str, _checked: bool = False) -> None:
        self.event_chosen.emit(event_id)
