"""The review window's layout, built in two steps so the window can be painted before the panels
exist (``MainWindow(defer_panels=True)``): the frame (status bar, menus) needs QtWidgets only;
the views and docks import the panels (pyqtgraph). Functions of the window they fill in."""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.gui.recent_paths import RecentPaths


def build_views(window) -> None:
    """The panels and docks (they import pyqtgraph): plan tree over structure list, the slice views,
    DVH plot over the constraints / metrics tabs; case timeline and load report docked below."""
    from rtreview.core.viewing import constraint_rows
    from rtreview.gui.constraints.panel import ConstraintsPanel
    from rtreview.gui.constraints.structure_mapping import CaseFileMappingStore
    from rtreview.gui.dvh.metrics_table import MetricsTable
    from rtreview.gui.dvh.plot import DvhPlot
    from rtreview.gui.plans.load_report import LoadReportPanel
    from rtreview.gui.plans.prescription_store import CaseFilePrescriptions
    from rtreview.gui.plans.structure_list import StructureList
    from rtreview.gui.plans.tree import PlanTree
    from rtreview.gui.slices.panel import SlicePanel
    from rtreview.gui.timeline.dock import DOCK_HEIGHT_PX, CaseTimelineDock
    from rtreview.gui.worklist.dock import ReceiveDock

    s = window.session
    window.plan_tree, window.structures = PlanTree(s), StructureList(s)
    window.slices, window.dvh_plot, window.metrics = SlicePanel(s), DvhPlot(s), MetricsTable(s)
    left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
    left.addWidget(window.plan_tree)
    left.addWidget(window.structures)
    left.setSizes([190, 640])
    window.timeline = CaseTimelineDock(window, s, window._report_error)
    window.timeline_view = window.timeline.view
    window.constraints = ConstraintsPanel(s, CaseFileMappingStore(window.timeline_view), dvhs_coming=window.dvh_tasks.coming,
                                          check_plan_fn=window.check_plan_fn)
    window.prescriptions = CaseFilePrescriptions(s, window.timeline_view, window)
    window.tables = QtWidgets.QTabWidget()
    window.tables.setDocumentMode(True)
    # an explicit minimum: what the tables show after a check (risk lines, the mapping strip) must
    # not grow their minimum and push the DVH plot aside once it is drawn (the table scrolls instead)
    window.tables.setMinimumSize(200, 120)
    window.tables.addTab(window.constraints, "Constraints")  # first: plan review is checking the limits
    window.tables.addTab(window.metrics, "Metrics")
    from rtreview.gui.dvh.stored import StoredDvhOverlay, StoredDvhTable

    window.stored_overlay = StoredDvhOverlay(window.dvh_plot, window)
    window.stored_table = StoredDvhTable(s, window.stored_overlay)
    window.tables.addTab(window.stored_table, "TPS DVH")
    window.constraints.evaluated.connect(lambda _kind: window.tables.setTabText(
        window.tables.indexOf(window.constraints), window.constraints.caption()))
    window.constraints.evaluated.connect(lambda _kind: window.metrics.show_risks(  # NTCP, BED (issue 16)
        constraint_rows.risk_lines(window.constraints.evaluations.get("plan"))))
    right = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
    right.addWidget(window.dvh_plot)
    right.addWidget(window.tables)
    right.setSizes([380, 330])
    window.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
    for w in (left, window.slices, right):
        window.splitter.addWidget(w)
    window.splitter.setSizes([300, 650, 650])  # names in the structure list fit (ElideMiddle beyond)
    window.splitter.setStretchFactor(1, 1)
    window.setCentralWidget(window.splitter)
    window.report = LoadReportPanel()
    window.report_dock = QtWidgets.QDockWidget("Load report", window)
    window.report_dock.setObjectName("load_report")
    window.report_dock.setWidget(window.report)
    window.report_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                                 | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, window.report_dock)
    window.tabifyDockWidget(window.timeline.dock, window.report_dock)  # one bottom strip, not two
    window.report_dock.hide()
    window.timeline.dock.raise_()
    window.receive = ReceiveDock(window, window.settings)  # File > Receive from planning system…
    # (again: on a window already shown, the docks' first layout ignores the dock's own call)
    QtCore.QTimer.singleShot(0, lambda: window.resizeDocks([window.timeline.dock], [DOCK_HEIGHT_PX],
                                                         QtCore.Qt.Orientation.Vertical))

def build_status_bar(window) -> None:
    """Status bar: message, progress, Cancel."""
    window.progress = QtWidgets.QProgressBar()
    window.progress.setFixedWidth(220)
    window.progress.setTextVisible(True)
    window.cancel_button = QtWidgets.QPushButton("Cancel")
    window.cancel_button.setToolTip("Stop loading / computing")
    window.cancel_button.clicked.connect(window.cancel)
    bar = window.statusBar()
    bar.addPermanentWidget(window.progress)
    bar.addPermanentWidget(window.cancel_button)
    window.progress.hide()
    window.cancel_button.hide()

def build_menus(window) -> None:
    """File (open, recent, quit; places for the panels' actions) and View menus."""
    file_menu = window.menuBar().addMenu("&File")
    file_menu.addAction("&Open files…", QtGui.QKeySequence.StandardKey.Open, window.ask_open_files)
    file_menu.addAction("Open &folder…", QtGui.QKeySequence("Ctrl+Shift+O"), window.ask_open_folder)
    window.recent_menu = file_menu.addMenu("Open &recent")
    window._timeline_place = file_menu.addSeparator()  # the case timeline's actions go here
    window._export_place = file_menu.addSeparator()  # the exports go here
    file_menu.addSeparator()
    file_menu.addAction("&Quit", QtGui.QKeySequence.StandardKey.Quit, window.close)
    window.file_menu = file_menu
    tools_menu = window.menuBar().addMenu("&Tools")
    window.compare_action = tools_menu.addAction("&Compare plans…", window.open_compare)
    window.registration_action = tools_menu.addAction("Manual &registration…", window.open_registration)
    window.time_factor_action = tools_menu.addAction("Re-irradiation &time factor…", lambda: _edit_time_factor(window))
    window.view_menu = window.menuBar().addMenu("&View")
    window.recent = RecentPaths(window.settings, window.recent_menu, window.open_paths)


def _edit_time_factor(window) -> None:
    from rtreview.gui.constraints.time_factor_dialog import edit_time_factor

    edit_time_factor(window, window.timeline_view)


def add_panel_actions(window) -> None:
    """The panels' menu actions: receive, case timeline open / save, metrics, PDF and anonymised
    export, dock toggles."""
    menu = window.file_menu
    receive = QtGui.QAction("Receive from &planning system…", window)
    receive.triggered.connect(lambda _checked=False: window.receive.show())
    menu.insertAction(window._timeline_place, receive)
    menu.insertActions(window._export_place, [window.timeline.open_action, window.timeline.save_action,
                                            window.timeline.save_as_action])
    export_metrics = QtGui.QAction("&Export metrics CSV…", window)
    export_metrics.setShortcut(QtGui.QKeySequence("Ctrl+E"))
    export_metrics.triggered.connect(lambda _checked=False: window.metrics.ask_and_export())
    window.export_pdf_action = QtGui.QAction("Export &PDF report…", window)
    window.export_pdf_action.setShortcut(QtGui.QKeySequence("Ctrl+P"))
    window.export_pdf_action.triggered.connect(lambda _checked=False: window.pdf_export.ask_and_start())
    after_exports = menu.actions()[menu.actions().index(window._export_place) + 1]
    export_anonymized = QtGui.QAction("Export &anonymised…", window)
    export_anonymized.triggered.connect(lambda _checked=False: window.anonymized_export.ask_and_start())
    menu.insertActions(after_exports, [export_metrics, window.export_pdf_action, export_anonymized])
    window.view_menu.addAction(window.timeline.dock.toggleViewAction())
    window.view_menu.addAction(window.report_dock.toggleViewAction())
    window.view_menu.addAction(window.receive.dock.toggleViewAction())
