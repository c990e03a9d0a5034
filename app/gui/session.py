"""ReviewSession: what is being reviewed (the model the views show, napari-style).

Holds the loaded Case, the selected dose link, the DVHs computed for each dose (by SOP
Instance UID), which structures are visible, the highlighted structure and each structure's
alpha/beta. Views read it and listen to its signals; they never hold copies of dose arrays.
"""
from __future__ import annotations

from PySide6 import QtCore

from rtreview.core.dicom.case import Case, DoseLink
from rtreview.core.viewing.captions import prescription_gy
from rtreview.core.viewing.dvh_curves import default_alpha_beta_gy


class ReviewSession(QtCore.QObject):
    case_changed = QtCore.Signal()
    link_changed = QtCore.Signal()  # selected plan / dose switched (or cleared)
    dvhs_changed = QtCore.Signal()  # DVHs of the selected dose arrived or were dropped
    visibility_changed = QtCore.Signal()
    highlight_changed = QtCore.Signal(int)  # ROI number, -1 for none
    alpha_beta_changed = QtCore.Signal()

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.case: Case | None = None
        self.link: DoseLink | None = None
        # id(DoseGrid) -> (the DoseGrid, its DVHs); by object, not UID: two loads may reuse a UID
        self._dvhs: dict[int, tuple[object, dict]] = {}
        self._partial: dict[int, tuple[object, dict]] = {}  # DVHs of a computation still running
        self.visible: set[int] = set()
        self.highlighted = -1
        self.alpha_beta_gy: dict[int, float] = {}

    # --- case and selection -------------------------------------------------------------
    def set_case(self, case: Case | None) -> None:
        """Show ``case``. DVHs already computed for the very same dose objects are kept (a case
        that adds a patient to the one on screen does not recompute the first one)."""
        self.case = case
        doses = {id(link.dose) for link in (case.links if case is not None else [])}
        self._dvhs = {key: entry for key, entry in self._dvhs.items() if key in doses}
        self._partial = {key: entry for key, entry in self._partial.items() if key in doses}
        self.link = None
        self.case_changed.emit()
        links = case.links if case is not None else []
        self.select_link(links[0] if links else None)

    def select_link(self, link: DoseLink | None) -> None:
        if link is self.link:
            return
        old_ss = self.link.structure_set if self.link is not None else None
        self.link = link
        ss = link.structure_set if link is not None else None
        if ss is not old_ss:
            rois = ss.rois if ss is not None else []
            self.visible = {r.number for r in rois if not r.is_empty and r.type.upper() != "EXTERNAL"}
            self.alpha_beta_gy = {r.number: default_alpha_beta_gy(r.is_target) for r in rois}
            self.highlighted = -1
        self.link_changed.emit()
        self.dvhs_changed.emit()

    @property
    def rois(self) -> list:
        if self.link is None or self.link.structure_set is None:
            return []
        return list(self.link.structure_set.rois)

    @property
    def rx_gy(self) -> float | None:
        return prescription_gy(self.link)

    @property
    def fractions(self) -> int | None:
        if self.link is None or self.link.plan is None:
            return None
        return self.link.plan.fractions

    # --- DVHs -------------------------------------------------------------------------
    @property
    def dvhs(self) -> dict:
        """``{roi_number: Dvh}`` of the selected dose ({} until computed)."""
        if self.link is None:
            return {}
        return self.dvhs_of(self.link)

    def dvhs_of(self, link: DoseLink) -> dict:
        entry = self._dvhs.get(id(link.dose)) or self._partial.get(id(link.dose))
        return entry[1] if entry is not None else {}

    def has_dvhs(self, link: DoseLink) -> bool:
        return id(link.dose) in self._dvhs

    def set_dvhs(self, link: DoseLink, dvhs: dict) -> None:
        self._dvhs[id(link.dose)] = (link.dose, dvhs)
        self._partial.pop(id(link.dose), None)
        if link is self.link:
            self.dvhs_changed.emit()

    def add_partial_dvh(self, link: DoseLink, number: int, dvh) -> None:
        """One structure's DVH of a computation still running (shown until the whole set arrives)."""
        self.add_partial_dvhs(link, {number: dvh})

    def add_partial_dvhs(self, link: DoseLink, dvhs: dict) -> None:
        """Some structures' DVHs of a computation still running (one ``dvhs_changed`` for all)."""
        if self.has_dvhs(link) or not dvhs:
            return
        self._partial.setdefault(id(link.dose), (link.dose, {}))[1].update(dvhs)
        if link is self.link:
            self.dvhs_changed.emit()

    # --- structures -------------------------------------------------------------------
    def set_visible(self, numbers) -> None:
        numbers = set(numbers)
        if numbers != self.visible:
            self.visible = numbers
            self.visibility_changed.emit()

    def set_roi_visible(self, number: int, visible: bool) -> None:
        self.set_visible(self.visible | {number} if visible else self.visible - {number})

    def set_highlighted(self, number: int) -> None:
        if number != self.highlighted:
            self.highlighted = number
            self.highlight_changed.emit(number)

    def set_alpha_beta(self, number: int, value_gy: float) -> None:
        if value_gy > 0 and self.alpha_beta_gy.get(number) != value_gy:
            self.alpha_beta_gy[number] = value_gy
            self.alpha_beta_changed.emit()


class PartialDvhBatches(QtCore.QObject):
    """DVHs of computations still running, handed to the session in batches: the first at once,
    then at most one batch per ``interval_ms`` (each batch redraws the plot and tables once)."""

    def __init__(self, session: ReviewSession, interval_ms: int, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._waiting: list[tuple] = []  # (link, roi number, Dvh)
        self._timer = QtCore.QTimer(self, singleShot=True, interval=interval_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        return bool(self._waiting)

    def add(self, link: DoseLink, number: int, dvh) -> None:
        self._waiting.append((link, number, dvh))
        if not self._timer.isActive():
            self.flush()
            self._timer.start()

    def flush(self) -> None:
        batch, self._waiting = self._waiting, []
        by_dose: dict[int, tuple] = {}
        for link, number, dvh in batch:
            by_dose.setdefault(id(link.dose), (link, {}))[1][number] = dvh
        for link, dvhs in by_dose.values():
            self.session.add_partial_dvhs(link, dvhs)

    def drop(self) -> None:
        """The computation ended: its whole result replaces the partial ones."""
        self._timer.stop()
        self._waiting = []
