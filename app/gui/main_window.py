"""MainWindow: the review screen. Layout and wiring only: the data live in ReviewSession,
loading and DVH computation run in rtreview.core through a TaskRunner (off the GUI thread).

Left: plan tree over structure list. Centre: axial / coronal / sagittal views. Right: DVH
plot over tabs with the metrics and the constraints (per plan and composite). Bottom dock: the
case timeline (load report tabbed with it). Status bar: message, progress, Cancel.
Files, folders and zip archives can be dropped anywhere on the window; a dropped ``*.json``
case file opens in the timeline.
"""
from __future__ import annotations

import os
from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview import APP_NAME
from rtreview.core.viewing import captions

from rtreview.core.viewing import constraint_rows
from rtreview.gui.constraints.panel import ConstraintsPanel
from rtreview.gui.dialogs import ADD, CANCEL, OpenDialog, ReplaceOrAddDialog
from rtreview.gui.dvh.plot import DvhPlot, has_curve
from rtreview.gui.export.anonymize import AnonymizeExportController
from rtreview.gui.export.pdf_task import PdfExportController
from rtreview.gui.gc_policy import collect_in_gui_thread
from rtreview.gui.plans.load_report import LoadReportPanel
from rtreview.gui.plans.prescription_store import CaseFilePrescriptions
from rtreview.gui.dvh.metrics_table import MetricsTable
from rtreview.gui.plans.tree import PlanTree
from rtreview.gui.recent_paths import RecentPaths
from rtreview.gui.session import ReviewSession
from rtreview.gui.slices.panel import SlicePanel
from rtreview.gui.plans.structure_list import StructureList
from rtreview.gui.constraints.structure_mapping import CaseFileMappingStore
from rtreview.gui.plans.alpha_beta_store import CaseFileAlphaBetaStore
from rtreview.gui.tasks import dvhs_one_by_one, load_case
from rtreview.gui.timeline.dock import CaseTimelineDock
from rtreview.gui.timeline.view import TimelineView
from rtreview.gui.settings import install_preferences
from rtreview.gui.workers import TaskRunner
from rtreview.gui.worklist.dock import ReceiveDock

DRAG_EVENTS = (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove, QtCore.QEvent.Type.Drop)


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
                 load_fn: Callable = load_case, dvh_fn: Callable = dvhs_one_by_one):
        super().__init__()
        collect_in_gui_thread()  # never let a worker thread run Qt destructors (gc_policy)
        self.settings = settings if settings is not None else default_settings()
        self.load_fn, self.dvh_fn = load_fn, dvh_fn
        self.session = ReviewSession(self)
        self.runner = TaskRunner(self)
        self.pdf_export = PdfExportController(self)
        self.anonymized_export = AnonymizeExportController(self)
        self._dvh_link = None
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._build_views()
        self._build_status_bar()
        self._build_menus()
        install_preferences(self)  # settings, Review menu, shortcuts, Help (gui/settings.py, gui/review, gui/shortcuts.py)
        self.runner.progressed.connect(self._on_progress)
        self.runner.partial_result.connect(lambda _name, item: self.session.add_partial_dvh(*item))
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.busy_changed.connect(self._on_busy)
        self.session.link_changed.connect(self._on_link)
        self.session.prescription_changed.connect(lambda _plan: self._update_title())
        self.metrics.exported.connect(lambda p: self.show_message(f"Metrics written to {p}"))
        self.metrics.export_failed.connect(self._report_error)
        self.constraints.result_chosen.connect(self._show_constraint)
        self.session.alpha_beta_store = CaseFileAlphaBetaStore(self.timeline_view)  # the user's α/β, with the case
        self.timeline_view.case_loaded.connect(self._on_case_file)  # its mappings and α/β values
        self.timeline_view.case_loaded.connect(lambda _path: self.attach_registrations())
        QtWidgets.QApplication.instance().installEventFilter(self)

    # --- layout ---------------------------------------------------------------------------
    def _build_views(self) -> None:
        s = self.session
        self.plan_tree, self.structures = PlanTree(s), StructureList(s)
        self.slices, self.dvh_plot, self.metrics = SlicePanel(s), DvhPlot(s), MetricsTable(s)
        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        left.addWidget(self.plan_tree)
        left.addWidget(self.structures)
        left.setSizes([190, 640])
        self.timeline = CaseTimelineDock(self, s, self._report_error)
        self.timeline_view = self.timeline.view
        self.constraints = ConstraintsPanel(s, CaseFileMappingStore(self.timeline_view))
        self.prescriptions = CaseFilePrescriptions(s, self.timeline_view, self)
        self.tables = QtWidgets.QTabWidget()
        self.tables.setDocumentMode(True)
        self.tables.addTab(self.constraints, "Constraints")  # first: plan review is checking the limits
        self.tables.addTab(self.metrics, "Metrics")
        from rtreview.gui.dvh.stored import StoredDvhOverlay, StoredDvhTable
        self.stored_overlay = StoredDvhOverlay(self.dvh_plot, self)
        self.stored_table = StoredDvhTable(s, self.stored_overlay)
        self.tables.addTab(self.stored_table, "TPS DVH")
        self.constraints.evaluated.connect(lambda _kind: self.tables.setTabText(
            self.tables.indexOf(self.constraints), self.constraints.caption()))
        self.constraints.evaluated.connect(lambda _kind: self.metrics.show_risks(  # NTCP, BED (issue 16)
            constraint_rows.risk_lines(self.constraints.evaluations.get("plan"))))
        right = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        right.addWidget(self.dvh_plot)
        right.addWidget(self.tables)
        right.setSizes([380, 330])
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        for w in (left, self.slices, right):
            self.splitter.addWidget(w)
        self.splitter.setSizes([300, 650, 650])  # names in the structure list fit (ElideMiddle beyond)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.report = LoadReportPanel()
        self.report_dock = QtWidgets.QDockWidget("Load report", self)
        self.report_dock.setObjectName("load_report")
        self.report_dock.setWidget(self.report)
        self.report_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                                     | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, self.report_dock)
        self.tabifyDockWidget(self.timeline.dock, self.report_dock)  # one bottom strip, not two
        self.report_dock.hide()
        self.timeline.dock.raise_()
        self.receive = ReceiveDock(self, self.settings)  # File > Receive from planning system…

    def _build_status_bar(self) -> None:
        self.progress = QtWidgets.QProgressBar()
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop loading / computing")
        self.cancel_button.clicked.connect(self.cancel)
        bar = self.statusBar()
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Open files…", QtGui.QKeySequence.StandardKey.Open, self.ask_open_files)
        file_menu.addAction("Open &folder…", QtGui.QKeySequence("Ctrl+Shift+O"), self.ask_open_folder)
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addAction("Receive from &planning system…", self.receive.show)
        file_menu.addSeparator()
        for action in (self.timeline.open_action, self.timeline.save_action, self.timeline.save_as_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction("&Export metrics CSV…", QtGui.QKeySequence("Ctrl+E"), self.metrics.ask_and_export)
        self.export_pdf_action = file_menu.addAction("Export &PDF report…", QtGui.QKeySequence("Ctrl+P"),
                                                     self.pdf_export.ask_and_start)
        file_menu.addAction("Export &anonymised…", self.anonymized_export.ask_and_start)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", QtGui.QKeySequence.StandardKey.Quit, self.close)
        tools_menu = self.menuBar().addMenu("&Tools")
        self.compare_action = tools_menu.addAction("&Compare plans…", self.open_compare)
        self.registration_action = tools_menu.addAction("Manual &registration…", self.open_registration)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.timeline.dock.toggleViewAction())
        view_menu.addAction(self.report_dock.toggleViewAction())
        view_menu.addAction(self.receive.dock.toggleViewAction())
        self.recent = RecentPaths(self.settings, self.recent_menu, self.open_paths)

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
        """Open a case timeline file (``--case``, a drop) in the timeline pane."""
        return self.timeline.open_case(str(path))

    def open_paths(self, paths: list[str]) -> None:
        """Load ``paths`` (files, folders, zips) in the background; cancels running work."""
        paths = [str(p) for p in paths if str(p)]
        if not paths:
            return
        self.recent.remember(paths)
        self.prefs.remember_folder("dicom", paths[0])
        self._loading = paths
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
            return
        current = self.session.case
        if current is not None and current.patients:
            if captions.patients_differ(current, case):
                choice = ReplaceOrAddDialog.ask(self, ", ".join(map(captions.patient_caption, current.patients)),
                                                ", ".join(map(captions.patient_caption, case.patients)))
                if choice == CANCEL:
                    self.show_message("Load discarded")
                    return
                if choice == ADD:
                    case = captions.merge_cases(current, case)
            else:
                case = captions.merge_cases(current, case)
        self.timeline.dicom_loaded(getattr(self, "_loading", []), case)
        self.prescriptions.apply_to(case)  # the user's prescriptions saved in the case file
        self.session.set_case(case)
        self.attach_registrations()
        n = len(case.links)
        undosed = len(case.review_links) - n
        more = f", {undosed} without a dose (contours, plan)" if undosed else ""
        self.show_message(f"Loaded {source}: {len(case.patients)} patient(s), {n} dose(s) to review{more}")
        self.case_loaded.emit()
        if n == 0:
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
        dvh_fn, rx = self.dvh_fn, captions.prescription_gy(link)
        self.runner.start("dvh", lambda progress, cancel, partial: (link, dvh_fn(
            link.structure_set, link.dose, prescription_gy=rx, progress=progress, cancel=cancel,
            partial=lambda number, dvh: partial((link, number, dvh)))), partial=True)
        if link is self.session.link:  # plans computed ahead stay quiet
            self.show_message(f"Computing DVHs of {link.label}…")

    def _next_dvh_link(self):
        """A dose of the case still without DVHs (computed ahead so switching plans is instant)."""
        case = self.session.case
        for link in (case.links if case is not None else []):
            if link.structure_set is not None and not self.session.has_dvhs(link):
                return link
        return None

    # --- runner signals -------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        what = {"load": "Loading", "dvh": "DVHs"}.get(self.runner.task_name, self.runner.task_name)
        self.progress.setFormat(f"{what} %p%")
        self.progress.setToolTip(message)

    def _on_finished(self, name: str, result: object) -> None:
        if name == "load":
            self._take_case(result)
        elif name == "dvh":
            link, dvhs = result
            self.session.set_dvhs(link, dvhs)
            if link is self.session.link:
                self.show_message(f"DVHs of {link.label}: {len(dvhs)} structures")
        if not self.runner.busy:
            nxt = self._next_dvh_link()
            if nxt is not None:
                self._start_dvhs(nxt)
            else:
                if name == "dvh":
                    self.show_message(self._ready_message())
                self.work_done.emit()

    def _ready_message(self) -> str:
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
        self.work_done.emit()

    def _on_cancelled(self, name: str) -> None:
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

    def is_idle(self) -> bool:
        """Nothing loading, computing or checking (e.g. before a screenshot)."""
        return not self.runner.busy and not self.constraints.busy

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
            for path in [p for p in paths if TimelineView.is_case_file_path(p)][:1]:
                self.open_case_file(path)
            paths = [p for p in paths if not TimelineView.is_case_file_path(p)]
            if paths:
                self.open_paths(paths)
            elif not any(u.isLocalFile() for u in ev.mimeData().urls()):
                self.show_message("Only local files, folders and zip archives can be opened")
            return True
        ev.acceptProposedAction()
        return True

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        if not self.timeline.close_ok():  # unsaved case timeline: the user chose to stay
            ev.ignore()
            return
        QtWidgets.QApplication.instance().removeEventFilter(self)
        self.prefs.save_window(self)
        self.review.shutdown()
        self.runner.shutdown()
        self.pdf_export.runner.shutdown()
        self.anonymized_export.runner.shutdown()
        self.receive.shutdown()  # the listener stops with the window
        self.constraints.shutdown()
        super().closeEvent(ev)
