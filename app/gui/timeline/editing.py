"""The case timeline pane's editing actions (``CaseEditor``): add, edit and delete events, the last
follow-up and the lab series through their forms, an event's right-click menu, and where PFS is
measured from. They change the pane's case and tell the pane (``TimelineView._changed``)."""
from __future__ import annotations

import functools

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.gui.timeline.event_form import EventFormDialog, FollowUpDialog
from rtreview.gui.timeline.lab_form import DELETE, LabSeriesDialog


class CaseEditor:
    """Edits the case of ``view`` (a ``TimelineView``): the dialogs open over the view, questions
    and menus go through its hooks (``_confirm``, ``_exec_menu``)."""

    def __init__(self, view) -> None:
        self.view = view

    def add_event(self) -> bool:
        view = self.view
        event = EventFormDialog.ask(view)
        if event is None:
            return False
        if not event.id or any(e.id == event.id for e in view._case.events):
            event.id = view._case.unused_id(event.kind)
        event.id_generated = False
        view._case.events.append(event)
        view._selected_id = event.id
        view._changed()
        return True

    def edit_event(self, event_id: str = "") -> bool:
        view = self.view
        event_id = event_id or view._selected_id
        if not event_id:
            return False
        old = view._case.event_by_id(event_id)
        new = EventFormDialog.ask(view, old)
        if new is None:
            return False
        view._case.events[view._case.events.index(old)] = new
        view._changed()
        return True

    def edit_follow_up(self) -> bool:
        """Set the last follow-up (date, status, source): ongoing therapies and PFS run to it."""
        view = self.view
        follow_up = FollowUpDialog.ask(view, view._case.last_follow_up)
        if follow_up is None:
            return False
        view._case.last_follow_up = follow_up
        view._changed(markers=True)
        return True

    def delete_event(self, event_id: str = "") -> bool:
        view = self.view
        event_id = event_id or view._selected_id
        if not event_id:
            return False
        event = view._case.event_by_id(event_id)
        if not view._confirm(f"Delete “{event.title}” ({event.start})?"):
            return False
        view._case.events.remove(event)
        view._selected_id = ""
        if view._pfs_start == event_id:
            view._pfs_start = ""
        view._changed()
        return True

    def labs_menu(self) -> None:
        """The Labs… button's menu: edit a lab series, or add one."""
        view = self.view
        menu = QtWidgets.QMenu(view)
        for series in view._case.lab_series:
            menu.addAction(f"Edit {series.analyte} ({series.unit})…",
                           lambda s=series: view.edit_lab_series(s.id or s.analyte))
        menu.addAction("New lab series…", lambda: view.edit_lab_series(""))
        view._exec_menu(menu, QtGui.QCursor.pos())

    def edit_lab_series(self, series_id: str = "") -> bool:
        """Edit the lab series ``series_id`` (its id, else its analyte), or add one ('')."""
        view = self.view
        case = view._case
        old = next((s for s in case.lab_series if series_id and series_id in (s.id, s.analyte)), None)
        result = LabSeriesDialog.ask(view, old)
        if result is None:
            return False
        if result == DELETE:
            case.lab_series.remove(old)
        elif old is not None:
            case.lab_series[case.lab_series.index(old)] = result
        else:
            if not result.id:
                used = {s.id for s in case.lab_series} | {e.id for e in case.events}
                base = "".join(ch for ch in result.analyte.lower() if ch.isalnum()) or "lab"
                result.id = next(f"{base}{'' if n == 0 else '-' + str(n)}" for n in range(1000)
                                 if f"{base}{'' if n == 0 else '-' + str(n)}" not in used)
            case.lab_series.append(result)
        view._changed(markers=True)
        return True

    def item_menu(self, event_id: str) -> QtWidgets.QMenu:
        """The right-click menu of an event: edit, delete, PFS from here."""
        view = self.view
        event = view._case.event_by_id(event_id)
        menu = QtWidgets.QMenu(view)
        menu.addAction(f"Edit “{event.title}”…", functools.partial(view.edit_event, event_id))
        menu.addAction("Delete…", functools.partial(view.delete_event, event_id))
        menu.addSeparator()
        pfs = menu.addAction("PFS from here (Facts)", functools.partial(view.set_pfs_start, event_id))
        pfs.setCheckable(True)
        pfs.setChecked(view._pfs_start == event_id)
        return menu

    def show_item_menu(self, event_id: str, screen_pos: QtCore.QPointF) -> None:
        """Select the event and show its right-click menu at ``screen_pos``."""
        view = self.view
        view._selected_id = event_id
        view._apply_highlight()
        view._exec_menu(view.item_menu(event_id), screen_pos.toPoint())

    def set_pfs_start(self, event_id: str = "", _checked: bool = False) -> None:
        """Measure PFS in Facts from this event's start ('' or the same event again: the latest line)."""
        view = self.view
        view._pfs_start = "" if event_id == view._pfs_start else event_id
