"""ReviewSession: what is being reviewed (the model the views show, napari-style).

Holds the loaded Case, the selected dose link, the DVHs computed for each dose (by SOP
Instance UID), which structures are visible, the highlighted structure and each structure's
alpha/beta. Views read it and listen to its signals; they never hold copies of dose arrays.

The prescription and fractions a dose is reviewed with are its link's (``DoseLink.
prescription_gy`` / ``fractions``: the plan's, or its fraction group's). ``set_prescription``
sets the user's for a plan (source 'user'); every DVH of the plan's doses takes the new
prescription and ``prescription_changed(plan)`` tells the views, which redraw what depends on it.
"""
from __future__ import annotations

import dataclasses

from PySide6 import QtCore

from rtreview.core.dicom.case import Case, DoseLink
from rtreview.core.dicom.prescription import clear_user_prescription, set_user_prescription
from rtreview.core.viewing.captions import prescription_gy


class ReviewSession(QtCore.QObject):
    case_changed = QtCore.Signal()
    link_changed = QtCore.Signal()  # selected plan / dose switched (or cleared)
    dvhs_changed = QtCore.Signal()  # DVHs of the selected dose arrived or were dropped
    visibility_changed = QtCore.Signal()
    highlight_changed = QtCore.Signal(int)  # ROI number, -1 for none
    alpha_beta_changed = QtCore.Signal()
    prescription_changed = QtCore.Signal(object)  # the Plan whose prescription / fractions changed

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.case: Case | None = None
        self.link: DoseLink | None = None
        # id(DoseGrid) -> (the DoseGrid, its DVHs); by object, not UID: two loads may reuse a UID
        self._dvhs: dict[int, tuple[object, dict]] = {}
        self._partial: dict[int, tuple[object, dict]] = {}  # DVHs of a computation still running
        self.visible: set[int] = set()
        self.highlighted = -1
        # α/β per ROI number, one value each, from rtreview.core.constraints.alpha_beta (the user's
        # value, else the protocol's, else the TG-263 default table, else 10/3 Gy); the user's
        # values (by ROI name) live in ``alpha_beta_store`` (the case file in the window).
        self.alpha_beta_gy: dict[int, float] = {}
        self.alpha_beta_info: dict[int, object] = {}
        self.alpha_beta_overrides: dict[str, float] = {}
        self.alpha_beta_store = None
        self._alpha_beta_protocol = (None, None)  # (Protocol, StructureMatch) of the selected plan

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
        links = case.review_links if case is not None else []  # without a dose too: contours, plan
        self.select_link(links[0] if links else None)

    def select_link(self, link: DoseLink | None) -> None:
        if link is self.link:
            return
        old_ss = self.link.structure_set if self.link is not None else None
        self.link = link
        ss = link.structure_set if link is not None else None
        if ss is not old_ss:
            rois = ss.rois if ss is not None else []
            self.visible = {r.number for r in rois if (not r.is_empty or r.points_mm) and r.type.upper() != "EXTERNAL"}
            self._alpha_beta_protocol = (None, None)
            self.reload_alpha_beta()
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
        """Fractions of the selected dose (its plan's total, or its fraction group's)."""
        return self.link.fractions if self.link is not None else None

    # --- prescriptions ----------------------------------------------------------------
    def set_prescription(self, plan, prescription_gy: float | None, fractions: int | None) -> None:
        """The user's prescription (Gy, total) and fractions for ``plan``; ValueError when not positive."""
        set_user_prescription(plan, prescription_gy, fractions)
        self._prescription_changed(plan)

    def clear_prescription(self, plan) -> None:
        """Back to what the files say for ``plan``."""
        clear_user_prescription(plan)
        self._prescription_changed(plan)

    def plans_changed(self, plans) -> None:
        """Plans whose prescription was changed outside the session (e.g. a case file applied)."""
        for plan in plans:
            self._prescription_changed(plan)

    def _prescription_changed(self, plan) -> None:
        for link in (self.case.links if self.case is not None else []):
            if link.plan is not plan:
                continue
            for store in (self._dvhs, self._partial):
                entry = store.get(id(link.dose))
                if entry is not None:
                    rx = link.prescription_gy
                    store[id(link.dose)] = (entry[0], {n: _with_rx(d, rx) for n, d in entry[1].items()})
        self.prescription_changed.emit(plan)
        self.dvhs_changed.emit()

    # --- DVHs -------------------------------------------------------------------------
    @property
    def dvhs(self) -> dict:
        """``{roi_number: Dvh}`` of the selected dose ({} until computed)."""
        if self.link is None:
            return {}
        return self.dvhs_of(self.link)

    def dvhs_of(self, link: DoseLink) -> dict:
        if link.dose is None:  # a review without a dose: no DVHs
            return {}
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

    # --- α/β ---------------------------------------------------------------------------
    def reload_alpha_beta(self) -> bool:
        """Resolve every ROI's α/β again (after the user's values or the protocol changed); True and
        ``alpha_beta_changed`` when a value changed."""
        from rtreview.core.constraints.alpha_beta import roi_alpha_betas

        ss = self.link.structure_set if self.link is not None else None
        stored = self.alpha_beta_store.load(ss.sop_instance_uid) if ss is not None and self.alpha_beta_store else None
        if stored is not None:
            self.alpha_beta_overrides = stored
        elif ss is None:
            self.alpha_beta_overrides = {}
        protocol, match = self._alpha_beta_protocol
        info = roi_alpha_betas(self.rois, protocol, match, self.alpha_beta_overrides)
        changed = {n: a.value_gy for n, a in info.items()} != self.alpha_beta_gy
        self.alpha_beta_info = info
        self.alpha_beta_gy = {n: a.value_gy for n, a in info.items()}
        if changed:
            self.alpha_beta_changed.emit()
        return changed

    def set_alpha_beta_protocol(self, protocol, match) -> bool:
        """The selected plan's protocol and its structure match (the Constraints panel's choice);
        True when an α/β changed."""
        if (protocol, match) != self._alpha_beta_protocol:
            self._alpha_beta_protocol = (protocol, match)
            return self.reload_alpha_beta()
        return False

    def set_alpha_beta(self, number: int, value_gy: float | None) -> None:
        """The user's α/β for ROI ``number`` (None: back to the protocol / table value)."""
        roi = next((r for r in self.rois if r.number == number), None)
        if roi is None or (value_gy is not None and not value_gy > 0):
            return
        if value_gy is None:
            self.alpha_beta_overrides.pop(roi.name, None)
        else:
            self.alpha_beta_overrides[roi.name] = float(value_gy)
        ss = self.link.structure_set
        if self.alpha_beta_store is not None:
            self.alpha_beta_store.save(ss.sop_instance_uid, dict(self.alpha_beta_overrides))
        self.reload_alpha_beta()


def _with_rx(dvh, rx_gy):
    """The DVH with another prescription (the arrays are shared, nothing is recomputed)."""
    if getattr(dvh, "prescription_gy", rx_gy) == rx_gy or not dataclasses.is_dataclass(dvh):
        return dvh
    return dataclasses.replace(dvh, prescription_gy=rx_gy)


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
