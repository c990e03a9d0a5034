"""CompareWindow: choose two or more plans of the loaded patient and see them side by side.

The work (DVHs of each plan, constraint checks, B on A's grid, gamma) is
rtreview.core.compare.comparison.compare_plans, run off the GUI thread with a progress bar and
Cancel. Tabs: metrics (values and differences from A), constraints (each plan's suggested
protocol), dose difference A − B (diverging map on A's grid) and gamma of B against A
(3 %/3 mm or 2 %/2 mm, pass rate, map). Plans on different CTs are compared through the
loaded registrations; a missing one is said in the window, never guessed.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from rtreview.core.viewing.compare_maps import difference_limit_gy, diverging_rgba, gamma_rgba
from rtreview.gui.compare.dvh_overlay import DvhOverlay
from rtreview.gui.compare.map_view import MapView
from rtreview.gui.compare.tables import ConstraintsTable, MetricsTable
from rtreview.gui.workers import TaskRunner


def compare_task(case, labels, gamma=True):
    """The task the window runs: select the plans and compare them (rtreview.core.compare)."""
    from rtreview.core.compare.comparison import compare_plans
    from rtreview.core.compare.selection import select

    def run(progress, cancel):
        selection = select(case, labels)
        return compare_plans(selection, gamma=gamma, progress=progress, cancel=cancel)
    return run


class CompareWindow(QtWidgets.QMainWindow):
    compared = QtCore.Signal(object)  # the PlanComparison shown

    def __init__(self, case, parent=None, gamma: bool = True):
        super().__init__(parent)
        self.setWindowTitle("Compare plans")
        self.resize(1500, 900)
        self.case = case
        self.gamma_enabled = gamma
        self.result = None
        self.runner = TaskRunner(self)
        self.plans = QtWidgets.QListWidget()
        self.plans.setMaximumHeight(110)
        for link in case.links if case is not None else []:
            item = QtWidgets.QListWidgetItem(link.label)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Unchecked)
            self.plans.addItem(item)
        for i in range(min(2, self.plans.count())):
            self.plans.item(i).setCheckState(QtCore.Qt.CheckState.Checked)
        self.reference = QtWidgets.QComboBox()
        self.reference.setToolTip("Plan A: the reference of the differences, the dose difference and the gamma")
        self.plans.itemChanged.connect(lambda _item: self._refresh_reference())
        self._refresh_reference()
        self.compare_button = QtWidgets.QPushButton("Compare")
        self.compare_button.clicked.connect(self.start)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setMaximumWidth(260)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.message = QtWidgets.QLabel("Tick two or more plans, choose the reference (A) and press Compare.")
        self.message.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.plans, 1)
        buttons = QtWidgets.QVBoxLayout()
        buttons.addWidget(QtWidgets.QLabel("Reference (A)"))
        for w in (self.reference, self.compare_button, self.progress, self.cancel_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        top.addLayout(buttons)
        top.addWidget(self.message, 2)

        self.dvh = DvhOverlay()
        self.metrics, self.constraints = MetricsTable(), ConstraintsTable()
        self.metrics.structure_clicked.connect(self.dvh.highlight)
        self.difference_view = MapView()
        self.difference_label = QtWidgets.QLabel("")
        diff_page = _page(self.difference_label, self.difference_view)
        self.gamma_view = MapView()
        self.criteria = QtWidgets.QComboBox()
        self.criteria.currentIndexChanged.connect(self._show_gamma)
        self.gamma_label = QtWidgets.QLabel("")
        gamma_bar = QtWidgets.QHBoxLayout()
        gamma_bar.addWidget(QtWidgets.QLabel("Criteria"))
        gamma_bar.addWidget(self.criteria)
        gamma_bar.addWidget(self.gamma_label, 1)
        gamma_page = QtWidgets.QWidget()
        gl = QtWidgets.QVBoxLayout(gamma_page)
        gl.addLayout(gamma_bar)
        gl.addWidget(self.gamma_view, 1)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self.metrics, "Metrics")
        self.tabs.addTab(self.constraints, "Constraints")
        self.tabs.addTab(diff_page, "Dose difference")
        self.tabs.addTab(gamma_page, "Gamma")
        self.notes = QtWidgets.QLabel("")
        self.notes.setWordWrap(True)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        split.addWidget(self.dvh)
        split.addWidget(self.tabs)
        split.setSizes([700, 800])
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.notes)
        self.setCentralWidget(central)
        self.runner.progressed.connect(self._on_progress)
        self.runner.finished.connect(lambda _n, result: self.show_result(result))
        self.runner.failed.connect(lambda _n, message: self._say(message))
        self.runner.cancelled.connect(lambda _n: self._say("Comparison cancelled."))
        self.runner.busy_changed.connect(self._on_busy)
        self._on_busy(False)

    def _ticked(self) -> list[str]:
        return [self.plans.item(i).text() for i in range(self.plans.count())
                if self.plans.item(i).checkState() == QtCore.Qt.CheckState.Checked]

    def _refresh_reference(self) -> None:
        current = self.reference.currentText()
        ticked = self._ticked()
        self.reference.blockSignals(True)
        self.reference.clear()
        self.reference.addItems(ticked)
        if current in ticked:
            self.reference.setCurrentText(current)
        self.reference.blockSignals(False)

    def set_plans(self, labels: list[str]) -> None:
        """Tick exactly ``labels``; the first is the reference."""
        for i in range(self.plans.count()):
            item = self.plans.item(i)
            item.setCheckState(QtCore.Qt.CheckState.Checked if item.text() in labels else QtCore.Qt.CheckState.Unchecked)
        self._refresh_reference()
        if labels:
            self.reference.setCurrentText(labels[0])

    def checked_labels(self) -> list[str]:
        """The ticked plans, the reference first."""
        ticked = self._ticked()
        ref = self.reference.currentText()
        return ([ref] if ref in ticked else []) + [t for t in ticked if t != ref]

    def start(self) -> None:
        labels = self.checked_labels()
        if len(labels) < 2:
            self._say("Tick at least two plans.")
            return
        from rtreview.core.compare.selection import SelectionError, select
        try:
            select(self.case, labels)  # quick: says what is missing before any work
        except SelectionError as exc:
            self._say(str(exc))
            return
        self._say(f"Comparing {' vs '.join(labels)}…")
        self.runner.start("compare", compare_task(self.case, labels, self.gamma_enabled))

    def _say(self, text: str) -> None:
        self.message.setText(text.split(": ", 1)[1] if text.startswith("SelectionError: ") else text)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(message[:40])

    def _on_busy(self, busy: bool) -> None:
        self.cancel_button.setEnabled(busy)
        self.compare_button.setEnabled(not busy)
        self.progress.setVisible(busy)

    def show_result(self, result) -> None:
        self.result = result
        labels = result.labels
        a, b = result.selection.links[0], result.selection.links[1]
        self.dvh.set_plans(labels, result.dvhs)
        self.metrics.show_rows(labels, result.structures)
        self.constraints.show_rows(labels, result.constraints, result.protocols)
        diff = result.difference.difference_gy
        limit = difference_limit_gy(diff)
        self.difference_view.set_content(a, diff, lambda p, lim=limit: diverging_rgba(p, lim), f"{a.label} − {b.label} (Gy)")
        stats = result.difference.to_json()
        self.difference_label.setText(
            f"{a.label} − {b.label} on {a.label}'s grid: red where {a.label} is higher, blue where lower "
            f"(colour range ±{limit:.2f} Gy). Min {stats['min_gy']} Gy, max {stats['max_gy']} Gy, "
            f"mean |diff| {stats['mean_abs_gy']} Gy; {stats['points_outside_b']} of {stats['points']} points "
            f"outside {b.label}'s grid.")
        self.criteria.blockSignals(True)
        self.criteria.clear()
        for g in result.gamma:
            self.criteria.addItem(g.criteria.label)
        self.criteria.blockSignals(False)
        self._show_gamma()
        reg = result.selection.mappings[1]
        self._say(f"{' vs '.join(labels)} (reference {labels[0]}). {b.label}: {reg.describe()}")
        self.notes.setText("\n".join(result.notes))
        self.compared.emit(result)

    def _show_gamma(self) -> None:
        if self.result is None or not self.result.gamma:
            self.gamma_label.setText("No gamma analysis." if self.result is not None else "")
            return
        g = self.result.gamma[max(self.criteria.currentIndex(), 0)]
        a, b = self.result.selection.links[0], self.result.selection.links[1]
        rate = "–" if g.pass_rate_percent is None else f"{g.pass_rate_percent:.2f} %"
        self.gamma_label.setText(
            f"{b.label} against {a.label}, global {g.criteria.label}, cut-off {g.criteria.cutoff_percent:g} % "
            f"({g.cutoff_gy:.2f} Gy): pass rate {rate} of {g.evaluated} points. Green-yellow ≤ 1 (pass), "
            f"orange-red > 1 (fail, ≥ {g.criteria.max_gamma:g} shown as {g.criteria.max_gamma:g}).")
        self.gamma_view.set_content(a, g.gamma, gamma_rgba, f"gamma {g.criteria.label}",
                                    index=self.difference_view.index)

    def closeEvent(self, ev) -> None:
        self.runner.shutdown()
        super().closeEvent(ev)


def _page(label: QtWidgets.QLabel, view: QtWidgets.QWidget) -> QtWidgets.QWidget:
    page = QtWidgets.QWidget()
    label.setWordWrap(True)
    layout = QtWidgets.QVBoxLayout(page)
    layout.addWidget(label)
    layout.addWidget(view, 1)
    return page
