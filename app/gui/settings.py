"""The user's preferences, kept in the window's QSettings (``MainWindow.settings``; the file is
``RTREVIEW_SETTINGS`` when set — tests and ``--screenshot`` use their own).

Keys (all optional; a missing or unreadable value falls back to the default):

==============================  ==========================================================
``window/geometry``, ``/size``  QMainWindow.saveGeometry() and the size
``window/state``                QMainWindow.saveState() (docks)
``window/splitters``            list of QSplitter.saveState(), in the window's splitter order
``paths/last_folder/<what>``    last folder used: ``dicom``, ``case``, ``export``
``recent_paths``                DICOM files / folders opened (File ▸ Open recent)
``recent_cases``                case timeline files opened (File ▸ Open recent case timeline)
``slices/isodose_levels``       text as typed, e.g. ``107, 100, 95, 45 Gy`` (% of Rx or Gy)
``slices/wash_threshold_pct``   dose wash threshold, % of Rx
``slices/wash_opacity``         dose wash opacity, 0-1
``slices/window_level/<site>``  the W/L preset chosen for a body site (head and neck, …)
``dvh/kind``, ``dvh/volume_unit``, ``dvh/dose_unit``  the DVH plot's choices
``review/reviewer``, ``review/role``  the last sign-off's reviewer and role
==============================  ==========================================================
"""
from __future__ import annotations

import os

from PySide6 import QtCore, QtWidgets

from rtreview import APP_NAME
from rtreview.core.viewing import isodose


def default_settings() -> QtCore.QSettings:
    """The user's settings; RTREVIEW_SETTINGS=FILE.ini keeps them in that file instead (tests, kiosks)."""
    path = os.environ.get("RTREVIEW_SETTINGS")
    if path:
        return QtCore.QSettings(path, QtCore.QSettings.Format.IniFormat)
    return QtCore.QSettings(APP_NAME, APP_NAME)


class Preferences:
    def __init__(self, settings: QtCore.QSettings):
        self.settings = settings

    # --- typed access ------------------------------------------------------------------
    def text(self, key: str, default: str = "") -> str:
        value = self.settings.value(key, default)
        return value if isinstance(value, str) else default

    def number(self, key: str, default: float, low: float, high: float) -> float:
        try:
            value = float(self.settings.value(key, default))
        except (TypeError, ValueError):
            return default
        return value if low <= value <= high else default

    def strings(self, key: str) -> list[str]:
        value = self.settings.value(key, [])
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in (value or [])]

    def set(self, key: str, value) -> None:
        self.settings.setValue(key, value)

    # --- what the panels keep ----------------------------------------------------------
    def isodose_levels(self) -> list[isodose.IsodoseLevel]:
        try:
            levels = isodose.parse_level_spec(self.text("slices/isodose_levels"))
        except ValueError:
            levels = []
        return levels or list(isodose.DEFAULT_LEVELS)

    def site_preset(self, site: str | None) -> str:
        from rtreview.core.viewing.window_level import DEFAULT_PRESET, PRESETS, SITE_PRESETS

        chosen = self.text(f"slices/window_level/{site}") if site else ""
        return chosen if chosen in PRESETS else SITE_PRESETS.get(site or "", DEFAULT_PRESET)

    def last_folder(self, what: str) -> str:
        folder = self.text(f"paths/last_folder/{what}")
        return folder if folder and os.path.isdir(folder) else ""

    def remember_folder(self, what: str, path: str) -> None:
        if path:
            folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
            self.set(f"paths/last_folder/{what}", folder)

    # --- the window ------------------------------------------------------------------------
    def save_window(self, window: QtWidgets.QMainWindow) -> None:
        self.set("window/geometry", window.saveGeometry())
        self.set("window/size", window.size())  # restoreGeometry alone may shrink it to a screen it guesses
        self.set("window/state", window.saveState())
        self.set("window/splitters", [s.saveState() for s in _splitters(window)])
        self.settings.sync()

    def restore_window(self, window: QtWidgets.QMainWindow) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QtCore.QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        size = self.settings.value("window/size")
        if isinstance(size, QtCore.QSize) and size.width() > 200 and size.height() > 150:
            window.resize(size)
        if isinstance(state, QtCore.QByteArray) and not state.isEmpty():
            window.restoreState(state)
        states = self.settings.value("window/splitters", [])
        if isinstance(states, list):
            for splitter, saved in zip(_splitters(window), states):
                if isinstance(saved, QtCore.QByteArray):
                    splitter.restoreState(saved)


def _splitters(window: QtWidgets.QWidget) -> list[QtWidgets.QSplitter]:
    """The window's splitters in a stable order (creation order of the layout)."""
    return window.findChildren(QtWidgets.QSplitter)


def connect_panels(window, prefs: Preferences) -> None:
    """Apply the saved choices to the panels and keep them when the user changes them."""
    slices, dvh = window.slices, window.dvh_plot
    slices.set_levels(prefs.isodose_levels())
    slices.threshold.setValue(int(round(prefs.number("slices/wash_threshold_pct", slices.threshold_pct, 0, 150))))
    slices.opacity_slider.setValue(int(round(100 * prefs.number("slices/wash_opacity", slices.opacity, 0, 1))))
    slices.levels_changed.connect(lambda: prefs.set("slices/isodose_levels", isodose.format_levels(slices.levels)))
    slices.threshold.valueChanged.connect(lambda v: prefs.set("slices/wash_threshold_pct", int(v)))
    slices.opacity_slider.valueChanged.connect(lambda v: prefs.set("slices/wash_opacity", v / 100.0))
    slices.site_preset = prefs.site_preset
    slices.preset_chosen.connect(lambda site, name: prefs.set(f"slices/window_level/{site}", name))
    for key, combo in (("dvh/kind", dvh.kind), ("dvh/volume_unit", dvh.volume_unit), ("dvh/dose_unit", dvh.dose_unit)):
        saved = prefs.text(key)
        if saved and combo.findText(saved) >= 0:
            combo.setCurrentText(saved)
        combo.currentTextChanged.connect(lambda text, k=key: prefs.set(k, text))


def install_preferences(window) -> None:
    """Everything of issue 17 the window gets once its views and menus exist: the preferences
    (``window.prefs``) applied to the panels, the recent case files, the Review menu and status
    (``window.review``), the shortcuts and the Help menu (``window.shortcut_actions``), then the
    saved geometry, docks and splitters."""
    from rtreview.gui.recent_paths import RecentPaths
    from rtreview.gui.review.controller import ReviewController
    from rtreview.gui.shortcuts import install

    prefs = getattr(window, "prefs", None) or Preferences(window.settings)
    window.prefs = prefs
    connect_panels(window, prefs)
    view = window.timeline_view
    view.start_folder = prefs.last_folder("case")
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.menu() is not None)
    recent_menu = window.recent_menu
    cases_menu = QtWidgets.QMenu("Open recent case &timeline", file_menu)
    file_menu.insertMenu(recent_menu.menuAction(), cases_menu)
    file_menu.insertMenu(cases_menu.menuAction(), recent_menu)  # DICOM first, then case files
    window.recent_cases = RecentPaths(window.settings, cases_menu, lambda p: window.open_case_file(p[0]),
                                      key="recent_cases")

    def case_opened(path: str) -> None:
        if path:
            window.recent_cases.remember([path])
            prefs.remember_folder("case", path)
            view.start_folder = prefs.last_folder("case")
    view.case_loaded.connect(case_opened)
    window.review = ReviewController(window, prefs)
    window.shortcut_actions = install(window)
    prefs.restore_window(window)
