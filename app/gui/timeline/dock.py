"""CaseTimelineDock: the case timeline pane (``TimelineView``) docked in the review window and
linked with its plans, as docs/timeline.md describes.

- Clicking an RT course selects its plan in the session (dose, DVHs and constraints follow);
  selecting a plan elsewhere outlines its course.
- After a DICOM load the case file beside the DICOM is opened (``find_case_file``; the bundled
  sample falls back to resources/cases) unless the user opened one (``--case``, File menu, a
  drop) for the same patient; the loaded plans feed the timeline's consistency checks.
- Errors (an unreadable case file) go to the window's load report, not a message box.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.gui.timeline.view import TimelineView

DOCK_HEIGHT_PX = 300  # lanes (incl. lines of therapy) + marker plot with readable labels at 1600 x 1000: the worked case needs 296


class CaseTimelineDock(QtCore.QObject):
    def __init__(self, window: QtWidgets.QMainWindow, session, report_error):
        super().__init__(window)
        self.window, self.session = window, session
        self.view = TimelineView()
        self.view._show_error = lambda title, text: report_error(f"{title}: {text}")  # the hook it offers
        self.dock = QtWidgets.QDockWidget("Case timeline", window)
        self.dock.setObjectName("case_timeline")
        self.dock.setWidget(self.view)
        self.dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                              | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.resizeDocks([self.dock], [DOCK_HEIGHT_PX], QtCore.Qt.Orientation.Vertical)
        # Open / Save / Save as live in the File menu here: the pane's column of buttons stays short
        bar_actions = self.view.toolbar.actions()
        for action in bar_actions[:bar_actions.index(self.view.save_as_action) + 2]:  # + its separator
            action.setVisible(False)
        self._chosen_by_user = False  # a case opened by hand is not replaced by one found automatically
        self.view.rt_course_activated.connect(self.select_plan)
        session.link_changed.connect(self._highlight)
        self.open_action = self._menu_action(self.view.open_action, "Open case timeline…", self.open_case)
        self.save_action = self._menu_action(self.view.save_action, "Save case timeline",
                                             lambda: self.view.save_case())
        self.save_as_action = self._menu_action(self.view.save_as_action, "Save case timeline as…",
                                                self.view.save_case_as)
        self.save_action.setShortcut(QtGui.QKeySequence.StandardKey.Save)
        self.save_as_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+S"))

    def _menu_action(self, pane_action, text: str, slot) -> QtGui.QAction:
        """A File-menu twin of one of the pane's toolbar actions (the pane keeps its short labels)."""
        action = QtGui.QAction(text, self.window)
        action.setToolTip(pane_action.toolTip())
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # --- plans <-> courses --------------------------------------------------------------------
    def select_plan(self, label: str) -> bool:
        """Select the dose link of plan ``label`` (case-insensitive); False if not loaded."""
        case = self.session.case
        for patient in (case.patients if case is not None else []):
            try:
                link = patient.link_for_plan(label)
            except KeyError:
                continue
            self.session.select_link(link)
            return True
        self.window.show_message(f"Plan {label} of the timeline is not among the loaded plans")
        return False

    def _highlight(self) -> None:
        link = self.session.link
        self.view.highlight_plan(link.plan.label if link is not None and link.plan is not None else "")

    # --- case files ---------------------------------------------------------------------------
    def open_case(self, path: str | None = None) -> bool:
        """Open a case file chosen by the user (asks without ``path``)."""
        if self.view.open_case(path):
            self._chosen_by_user = True
            self.dock.show()
            return True
        return False

    def dicom_loaded(self, paths: list[str], case, draw: bool = True) -> None:
        """After a DICOM load: find the case file beside it (see module docstring), give the
        timeline the plans, and outline the selected plan's course. ``draw=False``: read now,
        draw with ``draw()``."""
        patient_id = case.patients[0].patient_id if case.patients else ""
        shown = self.view.case().patient.patient_id
        other_patient = bool(patient_id and shown and shown != patient_id)
        if case.patients and (self.view.case_path() is None or (other_patient and not self._chosen_by_user)):
            if self.view.open_case_for_dicom(paths, patient_id, draw=draw):
                self._chosen_by_user = False
        self.view.set_plans([plan for patient in case.patients for plan in patient.plans], draw=draw)
        self._highlight()

    def draw(self) -> None:
        """Draw what ``dicom_loaded(..., draw=False)`` took."""
        self.view.draw()
        self._highlight()

    def is_modified(self) -> bool:
        return self.view.is_modified()

    def close_ok(self) -> bool:
        """Whether the window may close (asks when the case has unsaved changes)."""
        return self.view._discard_ok()
