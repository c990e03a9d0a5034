"""PlanTree: the loaded Case as patient ▸ plans (label, Rx, fractions) ▸ prescription, beams,
dose, structure set, CT; plans, structure sets and CT without a dose are listed too (contour
review, a plan not exported yet).

Each plan's first row is its prescription with where it came from (or "Rx unknown" in orange);
double-clicking it, or right-clicking the plan, sets the user's prescription and fractions
(``PrescriptionDialog``), which the session applies to every number that depends on them.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.viewing import captions

from rtreview.gui.plans.prescription_dialog import PrescriptionDialog
from rtreview.gui.session import ReviewSession

LINK_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
RX_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2  # on prescription rows: True
UNKNOWN_RX_COLOR = QtGui.QColor(240, 160, 60)


class PlanTree(QtWidgets.QTreeWidget):
    """Selecting a plan (or anything under it) selects its dose link in the session."""

    def __init__(self, session: ReviewSession, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setHeaderLabel("Patient ▸ plans")
        self.setUniformRowHeights(True)
        self.setExpandsOnDoubleClick(True)
        self._links: list = []
        self._updating = False
        session.case_changed.connect(self._rebuild)
        session.link_changed.connect(self._show_selection)
        session.prescription_changed.connect(lambda _plan: self._rebuild())
        self.itemSelectionChanged.connect(self._on_selection)
        self.itemDoubleClicked.connect(self._on_double_click)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)

    def _rebuild(self) -> None:
        self._updating = True
        self.clear()
        self._links = []
        case = self.session.case
        for patient in (case.patients if case is not None else []):
            top = QtWidgets.QTreeWidgetItem([captions.patient_caption(patient)])
            top.setToolTip(0, f"Patient ID {patient.patient_id}")
            self.addTopLevelItem(top)
            for link in patient.review_links:
                item = QtWidgets.QTreeWidgetItem([captions.plan_caption(link)])
                item.setData(0, LINK_ROLE, len(self._links))
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
                tip = [f"Plan {link.plan.name or link.plan.label}"] if link.plan else []
                tip += link.notes
                item.setToolTip(0, "\n".join(tip) or captions.plan_caption(link))
                self._links.append(link)
                top.addChild(item)
                if link.plan is not None:
                    rx = QtWidgets.QTreeWidgetItem([captions.prescription_caption(link.plan)])
                    rx.setData(0, LINK_ROLE, len(self._links) - 1)
                    rx.setData(0, RX_ROLE, True)
                    rx.setToolTip(0, captions.prescription_tooltip(link.plan))
                    if link.plan.prescription_gy is None or not link.plan.fractions:
                        rx.setForeground(0, QtGui.QBrush(UNKNOWN_RX_COLOR))
                    item.addChild(rx)
                texts = [captions.beams_caption(link.plan), captions.dose_caption(link),
                         captions.structure_set_caption(link),
                         f"CT {len(link.ct.z_mm)} slices" if link.ct is not None else "No CT linked"]
                for text in [t for t in texts if t]:
                    child = QtWidgets.QTreeWidgetItem([text])
                    child.setData(0, LINK_ROLE, len(self._links) - 1)
                    child.setToolTip(0, text)
                    item.addChild(child)
                item.setExpanded(True)
            if not patient.review_links:
                top.addChild(QtWidgets.QTreeWidgetItem(["(nothing to review)"]))
            top.setExpanded(True)
        self._updating = False
        self._show_selection()

    def _show_selection(self) -> None:
        self._updating = True
        try:
            for i in range(self.topLevelItemCount()):
                top = self.topLevelItem(i)
                for j in range(top.childCount()):
                    item = top.child(j)
                    index = item.data(0, LINK_ROLE)
                    if index is not None and self._links[index] is self.session.link:
                        self.setCurrentItem(item)
                        return
            self.clearSelection()
        finally:
            self._updating = False

    def _on_selection(self) -> None:
        if self._updating:
            return
        items = self.selectedItems()
        index = items[0].data(0, LINK_ROLE) if items else None
        if index is not None:
            self.session.select_link(self._links[index])

    # --- the user's prescription ---------------------------------------------------------------
    def _on_double_click(self, item: QtWidgets.QTreeWidgetItem, _column: int) -> None:
        if item.data(0, RX_ROLE):
            self.edit_prescription(self._links[item.data(0, LINK_ROLE)])

    def _show_menu(self, pos: QtCore.QPoint) -> None:
        item = self.itemAt(pos)
        index = item.data(0, LINK_ROLE) if item is not None else None
        if index is None or self._links[index].plan is None:
            return
        link = self._links[index]
        menu = QtWidgets.QMenu(self)
        menu.addAction("Set prescription and fractions…", lambda: self.edit_prescription(link))
        revert = menu.addAction("Use the plan's values", lambda: self.session.clear_prescription(link.plan))
        revert.setEnabled(link.plan.file_prescription is not None)
        self._exec_menu(menu, self.viewport().mapToGlobal(pos))

    def _exec_menu(self, menu: QtWidgets.QMenu, pos: QtCore.QPoint) -> None:
        menu.exec(pos)  # tests replace this

    def edit_prescription(self, link) -> bool:
        """Ask for ``link``'s plan's prescription and fractions; True when something changed."""
        if link.plan is None:
            return False
        choice = PrescriptionDialog.ask(self, link.plan)
        if choice is None:
            return False
        if choice.revert:
            self.session.clear_prescription(link.plan)
        else:
            self.session.set_prescription(link.plan, choice.prescription_gy, choice.fractions)
        return True

    def prescription_item(self, link) -> QtWidgets.QTreeWidgetItem | None:
        """The prescription row under ``link``'s plan row (tests)."""
        for item in self.plan_items():
            if self._links[item.data(0, LINK_ROLE)] is link and item.childCount():
                child = item.child(0)
                return child if child.data(0, RX_ROLE) else None
        return None

    def plan_items(self) -> list[QtWidgets.QTreeWidgetItem]:
        """The plan rows, in order (for tests and keyboard users)."""
        out = []
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            out += [top.child(j) for j in range(top.childCount()) if top.child(j).data(0, LINK_ROLE) is not None]
        return out
