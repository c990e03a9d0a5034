"""MainWindow: the review screen. Layout and wiring only: the data live in ReviewSession,
loading and DVH computation run in rtreview.core through a TaskRunner (off the GUI thread).

Left: plan tree over structure list. Centre: axial / coronal / sagittal views. Right: DVH
plot over tabs with the metrics and the constraints (per plan and composite). Bottom dock: the
case timeline (load report tabbed with it). Status bar: message, progress, Cancel.
Files, folders and zip archives can be dropped anywhere on the window; a dropped ``*.json``
case file opens in the timeline.

Start-up and loading (``rtreview`` opens with ``defer_panels=True``): the window's frame (menus,
status bar with the progress, an empty centre) is painted first, the load starts at once in
the worker, and the panels (which import pyqtgraph) are built right after that first paint.
A load is then shown in stages (``ShowStages``): plans, structures, CT with contours and dose;
the selected plan's DVHs structure by structure; its constraints (checked with those DVHs);
the case timeline; only then are the other plans' DVHs and the composite computed.
"""
from __future__ import annotations

import os
import time
from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview import APP_NAME
from rtreview.core.viewing import captions

from rtreview.gui.dialogs import ADD, CANCEL, OpenDialog, ReplaceOrAddDialog
from rtreview.gui.gc_policy import collect_in_gui_thread
from rtreview.gui.session import PartialDvhBatches, ReviewSession
from rtreview.gui.show_stages import ShowStages
from rtreview.gui.tasks import check_plan_task, dvhs_one_by_one, load_case
from rtreview.gui import window_layout
from rtreview.gui.settings import Preferences, install_preferences
from rtreview.gui.workers import TaskRunner

# Progress bar updates at most this often (QProgressBar.setValue repaints at once: a load of
# 250 files repainting the status bar 250 times cost a third of a second; 660 files, a second) and partial DVHs
# reach the views in batches at most this often (each batch redraws the plot and tables once).
PROGRESS_INTERVAL_S = 0.2
PARTIAL_DVH_INTERVAL_MS = 60

DRAG_EVENTS = (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove, QtCore.QEvent.Type.Drop)


def _is_case_file_path(path: str) -> bool:
    """A dropped ``*.json`` is a case timeline file (as TimelineView.is_case_file_path, without
    importing the timeline view before the panels are built)."""
    return str(path).lower().endswith(".json")


def default_settings() -> QtCore.QSettings:
    """The user's settings; RTREVIEW_SETTINGS=FILE.ini keeps them in that file instead (tests, kiosks)."""
    path = os.environ.get("RTREVIEW_SETTINGS")
    if path:
        return QtCore.QSettings(path, QtCore.QSettings.Format.IniFormat)
    return QtCore.QSettings(APP_NAME, APP_NAME)


class MainWindow(QtWidgets.QMainWindow):
    work_done = QtCore.Signal()  # the runner went idle with nothing left to compute
    case_loaded = QtCore.Signal()

    def __init__(self, settings: QtCore.QSettings | None = None,
                 load_fn: Callable = load_case, dvh_fn: Callable = dvhs_one_by_one, defer_panels: bool = False,
                 check_plan_fn: Callable = check_plan_task):
        super().__init__()
        collect_in_gui_thread()  # never let a worker thread run Qt destructors (gc_policy)
        self.settings = settings if settings is not None else default_settings()
        self.load_fn, self.dvh_fn, self.check_plan_fn = load_fn, dvh_fn, check_plan_fn
        self.session = ReviewSession(self)
        self.prefs = Preferences(self.settings)  # before the panels: a load may start first
        self.runner = TaskRunner(self)
        self.stages = ShowStages(self)
        self.first_painted, self.all_shown = self.stages.first_painted, self.stages.all_shown
        self.stage_shown = self.stages.stage_shown
        self._dvh_link = None
        self._panels = False
        self.partial_dvhs = PartialDvhBatches(self.session, PARTIAL_DVH_INTERVAL_MS, self)
        self._progress_at = 0.0
        self._pending_case_file: str | None = None  # --case given before the panels exist
        self._dvhs_stopped: set[int] = set()  # doses whose DVH computation was cancelled
        self._timeline_drawn = True
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        window_layout.build_status_bar(self)
        window_layout.build_menus(self)
        self.runner.progressed.connect(self._on_progress)
        self.runner.partial_result.connect(lambda _name, item: self.partial_dvhs.add(*item))
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.busy_changed.connect(self._on_busy)
        # the work put off until the load is on screen starts after every listener heard all_shown
        self._after_shown_pending = False
        self._closed = False
        self.stages.all_shown.connect(self._after_all_shown)
        QtWidgets.QApplication.instance().installEventFilter(self)
        if defer_panels:  # the frame is painted first, the panels right after (rtreview's start-up)
            self.setCentralWidget(QtWidgets.QWidget())
            self.first_painted.connect(lambda: QtCore.QTimer.singleShot(0, self.build_panels))
        else:
            self.build_panels()

    def build_panels(self) -> None:
        """Build the panels (once): plans, structures, slices, DVH, tables, timeline, load report."""
        if self._panels:
            return
        self._panels = True
        # building sends thousands of events (ChildAdded, Polish, Resize...) synchronously, none a
        # drop: the window's application-wide filter is off meanwhile (a Python call each)
        app = QtWidgets.QApplication.instance()
        app.removeEventFilter(self)
        try:
            self._build_panels()
        finally:
            app.installEventFilter(self)

    def _build_panels(self) -> None:
        from rtreview.gui.export.anonymize import AnonymizeExportController
        from rtreview.gui.export.pdf_task import PdfExportController
        from rtreview.gui.plans.alpha_beta_store import CaseFileAlphaBetaStore

        self.pdf_export = PdfExportController(self)
        self.anonymized_export = AnonymizeExportController(self)
        window_layout.build_views(self)
        window_layout.add_panel_actions(self)
        self.session.link_changed.connect(self._on_link)
        self.session.prescription_changed.connect(lambda _plan: self._update_title())
        self.metrics.exported.connect(lambda p: self.show_message(f"Metrics written to {p}"))
        self.metrics.export_failed.connect(self._report_error)
        self.constraints.result_chosen.connect(self._show_constraint)
        self.constraints.shown.connect(self._on_constraints_shown)
        self.session.alpha_beta_store = CaseFileAlphaBetaStore(self.timeline_view)  # the user's α/β, with the case
        self.timeline_view.case_loaded.connect(self._on_case_file)  # its mappings and α/β values
        self.timeline_view.case_loaded.connect(lambda _path: self.attach_registrations())
        install_preferences(self)  # settings, Review menu, shortcuts, Help (gui/settings.py, gui/review, gui/shortcuts.py)
        self.constraints.hold_composite(self.stages.loading)
        if self._pending_case_file is not None:
            self.open_case_file(self._pending_case_file)

    # --- opening ----------------------------------------------------------------------------
    def ask_open_files(self) -> None:
        self.open_paths(OpenDialog.ask_files(self))

    def ask_open_folder(self) -> None:
        self.open_paths(OpenDialog.ask_folder(self))

    def _on_case_file(self, _path) -> None:
        """A case timeline file was opened: its hand mappings and α/β values apply."""
        if not self.session.reload_alpha_beta():
            self.constraints.refresh()

    def open_case_file(self, path: str) -> bool:
        """Open a case timeline file (``--case``, a drop) in the timeline pane (once the panels
        are built, if they are not yet: True then)."""
        if not self._panels:
            self._pending_case_file = str(path)
            return True
        self._pending_case_file = None
        return self.timeline.open_case(str(path))

    def open_paths(self, paths: list[str]) -> None:
        """Load ``paths`` (files, folders, zips) in the background; cancels running work."""
        paths = [str(p) for p in paths if str(p)]
        if not paths:
            return
        self.recent.remember(paths)
        self.prefs.remember_folder("dicom", paths[0])
        self._loading = paths
        self.stages.begin()
        if self._panels:
            self.constraints.hold_composite(True)  # the composite waits until this load is shown
        load_fn = self.load_fn
        self.show_message(f"Loading {self._describe(paths)}…")
        self.runner.start("load", lambda progress, cancel: load_fn(paths, progress=progress, cancel=cancel))

    @staticmethod
    def _describe(paths: list[str]) -> str:
        name = os.path.basename(paths[0].rstrip("/")) or paths[0]
        return name if len(paths) == 1 else f"{name} and {len(paths) - 1} more"

    def recent_paths(self) -> list[str]:
        return self.recent.paths()

    def _take_case(self, case) -> None:
        source = self._describe(getattr(self, "_loading", ["files"]))
        self.report.show_report(case.report, source)
        if case.report.errors or case.report.warnings:  # 'ignored' files alone do not pop it up
            self._show_report()
        if not case.patients:
            self.show_message(f"Nothing reviewable in {source}: see the load report")
            self._show_report()
            self.stages.end()
            return
        current = self.session.case
        if current is not None and current.patients:
            if captions.patients_differ(current, case):
                choice = ReplaceOrAddDialog.ask(self, ", ".join(map(captions.patient_caption, current.patients)),
                                                ", ".join(map(captions.patient_caption, case.patients)))
                if choice == CANCEL:
                    self.show_message("Load discarded")
                    self.stages.end()
                    return
                if choice == ADD:
                    case = captions.merge_cases(current, case)
            else:
                case = captions.merge_cases(current, case)
        # the case file is read now (its structure mappings serve the constraint checks); the
        # timeline is drawn last, once the plan's DVHs and constraints are on screen
        self.timeline.dicom_loaded(getattr(self, "_loading", []), case, draw=False)
        self._timeline_drawn = False
        self.prescriptions.apply_to(case)  # the user's prescriptions saved in the case file
        self.session.set_case(case)
        self.attach_registrations()
        n = len(case.links)
        undosed = len(case.review_links) - n
        more = f", {undosed} without a dose (contours, plan)" if undosed else ""
        self.show_message(f"Loaded {source}: {len(case.patients)} patient(s), {n} dose(s) to review{more}")
        self.case_loaded.emit()
        self._check_stages()
        if n == 0:
            self.work_done.emit()

    # --- what is on screen ----------------------------------------------------------------------
    def _check_stages(self) -> None:
        """Mark the stages of the current load that are drawn; start the next one."""
        case, link = self.session.case, self.session.link
        if not self.stages.loading or not self._panels or case is None or (link is None and case.links):
            return  # (set_case has not selected the first plan yet)
        self.stages.mark("case")
        if link is None or link.structure_set is None or self.session.has_dvhs(link):
            self.stages.mark("dvhs")
        if self.constraints.plan_settled:
            self.stages.mark("constraints")
        if self.stages.has("dvhs") and self.stages.has("constraints") and not self._timeline_drawn:
            self._timeline_drawn = True
            QtCore.QTimer.singleShot(0, self._draw_timeline)

    def _draw_timeline(self) -> None:
        self.timeline.draw()
        self.stages.mark("timeline")

    def _on_constraints_shown(self, kind: str) -> None:
        self._check_stages()

    def _after_all_shown(self) -> None:
        self._after_shown_pending = True
        QtCore.QTimer.singleShot(0, self._on_all_shown)

    def _on_all_shown(self) -> None:
        """The load is on screen: now the work put off till then, the composite constraint checks
        and the other plans' DVHs (so switching plans is instant); ``work_done`` when none is left."""
        self._after_shown_pending = False
        if not self.stages.done or self._closed:
            return  # another load began meanwhile (its own all_shown comes), or the window closed
        self.constraints.hold_composite(False)
        if self.runner.busy:
            return  # its end starts the next (_on_finished)
        nxt = self._next_dvh_link()
        if nxt is not None:
            self._start_dvhs(nxt)
        else:
            self.work_done.emit()

    # --- DVHs ---------------------------------------------------------------------------------
    def _on_link(self) -> None:
        link = self.session.link
        self._update_title()
        if link is not None and link.dose is None:
            self.show_message(f"{captions.plan_caption(link)}: {captions.no_dose_text(link)}")
            return
        if link is not None and link.structure_set is not None and not self.session.has_dvhs(link):
            self._start_dvhs(link)
        elif link is not None and self.session.has_dvhs(link):
            self.show_message(self._ready_message())

    def _start_dvhs(self, link) -> None:
        self._dvh_link = link  # the link of the running DVH task (failures are its)
        self._dvhs_stopped.discard(id(link.dose))
        dvh_fn, rx = self.dvh_fn, captions.prescription_gy(link)
        self.runner.start("dvh", lambda progress, cancel, partial: (link, dvh_fn(
            link.structure_set, link.dose, prescription_gy=rx, progress=progress, cancel=cancel,
            partial=lambda number, dvh: partial((link, number, dvh)))), partial=True)
        if link is self.session.link:  # plans computed ahead stay quiet
            self.show_message(f"Computing DVHs of {link.label}…")

    def _dvhs_coming(self, link) -> bool:
        """This window computes (or is about to compute) ``link``'s DVHs."""
        return (link is not None and link.structure_set is not None and not self.session.has_dvhs(link)
                and id(link.dose) not in self._dvhs_stopped)

    def _next_dvh_link(self):
        """A dose of the case still without DVHs (computed ahead so switching plans is instant)."""
        case = self.session.case
        for link in (case.links if case is not None else []):
            if link.structure_set is not None and not self.session.has_dvhs(link):
                return link
        return None

    # --- runner signals -------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self._progress_at < PROGRESS_INTERVAL_S and done < total:
            return
        self._progress_at = now
        bar = self.progress
        bar.setUpdatesEnabled(False)  # setValue would repaint at once; drawn with the window's next paint instead
        bar.setMaximum(max(total, 1))
        bar.setValue(min(done, max(total, 1)))
        what = {"load": "Loading", "dvh": "DVHs"}.get(self.runner.task_name, self.runner.task_name)
        bar.setFormat(f"{what} %p%")
        bar.setToolTip(message)
        bar.setUpdatesEnabled(True)  # (schedules that paint)

    def _on_finished(self, name: str, result: object) -> None:
        if not self._panels:  # a load done before the first paint: the panels first
            self.build_panels()
        if name == "load":
            self._take_case(result)
        elif name == "dvh":
            link, dvhs = result
            self.partial_dvhs.drop()
            self.session.set_dvhs(link, dvhs)
            if link is self.session.link:
                self.show_message(f"DVHs of {link.label}: {len(dvhs)} structures")
            self._check_stages()
        if not self.runner.busy:
            if not self.stages.done:
                return  # the rest waits until the load is on screen (_on_stage_shown)
            nxt = self._next_dvh_link()
            if nxt is not None:
                self._start_dvhs(nxt)
            else:
                if name == "dvh":
                    self.show_message(self._ready_message())
                self.work_done.emit()

    def _ready_message(self) -> str:
        from rtreview.gui.dvh.curves import has_curve

        link = self.session.link
        if link is None:
            return "Ready"
        n = sum(1 for d in self.session.dvhs.values() if has_curve(d))
        outside = len(self.session.dvhs) - n
        more = f" ({outside} outside the dose grid)" if outside else ""
        return (f"{captions.plan_caption(link)}: DVHs of {n} structures{more} — hover the images for dose, "
                "the curves for values")

    def _on_failed(self, name: str, message: str) -> None:
        what = "Loading" if name == "load" else "DVH computation"
        self._report_error(f"{what} failed: {message}")
        if name == "dvh" and self._dvh_link is not None:
            self.session.set_dvhs(self._dvh_link, {})  # do not retry in a loop
            self._check_stages()
        else:
            self.stages.end()
        self.work_done.emit()

    def _on_cancelled(self, name: str) -> None:
        if name == "dvh" and self._dvh_link is not None:
            self._dvhs_stopped.add(id(self._dvh_link.dose))
            if self._panels and not self.runner.busy:
                self.constraints.refresh()  # its check no longer waits for these DVHs
        if not self.runner.busy:  # not merely replaced by a newer task
            self.show_message(f"{'Loading' if name == 'load' else 'DVH computation'} cancelled")

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setValue(0)
        else:
            QtCore.QTimer.singleShot(0, self._maybe_idle)

    def _maybe_idle(self) -> None:
        if not self.runner.busy:
            self.work_done.emit()

    def cancel(self) -> None:
        self.runner.cancel()
        self.stages.end()  # what was not shown yet will not be

    def is_idle(self) -> bool:
        """Nothing loading, computing, checking or waiting to be shown (e.g. before a screenshot)."""
        return (not self.runner.busy and self.stages.done and not self.partial_dvhs.pending
                and not self._after_shown_pending
                and (not self._panels or not self.constraints.busy))

    # --- messages -----------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def _report_error(self, text: str) -> None:
        self.report.add("error", "", text)
        self._show_report()
        self.show_message(text)

    def _show_report(self) -> None:
        self.report_dock.show()
        self.report_dock.raise_()  # tabbed with the timeline

    def attach_registrations(self) -> None:
        """Manual registrations saved beside the case file (``*.reg.dcm``) join the loaded patient."""
        from rtreview.gui.registration.store import attach_beside
        messages = attach_beside(self.session.case, self.timeline_view.case_path())
        if messages:
            self.show_message("; ".join(messages))

    def open_compare(self):
        """The plan comparison window for the loaded case (rtreview.gui.compare)."""
        from rtreview.gui.compare.window import CompareWindow
        window = CompareWindow(self.session.case, self)
        window.show()
        return window

    def open_registration(self):
        """The manual rigid registration window (rtreview.gui.registration)."""
        from rtreview.gui.registration.window import RegistrationWindow
        window = RegistrationWindow.for_session(self.session, self.timeline_view, self)
        if window is not None:
            window.show()
        return window

    def _show_constraint(self, result, dvh, composite: bool) -> None:
        self.dvh_plot.show_constraint(result, dvh, composite)
        self.show_message(f"{'Composite' if composite else 'Plan'} constraint {result.structure} "
                          f"{result.limit_as_written.replace('<=', '≤').replace('>=', '≥')}: {result.status.value}")

    def _update_title(self) -> None:
        link = self.session.link
        parts = [APP_NAME]
        if self.session.case is not None and self.session.case.patients:
            parts.append(", ".join(map(captions.patient_caption, self.session.case.patients)))
        if link is not None:
            parts.append(captions.plan_caption(link))
        self.setWindowTitle(" — ".join(parts))

    # --- Qt overrides ---------------------------------------------------------------------------
    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        """Accept drops of files / folders / zips on any widget of this window."""
        if ev.type() not in DRAG_EVENTS or not isinstance(obj, QtWidgets.QWidget) or obj.window() is not self:
            return False
        if not ev.mimeData().hasUrls():
            return False
        if ev.type() == QtCore.QEvent.Type.Drop:
            paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
            ev.acceptProposedAction()
            for path in [p for p in paths if _is_case_file_path(p)][:1]:
                self.open_case_file(path)
            paths = [p for p in paths if not _is_case_file_path(p)]
            if paths:
                self.open_paths(paths)
            elif not any(u.isLocalFile() for u in ev.mimeData().urls()):
                self.show_message("Only local files, folders and zip archives can be opened")
            return True
        ev.acceptProposedAction()
        return True

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:
        super().paintEvent(ev)
        self.stages.painted()

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        if not self._panels:
            self._closed = True
            self.runner.shutdown()
            super().closeEvent(ev)
            return
        if not self.timeline.close_ok():  # unsaved case timeline: the user chose to stay
            ev.ignore()
            return
        self._closed = True
        QtWidgets.QApplication.instance().removeEventFilter(self)
        self.prefs.save_window(self)
        self.review.shutdown()
        self.runner.shutdown()
        self.pdf_export.runner.shutdown()
        self.anonymized_export.runner.shutdown()
        self.receive.shutdown()  # the listener stops with the window
        self.constraints.shutdown()
        super().closeEvent(ev)
