"""ConstraintsPanel: the selected plan checked against a dose-constraint protocol, and the
multi-course composite (voxel-wise EQD2 sum), as coloured tables.

The protocol chooser defaults to ``suggest_for_link`` (site and fractionation; when none fits the
table says why); a choice
is remembered per plan. The checks (``check_plan`` / ``check_composite`` of rtreview.core.constraints,
the numbers of ``rtreview check``) run in the panel's own TaskRunner, off the GUI thread, with a
busy bar and Cancel; results are cached per dose, protocol and hand mapping. The plan's check
waits until the window's DVHs of that plan are all in and reuses them (only derived structures
such as Liver-GTV are computed); composite checks wait while the window is still showing a load
(``hold_composite``). ``shown(kind)`` says a table shows its final state (``plan_settled``).

Clicking a row emits ``result_chosen(result, dvh, composite)``: the ConstraintResult, the DVH it
was evaluated on (``Evaluation.dvhs``; EQD2 on the composite) and whether it is a composite row.
Unmatched protocol structures can be mapped to ROIs by hand (``MappingEditor``); mappings go to
``mapping_store`` (``load(uid)``/``save(uid, mapping)``, keyed by structure set SOP Instance UID).
Each tab is a ``results_tab.ResultsTab``; the Child-Pugh class, time factor and α/β the checks
take come from ``check_inputs``.
"""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtWidgets

from rtreview.core.viewing import constraint_rows as rows_text

from rtreview.gui.constraints import check_inputs
from rtreview.gui.constraints.results_tab import ResultsTab
from rtreview.gui.session import ReviewSession
from rtreview.gui.constraints.structure_mapping import MappingEditor, MemoryMappingStore
from rtreview.gui.tasks import check_composite_task, check_plan_task
from rtreview.gui.workers import TaskRunner

PLAN, COMPOSITE = "plan", "composite"
CHECKING = "Checking…"


def _load_protocols() -> tuple[list, str]:
    from rtreview.core.constraints import ProtocolError, shipped_protocols
    try:
        return list(shipped_protocols()), ""
    except (ProtocolError, OSError) as exc:
        return [], f"the shipped protocols cannot be read: {exc}"


class ConstraintsPanel(QtWidgets.QWidget):
    result_chosen = QtCore.Signal(object, object, bool)  # ConstraintResult, Dvh or None, composite
    evaluated = QtCore.Signal(str)  # PLAN or COMPOSITE: that table now shows an evaluation
    shown = QtCore.Signal(str)  # PLAN or COMPOSITE: that table shows its final state (results or why none)

    def __init__(self, session: ReviewSession, mapping_store=None, check_plan_fn: Callable = check_plan_task,
                 check_composite_fn: Callable = check_composite_task, protocols: list | None = None,
                 parent: QtWidgets.QWidget | None = None, dvhs_coming: Callable[[object], bool] | None = None):
        super().__init__(parent)
        self.session = session
        # dvhs_coming(link): the window is computing (or about to compute) that plan's DVHs: its
        # check waits for them instead of computing them a second time at once
        self.dvhs_coming = dvhs_coming or (lambda link: False)
        self.mapping_store = mapping_store if mapping_store is not None else MemoryMappingStore()
        self.check_plan_fn, self.check_composite_fn = check_plan_fn, check_composite_fn
        problem = ""
        if protocols is None:
            protocols, problem = _load_protocols()
        self.protocols = list(protocols)
        self.evaluations: dict[str, object] = {PLAN: None, COMPOSITE: None}
        self.composite_group: list = []
        self._choice: dict[str, str] = {}  # dose SOP Instance UID -> protocol name chosen by the user
        self._cache: dict[tuple, object] = {}
        self._suggested: dict[int, tuple] = {}  # id(link) -> (link, what the suggestion depends on, protocol)
        self._wanted: dict[str, tuple | None] = {PLAN: None, COMPOSITE: None}
        self._pending: list[tuple[str, tuple, Callable]] = []
        self._running: tuple[str, tuple] | None = None
        self._settled = {PLAN: False, COMPOSITE: False}  # the table shows results or why there are none
        self._composite_held = False  # hold_composite(): the window is still showing a load
        self.runner = TaskRunner(self)
        self._build(problem)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(lambda _name: setattr(self, "_running", None))
        self.runner.busy_changed.connect(self._on_busy)
        session.case_changed.connect(self._on_case)
        session.link_changed.connect(self.refresh)
        session.dvhs_changed.connect(self._on_dvhs)
        session.alpha_beta_changed.connect(self.refresh)  # a changed α/β changes EQD2 values and verdicts
        session.prescription_changed.connect(lambda _plan: self.refresh())
        view = getattr(self.mapping_store, "view", None)
        if view is not None and hasattr(view, "case_changed"):  # a liver-function fact edited in the timeline
            view.case_changed.connect(self.refresh)
            view.case_loaded.connect(lambda _path: self.refresh())

    def _build(self, problem: str) -> None:
        self.protocol_combo = QtWidgets.QComboBox()
        self.protocol_combo.addItems([p.name for p in self.protocols])
        self.protocol_combo.setPlaceholderText("no shipped protocol fits: choose one")
        self.protocol_combo.setToolTip("Dose-constraint protocol for this plan (suggested when its site — target "
                                       "and organ names — and fractionation fit; see docs/protocols.md)")
        self.protocol_combo.setMinimumContentsLength(22)
        self.protocol_combo.activated.connect(self._on_protocol_chosen)
        self._show_no_plan(True)  # empty until a plan is open
        self.summary = QtWidgets.QLabel(problem)
        # the summary takes the room left of the row, it does not widen the pane: the busy bar and
        # Cancel shown beside a long summary pushed the right pane over the slices while loading
        self.summary.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.busy_bar = QtWidgets.QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setMaximumHeight(14)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the constraint check")
        self.cancel_button.clicked.connect(self.cancel)
        for w in (self.busy_bar, self.cancel_button):
            w.hide()
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("Protocol"))
        bar.addWidget(self.protocol_combo)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.busy_bar)
        bar.addWidget(self.cancel_button)
        self.plan_tab, self.composite_tab = ResultsTab(), ResultsTab()
        self.plan_table, self.composite_table = self.plan_tab.table, self.composite_tab.table
        self.plan_table.result_clicked.connect(lambda r: self._on_result(r, PLAN))
        self.composite_table.result_clicked.connect(lambda r: self._on_result(r, COMPOSITE))
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.plan_tab, "Plan")
        self.tabs.addTab(self.composite_tab, "Composite")
        self.tabs.setTabToolTip(1, "Courses on one frame of reference summed voxel by voxel in EQD2 (each structure's "
                                   "α/β); structures dosed by two or more courses, against the plans' absolute limits")
        self.mapping = MappingEditor()
        self.mapping.mapping_changed.connect(self._on_mapping)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.mapping)

    def _show_no_plan(self, none: bool) -> None:
        """No plan with a dose open: the protocol box is empty (and says so), not a protocol."""
        self.protocol_combo.setPlaceholderText("— open a plan —" if none else "no shipped protocol fits: choose one")
        if none:
            self.protocol_combo.setCurrentIndex(-1)
        self.protocol_combo.setEnabled(not none)

    # --- choices ------------------------------------------------------------------------------
    def set_protocols(self, protocols: list) -> None:
        """The protocols to choose from (e.g. the shipped ones plus one read from a file)."""
        self.protocols = list(protocols)
        self.protocol_combo.clear()
        self.protocol_combo.addItems([p.name for p in self.protocols])
        self._cache.clear()
        self._suggested.clear()
        self.refresh()

    def protocol_for(self, link):
        """The protocol chosen for ``link``'s plan, else the suggested one (None if none fits)."""
        from rtreview.core.constraints import suggest_for_link

        name = self._choice.get(link.dose.sop_instance_uid)
        chosen = next((p for p in self.protocols if p.name == name), None)
        if chosen is not None:
            return chosen
        # the suggestion depends on the plan's names, its structures and its fractionation only: kept
        # per link while those are the same (a load refreshes the panel several times)
        plan = link.plan
        key = (link.label, plan.name if plan is not None else None, id(link.structure_set), link.fractions,
               link.prescription_gy)
        kept = self._suggested.get(id(link))
        if kept is not None and kept[0] is link and kept[1] == key:
            return kept[2]
        protocol = suggest_for_link(self.protocols, link)
        self._suggested[id(link)] = (link, key, protocol)
        return protocol

    def set_protocol(self, name: str) -> None:
        """Check the selected plan against protocol ``name`` (as a choice in the combobox)."""
        link = self.session.link
        if link is not None and link.dose is not None:
            self._choice[link.dose.sop_instance_uid] = name
            self.refresh()

    def _on_protocol_chosen(self, index: int) -> None:
        if 0 <= index < len(self.protocols):
            self.set_protocol(self.protocols[index].name)

    def manual_mapping(self, link=None) -> dict[str, str]:
        link = link or self.session.link
        if link is None or link.structure_set is None:
            return {}
        return self.mapping_store.load(link.structure_set.sop_instance_uid)

    def _on_mapping(self, mapping: dict) -> None:
        link = self.session.link
        if link is not None and link.structure_set is not None:
            self.mapping_store.save(link.structure_set.sop_instance_uid, mapping)
            self.refresh()

    # --- evaluation -------------------------------------------------------------------------
    def _on_case(self) -> None:
        self._cache.clear()
        self._suggested.clear()
        self.refresh()

    def refresh(self) -> None:
        """Show (or start computing) the checks of the selected plan and of its composite."""
        link = self.session.link
        if link is not None and link.dose is None:  # a review without a dose: nothing to check
            link = None
        self._pending = []
        self._wanted = {PLAN: None, COMPOSITE: None}
        manual = self.manual_mapping(link)
        key_manual = tuple(sorted(manual.items()))
        self._show_no_plan(link is None)
        if link is not None:
            proto = self.protocol_for(link)
            if check_inputs.tell_alpha_beta(self.session, link, proto, manual):
                return  # the α/β changed: alpha_beta_changed has refreshed with the new values
        elif self.session.set_alpha_beta_protocol(None, None):
            return  # no plan to check (e.g. no dose): the table's α/β, refreshed already

        # the user's α/β (structure list): every check uses them; only passed when there are some
        alpha_beta = dict(self.session.alpha_beta_overrides)
        extra = {"alpha_beta": alpha_beta} if alpha_beta else {}
        key_manual = (key_manual, tuple(sorted(alpha_beta.items())))
        plan_extra, composite_extra = dict(extra), dict(extra)
        if link is not None:
            self.protocol_combo.setCurrentIndex(self.protocols.index(proto) if proto in self.protocols else -1)
            self.tabs.setTabText(0, f"Plan {link.label}")
            if proto is not None:
                plan_extra.update(check_inputs.child_pugh([link], [proto], self._timeline))
            if proto is not None and not self.session.has_dvhs(link) and self.dvhs_coming(link):
                # checked with the window's DVHs once they are all in (not computed twice at once)
                self._show(PLAN, None, CHECKING)
            elif proto is not None:
                key = (PLAN, id(link.dose), proto.name, key_manual, link.prescription_gy, link.fractions,
                       (plan_extra.get("child_pugh"), plan_extra.get("child_pugh_text")))
                # a copy of this dose's finished DVHs, taken on the GUI thread (None: none are coming)
                dvhs = dict(self.session.dvhs_of(link)) if self.session.has_dvhs(link) else None
                self._want(PLAN, key, lambda p, c, fn=self.check_plan_fn: fn(link, proto, manual, p, c, dvhs=dvhs,
                                                                             **plan_extra))
            else:
                from rtreview.core.constraints.plan_check import suggestion_for_link

                why = suggestion_for_link(self.protocols, link).reason
                self._show(PLAN, None, f"{why[0].upper()}{why[1:]} — choose one above")
        else:
            self._show(PLAN, None, "")
        group = rows_text.composite_links(self.session.case, link)
        self.composite_group = group
        protocols = [self.protocol_for(g) for g in group]
        if group and all(p is not None for p in protocols):
            self.tabs.setTabText(1, "Composite " + " + ".join(g.label for g in group))
            composite_extra.update(check_inputs.child_pugh(group[-1:], protocols, self._timeline))
            weights = check_inputs.time_factor(self._timeline(), group)
            if weights:  # the user's re-irradiation time factor (case file; off by default)
                composite_extra["course_weights"] = weights
            key = (COMPOSITE, tuple(id(g.dose) for g in group), tuple(p.name for p in protocols), key_manual,
                   tuple((g.prescription_gy, g.fractions) for g in group),
                   (composite_extra.get("child_pugh"), composite_extra.get("child_pugh_text")),
                   tuple(sorted((k, w) for k, (w, _note) in weights.items())))
            if self._composite_held and key not in self._cache:
                self._show(COMPOSITE, None, CHECKING)
            else:
                self._want(COMPOSITE, key, lambda p, c, fn=self.check_composite_fn: fn(group, protocols, manual, p, c,
                                                                                      **composite_extra))
        else:
            self.tabs.setTabText(1, "Composite")
            self._show(COMPOSITE, None, "No composite: it needs two or more courses with a protocol on one CT "
                                        "(frame of reference) or on CTs joined by a registration" if self.session.case is not None else "")
        if self._running is not None and self._running[1] not in [k for _, k, _ in self._pending]:
            self.runner.cancel()  # the running check is no longer wanted
        self._pending = [p for p in self._pending if self._running is None or p[1] != self._running[1]]
        self._run_next()

    def _timeline(self):
        view = getattr(self.mapping_store, "view", None)
        return view.case() if view is not None else None

    def _on_dvhs(self) -> None:
        """The selected plan's DVHs are all in: the check that waited for them starts."""
        link = self.session.link
        if not self._settled[PLAN] and link is not None and self._wanted[PLAN] is None \
                and self.session.has_dvhs(link):
            self.refresh()

    def hold_composite(self, hold: bool) -> None:
        """While ``hold``, composite checks wait (the window is still showing a load: the plan's
        own DVHs and check come first); released, the waiting one starts."""
        if hold != self._composite_held:
            self._composite_held = hold
            if not hold and not self._settled[COMPOSITE]:
                self.refresh()

    @property
    def plan_settled(self) -> bool:
        """The Plan table shows its final state for the selected plan (results, or why none)."""
        return self._settled[PLAN]

    def _want(self, kind: str, key: tuple, fn: Callable) -> None:
        self._wanted[kind] = key
        if key in self._cache:
            self._show(kind, self._cache[key])
        else:
            self._show(kind, None, CHECKING)
            self._pending.append((kind, key, fn))

    def _run_next(self) -> None:
        if self.runner.busy or not self._pending:
            return
        kind, key, fn = self._pending.pop(0)
        self._running = (kind, key)
        self.runner.start(kind, fn)

    def _on_finished(self, kind: str, evaluation) -> None:
        key = self._running[1] if self._running is not None else None
        self._running = None
        if key is not None:
            self._cache[key] = evaluation
            if self._wanted.get(kind) == key:
                self._show(kind, evaluation)
        QtCore.QTimer.singleShot(0, self._run_next)

    def _on_failed(self, kind: str, message: str) -> None:
        self._running = None
        self._show(kind, None, f"The constraint check failed: {message}")
        QtCore.QTimer.singleShot(0, self._run_next)

    def cancel(self) -> None:
        self._pending = []
        self.runner.cancel()
        for kind in (PLAN, COMPOSITE):
            if not self._settled[kind]:
                self._show(kind, None, "Check cancelled")
        self.summary.setText("Check cancelled: choose a protocol (or plan) to check again")

    def _on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)

    # --- display ----------------------------------------------------------------------------
    def _show(self, kind: str, evaluation, message: str = "") -> None:
        tab = self.plan_tab if kind == PLAN else self.composite_tab
        self.evaluations[kind] = evaluation
        self._settled[kind] = evaluation is not None or message != CHECKING
        tab.table.set_results(evaluation.results if evaluation is not None else [])
        if evaluation is None:
            tab.show_notes([message] if message else [])
        else:
            tab.show_notes(list(evaluation.notes), prefix="Notes: " if evaluation.notes else "")
        tab.show_risks(rows_text.risk_lines(evaluation))
        if kind == PLAN:
            self.summary.setText(f"  {rows_text.summary(evaluation.results)}" if evaluation is not None else "")
            self.summary.setToolTip(evaluation.protocol if evaluation is not None else "")
            self._show_mapping(evaluation)
        if evaluation is not None:
            self.evaluated.emit(kind)
        if self._settled[kind]:
            self.shown.emit(kind)

    def _show_mapping(self, evaluation) -> None:
        link = self.session.link
        if evaluation is None or link is None or link.structure_set is None:
            self.mapping.show_structures([], {}, [])
            return
        rois = [r.name for r in link.structure_set.rois]
        self.mapping.show_structures(list(evaluation.unmatched), self.manual_mapping(link), rois)

    def _on_result(self, result, kind: str) -> None:
        evaluation = self.evaluations.get(kind)
        dvh = evaluation.dvhs.get(result.structure) if evaluation is not None else None
        self.result_chosen.emit(result, dvh, kind == COMPOSITE)

    def caption(self) -> str:
        """'Constraints', with ✖ when a constraint of the selected plan fails (for a tab)."""
        ev = self.evaluations.get(PLAN)
        failed = ev is not None and any(r.status.value == "fail" or r.counts_as_failed() for r in ev.results)
        return "Constraints ✖" if failed else "Constraints"

    @property
    def busy(self) -> bool:
        """A check is running or queued."""
        return self.runner.busy or bool(self._pending)

    def shutdown(self) -> None:
        self.runner.shutdown()
