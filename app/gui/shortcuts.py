"""Keyboard shortcuts for the frequent actions, and the Help menu that lists them.

``install(window)`` adds to the View menu: next / previous slice (of the active plane: the view
last clicked or chosen with Ctrl+1/2/3), the plane, dose wash / isodoses / contours on and off,
and the W/L presets; and a Help menu with "Keyboard shortcuts" (F1: every menu action that has a
shortcut, read from the menus themselves so the list cannot drift, plus the keys and mouse of the
image views) and "About rtreview".
"""
from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview import APP_NAME, __version__
from rtreview.core.viewing.slicing import Plane
from rtreview.core.viewing.window_level import PRESETS

# Keys and mouse the image views handle themselves (not menu actions).
VIEW_KEYS = [
    ("Up / Down (in an image)", "next / previous slice"),
    ("Page Up / Page Down (in an image)", "10 slices on / back"),
    ("Mouse wheel", "scroll slices"),
    ("Left click", "move the crosshair (the other views follow)"),
    ("Right drag", "window (left-right) and level (up-down)"),
    ("Hover a DVH curve", "highlight its structure"),
]
PLANE_KEYS = {Plane.AXIAL: "Ctrl+1", Plane.CORONAL: "Ctrl+2", Plane.SAGITTAL: "Ctrl+3"}


def _action(window, menu: QtWidgets.QMenu, text: str, key: str, slot, tip: str = "") -> QtGui.QAction:
    action = QtGui.QAction(text, window)
    action.setShortcut(QtGui.QKeySequence(key))
    action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    if tip:
        action.setToolTip(tip)
    menu.addAction(action)
    return action


def install(window) -> dict[str, QtGui.QAction]:
    """Add the shortcut actions (View menu) and the Help menu to ``window``; the actions by name."""
    slices = window.slices
    view = window.view_menu if hasattr(window, "view_menu") else _menu(window, "&View")
    view.addSeparator()
    actions = {
        "next_slice": _action(window, view, "Next slice", "Ctrl+Up", lambda: slices.scroll(slices.active_plane, 1)),
        "previous_slice": _action(window, view, "Previous slice", "Ctrl+Down",
                                  lambda: slices.scroll(slices.active_plane, -1)),
    }
    planes = view.addMenu("Active plane")
    for plane, key in PLANE_KEYS.items():
        actions[f"plane_{plane.value}"] = _action(window, planes, plane.value.capitalize(), key,
                                                  lambda p=plane: slices.set_active_plane(p))
    view.addSeparator()
    actions["toggle_dose"] = _action(window, view, "Dose wash on / off", "Ctrl+D",
                                     lambda: slices.set_show_dose(not slices.show_dose))
    actions["toggle_isodoses"] = _action(window, view, "Isodose lines on / off", "Ctrl+I",
                                         lambda: slices.set_show_isodoses(not slices.show_isodoses))
    actions["toggle_contours"] = _action(window, view, "Contours on / off", "Ctrl+K",
                                         lambda: slices.set_show_contours(not slices.show_contours))
    presets = view.addMenu("Window / level preset")
    for i, name in enumerate(PRESETS, start=1):
        actions[f"preset_{i}"] = _action(window, presets, name, f"Alt+{i}",
                                         lambda n=name: slices.preset.setCurrentText(n) or slices.preset.activated.emit(
                                             slices.preset.currentIndex()))
    help_menu = _menu(window, "&Help")
    actions["shortcuts"] = _action(window, help_menu, "Keyboard shortcuts", "F1",
                                   lambda: ShortcutsDialog.ask(window, shortcut_rows(window)))
    about = QtGui.QAction(f"About {APP_NAME}", window)
    about.triggered.connect(lambda _checked=False: QtWidgets.QMessageBox.about(window, f"About {APP_NAME}",
                                                                                about_text()))
    help_menu.addAction(about)
    return actions


def _menu(window, title: str) -> QtWidgets.QMenu:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text() == title:
            return action.menu()
    return window.menuBar().addMenu(title)


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(menu path, action, key) of every menu action with a shortcut, in menu order."""
    rows = []

    def walk(menu: QtWidgets.QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {action.text().replace('&', '')}")
            elif not action.shortcut().isEmpty():
                key = action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
                rows.append((path, action.text().replace("&", ""), key))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    return rows


def shortcuts_html(rows: list[tuple[str, str, str]]) -> str:
    out = ["<h3>Keyboard shortcuts</h3><table cellspacing=4>"]
    for path, text, key in rows:
        out.append(f"<tr><td><b>{html.escape(key)}</b></td><td>{html.escape(text)}</td>"
                   f"<td style='color:gray'>{html.escape(path)}</td></tr>")
    out.append("</table><h3>In the image and DVH views</h3><table cellspacing=4>")
    for key, what in VIEW_KEYS:
        out.append(f"<tr><td><b>{html.escape(key)}</b></td><td>{html.escape(what)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def about_text() -> str:
    from rtreview.report.review_content import PURPOSE

    return (f"<b>{APP_NAME} {__version__}</b><br><br>{html.escape(PURPOSE.format(software=APP_NAME))}<br><br>"
            "All bundled data are synthetic. Press F1 for the keyboard shortcuts.")


class ShortcutsDialog(QtWidgets.QDialog):
    def __init__(self, parent, rows):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 560)
        self.text = QtWidgets.QTextBrowser()
        self.text.setHtml(shortcuts_html(rows))
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent, rows) -> None:
        cls(parent, rows).exec()
