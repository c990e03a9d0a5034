"""ReceiveDock: the worklist panel in a dock of the main window, opened from File ▸ Receive from
planning system…; double-click loads the patient's folder and, for a plan, selects that plan."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from .panel import WorklistPanel


class ReceiveDock(QtCore.QObject):
    def __init__(self, window: QtWidgets.QMainWindow, settings: QtCore.QSettings):
        super().__init__(window)
        self.window = window
        self.panel = WorklistPanel(settings)
        self.dock = QtWidgets.QDockWidget("Receive from planning system", window)
        self.dock.setObjectName("receive")
        self.dock.setWidget(self.panel)
        window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.dock.visibilityChanged.connect(self.panel.set_polling)
        self._pending_plan = ""
        self.panel.open_requested.connect(self.open)
        window.case_loaded.connect(self._select_pending_plan)

    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.refresh()

    def open(self, folder: str, plan_uid: str) -> None:
        self._pending_plan = plan_uid
        self.window.open_paths([folder])

    def _select_pending_plan(self) -> None:
        uid, self._pending_plan = self._pending_plan, ""
        if not uid:
            return
        session = self.window.session
        for link in session.case.links if session.case is not None else []:
            if link.plan is not None and link.plan.sop_instance_uid == uid:
                session.select_link(link)
                return

    def shutdown(self) -> None:
        self.panel.shutdown()
