"""The case timeline pane: treatment lanes over a date axis, tumor markers below (log axis).

Embed it (e.g. as a dock below the dose views) and wire it to the plans::

    view = TimelineView()
    view.rt_course_activated.connect(select_plan_by_label)   # str: plan label of a clicked RT course
    plan_selection_changed.connect(view.highlight_plan)      # outline that plan's course ('' clears)
    view.open_case_for_dicom(paths, patient_id)              # the case file beside the DICOM, if any
    view.open_case(path)            # --case FILE, a drop, File > Open (no path: asks)
    view.save_case(); view.save_case_as()                    # File > Save; atomic
    view.set_plans(plans)           # DICOM Plan objects: adds the plan consistency warnings

Signals: ``rt_course_activated(str)``, ``event_selected(str)`` (event id), ``case_changed()``,
``case_loaded(str)`` (path), ``modified_changed(bool)``. The toolbar's ``open_action``,
``save_action`` and ``save_as_action`` can go in the window's File menu as they are.
Errors are shown in a message box (``_show_error``), never raised.

Click an RT course to select its plan; double-click or right-click an event to edit it (the
editing actions: ``editing.CaseEditor``); drag pans and the wheel zooms the dates. Dashed
outlines mark illustrative (made-up) values.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.timeline import (CaseFileError, CaseTimeline, RtCourse, TimelineWarning, check_case,
                               find_case_file, load_case, new_case, save_case)
from rtreview.gui.timeline.editing import CaseEditor
from rtreview.gui.timeline.lanes_plot import TimelineLanesPlot
from rtreview.gui.timeline.markers import TumorMarkerPlot
from rtreview.gui.timeline.lanes_plot import case_dates
from rtreview.gui.timeline.text import KEY_HTML, KEY_LINE_HTML, facts_html, plan_facts_html
from rtreview.gui.timeline.warning_badge import WarningsButton

LEFT_AXIS_PX = 128
EMPTY_TEXT = ("No case timeline.\nDrop a *.case.json file here or use File ▸ Open case timeline — one beside the "
              "DICOM is opened with it.\nAdd… starts a new one.")
CASE_FILTER = "Case timelines (*.case.json *.json);;All files (*)"


class TimelineView(QtWidgets.QWidget):
    """A self-contained QWidget showing one ``CaseTimeline``."""

    rt_course_activated = QtCore.Signal(str)  # plan label of the RT course the user clicked
    event_selected = QtCore.Signal(str)  # event id
    case_changed = QtCore.Signal()  # an event was added, edited or deleted
    case_loaded = QtCore.Signal(str)  # path of the case file now shown ('' for a new case)
    modified_changed = QtCore.Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._case: CaseTimeline = new_case()
        self._path: Path | None = None
        self._plans: list | None = None
        self._modified = False
        self._selected_id = ""
        self._pfs_start = ""  # event id PFS is measured from ('' = start of the latest line)
        self._highlighted: set[str] = set()
        self._stale = False  # a case taken but not drawn yet (set_case(draw=False))
        self.warnings: list[TimelineWarning] = []
        self.editor = CaseEditor(self)
        self.start_folder = ""  # where Open / Save as start (the window sets the last folder used)
        self._relayout_timer = QtCore.QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(120)
        self._relayout_timer.timeout.connect(self._relayout)
        self._build_ui()
        self._rebuild(markers=True)

    # ----- construction
    def _build_ui(self) -> None:
        self.lanes_plot = TimelineLanesPlot(LEFT_AXIS_PX)
        self.lanes_plot.item_clicked.connect(self._on_item_clicked)
        self.lanes_plot.item_menu_requested.connect(self.editor.show_item_menu)
        self.markers_plot = TumorMarkerPlot(LEFT_AXIS_PX)
        self.markers_plot.getPlotItem().setXLink(self.lanes_plot.getPlotItem())

        self.toolbar = QtWidgets.QToolBar("Case timeline")
        self.toolbar.setOrientation(QtCore.Qt.Orientation.Vertical)
        self.toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.open_action = self.toolbar.addAction("Open…", lambda: self.open_case())
        self.save_action = self.toolbar.addAction("Save", lambda: self.save_case())
        self.save_as_action = self.toolbar.addAction("Save as…", self.save_case_as)
        self.toolbar.addSeparator()
        self.add_action = self.toolbar.addAction("Add…", self.add_event)
        self.edit_action = self.toolbar.addAction("Edit…", lambda: self.edit_event())
        self.delete_action = self.toolbar.addAction("Delete", lambda: self.delete_event())
        self.delete_action.setShortcut(QtGui.QKeySequence.StandardKey.Delete)
        self.follow_up_action = self.toolbar.addAction("Follow-up…", self.edit_follow_up)
        self.labs_action = self.toolbar.addAction("Labs…")
        self.labs_action.setToolTip("Add, edit or delete a lab series (tumor markers): analyte, unit, upper normal, "
                                    "samples")
        self.labs_action.triggered.connect(lambda: self.editor.labs_menu())
        self.toolbar.addSeparator()
        self.toolbar.addAction("Fit", self.fit)
        self.facts_action = self.toolbar.addAction("Facts")
        self.facts_action.triggered.connect(
            lambda: QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), self.facts_html(), self))
        self.key_action = self.toolbar.addAction("Key")
        self.key_action.setToolTip(KEY_HTML)
        self.key_action.triggered.connect(
            lambda: QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), KEY_HTML, self))
        self.warnings_button = WarningsButton()
        self.warnings_button.event_chosen.connect(self._select_from_warning)
        self.toolbar.addWidget(self.warnings_button)

        self.key_line = QtWidgets.QLabel(KEY_LINE_HTML)
        self.key_line.setStyleSheet("background: white; color: #495057; font-size: 8pt; padding: 1px 6px;")
        self.key_line.setToolTip(KEY_HTML)
        self.key_line.setMinimumWidth(10)  # a narrow pane cuts the line, it does not widen the window
        self.key_line.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        plots = QtWidgets.QVBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        plots.setSpacing(0)
        plots.addWidget(self.lanes_plot, 3)
        plots.addWidget(self.markers_plot, 2)
        plots.addWidget(self.key_line)
        self.plots_area = QtWidgets.QWidget()
        self.plots_area.setLayout(plots)
        # nothing to show: say how to get a timeline instead of an empty date axis reading 00.050 …
        self.empty = QtWidgets.QLabel(EMPTY_TEXT, self.plots_area)
        self.empty.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("background: #f4f5f7; color: #5c636e; font-size: 13px;")
        self.plots_area.installEventFilter(self)
        self.markers_plot.curve_clicked.connect(self.edit_lab_series)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.plots_area, 1)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(1400, 300)

    # ----- public API
    def case(self) -> CaseTimeline:
        return self._case

    def case_path(self) -> Path | None:
        return self._path

    def is_modified(self) -> bool:
        return self._modified

    def mark_modified(self) -> None:
        """Something kept in the case file outside the events changed (e.g. the window's
        structure mappings in ``case().raw``): Save is needed."""
        self._set_modified(True)

    def set_case(self, case: CaseTimeline, path: str | Path | None = None, draw: bool = True) -> None:
        """Show ``case`` (read from ``path``, if any) and fit the dates to it. ``draw=False``: take
        it now, draw it with ``draw()`` (the window draws the timeline after a plan's DVHs and
        constraints); meanwhile the lanes are empty, never another case's."""
        self._case, self._path = case, Path(path) if path else None
        self._selected_id = self._pfs_start = ""
        self._set_modified(False)
        self._stale = True
        if draw:
            self.draw()
        else:
            self.lanes_plot.getPlotItem().clear()
            self.lanes_plot.event_items = {}
            self.markers_plot.setVisible(False)
        self.case_loaded.emit(str(self._path or ""))

    def draw(self) -> None:
        """Draw the case taken with ``set_case(..., draw=False)`` (nothing to do otherwise)."""
        if self._stale:
            self._stale = False
            self._rebuild(markers=True)
            self.fit()

    def set_plans(self, plans: list | None, draw: bool = True) -> None:
        """The DICOM plans on show (``rtreview.core.dicom.plan.Plan``): enables the plan checks."""
        self._plans = list(plans) if plans is not None else None
        if draw and not self._stale:
            self._rebuild()

    @QtCore.Slot(str)
    def highlight_plan(self, label: str) -> None:
        """Highlight the RT course(s) linked to plan ``label`` (case-insensitive); '' clears."""
        self._highlighted = {e.id for e in self._case.events
                             if isinstance(e, RtCourse) and label and e.links_plan(label=label)}
        self._apply_highlight()

    def open_case(self, path: str | Path | None = None, draw: bool = True) -> bool:
        """Open a case file (asks for one without ``path``); errors are shown, not raised."""
        if not self._discard_ok():
            return False
        if path is None:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open case timeline", self.start_folder, CASE_FILTER)
            if not path:
                return False
        try:
            case = load_case(path)
        except CaseFileError as exc:
            self._show_error("Cannot open the case file", str(exc))
            return False
        self.set_case(case, path, draw=draw)
        return True

    def open_case_for_dicom(self, paths: list, patient_id: str = "", draw: bool = True) -> bool:
        """Open the case file found beside DICOM ``paths`` (see ``find_case_file``), if any."""
        found = find_case_file(paths, patient_id)
        if found is not None:
            return self.open_case(found, draw=draw)
        shown = self._case.patient.patient_id
        if patient_id and shown and shown != patient_id and self._discard_ok():
            self.set_case(new_case(patient_id), draw=draw)  # never leave another patient's history beside these plans
        return False

    def save_case(self, path: str | Path | None = None) -> bool:
        """Save to ``path`` or the file it came from (asks if neither); atomic."""
        target = Path(path) if path else self._path
        if target is None:
            return self.save_case_as()
        try:
            save_case(self._case, target)
        except (CaseFileError, OSError) as exc:
            self._show_error("Cannot save the case file", str(exc))
            return False
        self._path = target
        self._set_modified(False)
        return True

    def save_case_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save case timeline",
                                                        str(self._path or os.path.join(self.start_folder,
                                                                                       "case.case.json")),
                                                        CASE_FILTER)
        return self.save_case(path) if path else False

    # ----- editing (``CaseEditor``)
    def add_event(self) -> bool:
        return self.editor.add_event()

    def edit_event(self, event_id: str = "") -> bool:
        return self.editor.edit_event(event_id)

    def edit_follow_up(self) -> bool:
        return self.editor.edit_follow_up()

    def delete_event(self, event_id: str = "") -> bool:
        return self.editor.delete_event(event_id)

    def edit_lab_series(self, series_id: str = "") -> bool:
        return self.editor.edit_lab_series(series_id)

    def item_menu(self, event_id: str) -> QtWidgets.QMenu:
        return self.editor.item_menu(event_id)

    def set_pfs_start(self, event_id: str = "", _checked: bool = False) -> None:
        self.editor.set_pfs_start(event_id, _checked)

    def fit(self) -> None:
        """Show the whole case."""
        self.lanes_plot.fit(self._case)

    # ----- hooks tests replace
    def _show_error(self, title: str, text: str) -> None:
        QtWidgets.QMessageBox.warning(self, title, text)

    def _confirm(self, text: str) -> bool:
        answer = QtWidgets.QMessageBox.question(self, "Case timeline", text)
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def _exec_menu(self, menu: QtWidgets.QMenu, pos: QtCore.QPoint) -> None:
        menu.exec(pos)

    def _discard_ok(self) -> bool:
        return not self._modified or self._confirm("Discard the unsaved changes to this case?")

    # ----- drag and drop of a case file
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if self._dropped_case(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        path = self._dropped_case(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.open_case(path)

    @staticmethod
    def is_case_file_path(path: str | Path) -> bool:
        """Whether a dropped or given path looks like a case file (``*.json``), e.g. for the
        main window to route a drop here instead of to the DICOM loader."""
        return str(path).lower().endswith(".json")

    @classmethod
    def _dropped_case(cls, mime: QtCore.QMimeData) -> str | None:
        for url in mime.urls():
            if url.isLocalFile() and cls.is_case_file_path(url.toLocalFile()):
                return url.toLocalFile()
        return None

    # ----- drawing
    def _changed(self, markers: bool = False) -> None:
        self._set_modified(True)
        self._rebuild(markers)
        self.case_changed.emit()

    def _set_modified(self, on: bool) -> None:
        if on != self._modified:
            self._modified = on
            self.modified_changed.emit(on)

    def _relayout(self) -> None:
        """The width changed: lay the lanes out again, unless a case waits to be drawn (``draw()``
        lays it out; drawn now, its lanes would show before the window's timeline stage)."""
        if not self._stale:
            self._rebuild()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if abs(event.size().width() - event.oldSize().width()) > 40:
            self._relayout_timer.start()  # label widths in dates change with the width

    def eventFilter(self, obj, event) -> bool:
        if obj is getattr(self, "plots_area", None) and event.type() == QtCore.QEvent.Type.Resize:
            self.empty.setGeometry(self.plots_area.rect())
        return False

    def is_empty(self) -> bool:
        """Nothing dated to show (no case file, or one without events and lab values)."""
        return not case_dates(self._case)

    def _rebuild(self, markers: bool = False) -> None:
        """Redraw the lanes (their layout depends on every event); the marker curves only
        with ``markers`` (a new case): edits and resizes leave them as they are."""
        self.empty.setGeometry(self.plots_area.rect())
        self.empty.setVisible(self.is_empty())
        self.empty.raise_()
        self._update_warnings()
        self.lanes_plot.show_case(self._case, self.warnings)
        self._annotate_plans()
        if markers:
            self._rebuild_markers()
        self._apply_highlight()

    def _annotate_plans(self) -> None:
        """Add the linked DICOM plan's own facts to each RT course's tooltip."""
        if self._plans is None:
            return
        for course in self._case.of_kind(RtCourse):
            item = self.event_items.get(course.id)
            if item is not None and (course.plan_label or course.plan_sop_instance_uid):
                item.setToolTip(item.toolTip() + f"<br><b>{plan_facts_html(course, self._plans)}</b>")

    def _rebuild_markers(self) -> None:
        series_list = [s for s in self._case.lab_series if s.samples]
        self.markers_plot.set_series(series_list, self._case.last_follow_up)
        self.markers_plot.setVisible(bool(series_list))
        self.lanes_plot.show_dates(not series_list)  # else the marker plot below carries the dates

    @property
    def marker_curves(self) -> dict[str, pg.PlotDataItem]:
        """Tumor-marker curves by lab series id."""
        return self.markers_plot.curves

    @property
    def event_items(self) -> dict:
        """Event id -> its bar or marker in the lanes."""
        return self.lanes_plot.event_items

    def _on_item_clicked(self, event_id: str, double: bool) -> None:
        event = self._case.event_by_id(event_id)
        self._selected_id = event_id
        if isinstance(event, RtCourse):
            self._highlighted = {event_id}
        self._apply_highlight()
        self.event_selected.emit(event_id)
        if isinstance(event, RtCourse) and event.plan_label:
            self.rt_course_activated.emit(event.plan_label)
        if double:
            self.edit_event(event_id)

    def _apply_highlight(self) -> None:
        self.lanes_plot.set_highlighted(self._highlighted | ({self._selected_id} if self._selected_id else set()))
        has = bool(self._selected_id)
        self.edit_action.setEnabled(has)
        self.delete_action.setEnabled(has)

    def _update_warnings(self) -> None:
        self.warnings = check_case(self._case, self._plans)
        self.warnings_button.set_warnings(self.warnings)

    def facts_html(self) -> str:
        """Lines of therapy, time on therapy and PFS as rich text (the Facts button)."""
        return facts_html(self._case, self._pfs_start or None)

    def _select_from_warning(self, event_id: str) -> None:
        if event_id in self.event_items:
            self._selected_id = event_id
            self._apply_highlight()
