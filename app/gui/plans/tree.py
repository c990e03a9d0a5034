"""PlanTree: the loaded Case as patient ▸ plans (label, Rx, fractions) ▸ dose ▸ structure set ▸ CT;
plans, structure sets and CT without a dose are listed too (contour review, a plan not exported yet)."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from rtreview.core.viewing import captions

from rtreview.gui.session import ReviewSession

LINK_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1


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
        self.itemSelectionChanged.connect(self._on_selection)

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

    def plan_items(self) -> list[QtWidgets.QTreeWidgetItem]:
        """The plan rows, in order (for tests and keyboard users)."""
        out = []
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            out += [top.child(j) for j in range(top.childCount()) if top.child(j).data(0, LINK_ROLE) is not None]
        return out
