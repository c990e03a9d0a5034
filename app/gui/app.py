"""Start the review window: ``run(paths, screenshot, case=None)``.

``case`` is a case timeline file (``rtreview --case FILE``) opened in the timeline pane before
the DICOM loads (otherwise the case file beside the DICOM is found automatically).

With ``screenshot`` the window is rendered at 1600 x 1000 into that PNG once loading and DVH
computation are done (or failed), and the program exits (works offscreen). It uses default
settings in a temporary file (not the user's), unless ``RTREVIEW_SETTINGS`` names a file.
"""
from __future__ import annotations

import atexit
import gc
import os
import shutil
import sys
import tempfile
import traceback

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview import APP_NAME, __version__
from rtreview.core.atomic import atomic_path

SCREENSHOT_SIZE = (1600, 1000)
SCREENSHOT_TIMEOUT_MS = 180_000


def make_application(argv: list[str] | None = None) -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(argv or [APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    apply_style(app)
    return app


def apply_style(app: QtWidgets.QApplication) -> None:
    """Fusion with a dark palette: images and dose colours read best on a dark surround."""
    app.setStyle("Fusion")
    p = QtGui.QPalette()
    role, color = QtGui.QPalette.ColorRole, QtGui.QColor
    for r, c in ((role.Window, color(40, 43, 48)), (role.WindowText, color(225, 225, 225)),
                 (role.Base, color(28, 30, 34)), (role.AlternateBase, color(36, 39, 44)),
                 (role.ToolTipBase, color(250, 250, 220)), (role.ToolTipText, color(20, 20, 20)),
                 (role.Text, color(225, 225, 225)), (role.Button, color(52, 56, 62)),
                 (role.ButtonText, color(230, 230, 230)), (role.Highlight, color(52, 110, 180)),
                 (role.HighlightedText, color(255, 255, 255)), (role.PlaceholderText, color(130, 130, 130)),
                 (role.Link, color(110, 170, 240)), (role.BrightText, color(255, 90, 90))):
        p.setColor(r, c)
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QtGui.QPalette.ColorGroup.Disabled, r, color(120, 120, 120))
    app.setPalette(p)


def _install_excepthook(window) -> None:
    """An unexpected error goes to stderr and the status bar / load report, never a dialog."""
    def hook(exc_type, exc, tb):
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        try:
            window._report_error(f"Internal error: {exc_type.__name__}: {exc}")
        except Exception:  # noqa: BLE001 - the window may be half gone
            pass
    sys.excepthook = hook


def _has_display() -> bool:
    return bool(os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
                or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("win32", "darwin"))


def run(paths: list[str], screenshot: str | None = None, case: str | None = None, preload=None) -> int:
    """``preload``: the case of ``paths`` being read in a second process (rtreview.gui.preload), or None."""
    try:
        return _run(paths, screenshot, case, preload)
    finally:
        if preload is not None:
            preload.close()


def _run(paths: list[str], screenshot: str | None, case: str | None, preload) -> int:
    if not _has_display():
        if not screenshot:
            print(f"{APP_NAME}: no display to open the window on (DISPLAY / WAYLAND_DISPLAY unset). "
                  "Run it on a desktop, under xvfb-run, or use --screenshot FILE.png.", file=sys.stderr)
            return 1
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    app = make_application(sys.argv[:1])
    from rtreview.gui.main_window import MainWindow  # panels (pyqtgraph reads the palette) after the QApplication

    if not paths:
        from rtreview.paths import sample_dicom_dir
        paths = [str(sample_dicom_dir())]
    settings = None
    if screenshot and not os.environ.get("RTREVIEW_SETTINGS"):
        # a screenshot shows the defaults, not this user's saved layout and choices (and saves nothing of theirs)
        folder = tempfile.mkdtemp(prefix="rtreview-screenshot-")
        atexit.register(shutil.rmtree, folder, True)
        settings = QtCore.QSettings(os.path.join(folder, "settings.ini"), QtCore.QSettings.Format.IniFormat)
    tasks = ({"load_fn": preload.load, "dvh_fn": preload.dvhs, "check_plan_fn": preload.check_plan}
             if preload is not None else {})
    window = MainWindow(settings=settings, defer_panels=True, **tasks)  # the frame is painted first, the panels right after
    # once the panels exist (built right after the first paint), the modules, widgets and items made so
    # far live as long as the window: the collector (gc_policy) need not walk them again and again
    window.first_painted.connect(lambda: QtCore.QTimer.singleShot(0, gc.freeze))
    if preload is not None:  # the load is on screen: the second process computes what is left and ends
        window.all_shown.connect(preload.all_shown)
    _install_excepthook(window)
    window.resize(*SCREENSHOT_SIZE)
    if case:
        window.build_panels()  # to say at once whether the case file opens
    if case and not window.open_case_file(case):
        print(f"{APP_NAME}: cannot open the case file {case}: see the window's load report", file=sys.stderr)
    if screenshot:
        return _screenshot(app, window, paths, screenshot)
    window.show()
    window.open_paths(paths)
    return app.exec()


def _screenshot(app, window, paths: list[str], target: str) -> int:
    state = {"saved": False, "ok": False}

    def save():
        if state["saved"]:
            return
        state["saved"] = True
        window.resize(*SCREENSHOT_SIZE)
        app.processEvents()
        image = window.grab().toImage().scaled(*SCREENSHOT_SIZE, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                                               QtCore.Qt.TransformationMode.SmoothTransformation)
        try:
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            with atomic_path(target) as tmp:  # the temporary name ends in .tmp: say the format
                if not image.save(tmp, "PNG"):
                    raise OSError("the PNG writer failed")
            state["ok"] = True
        except OSError as exc:
            print(f"{APP_NAME}: could not write {target}: {exc.strerror or exc}", file=sys.stderr)
        window.runner.shutdown()
        app.quit()

    def save_when_idle():  # the constraint checks may still run after the DVHs are done
        if window.is_idle() or state["saved"]:
            QtCore.QTimer.singleShot(300, save)
        else:
            QtCore.QTimer.singleShot(100, save_when_idle)

    window.work_done.connect(save_when_idle)
    QtCore.QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, save)
    window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, False)
    window.show()
    window.open_paths(paths)
    app.exec()
    return 0 if state["ok"] else 1
