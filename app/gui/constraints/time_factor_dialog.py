"""Tools ▸ Re-irradiation time factor…: the user's choice for the multi-course EQD2 composite.

rtreview ships no value (core.timeline.reirradiation, docs/protocols.md "Re-irradiation time
factor"): the dialog starts off, or with what the case file holds. Turned on, it needs the
recovery (% of an earlier course's EQD2 taken as recovered), the interval from which it applies,
and the source of those numbers (a physician's choice, a paper): OK stays disabled while the
source is empty, so no number enters the case without one. The choice is written into the case
timeline shown (``case().raw``, key ``reirradiation_time_factor``; turned off, the numbers are
kept with ``"enabled": false``), which is marked modified and emits ``case_changed``, so the
composite check runs again; File ▸ Save case timeline writes it.
"""
from __future__ import annotations

from PySide6 import QtWidgets

from rtreview.core.timeline.reirradiation import KEY, TimeFactor, store_time_factor

LITERATURE = ("rtreview ships no value. Literature a user may base numbers on (not verified against the "
              "papers by rtreview's authors): Nieder C et al., IJROBP 2006;66:1446-1449 (spinal cord "
              "re-irradiation, interval ≥ 6 months); Ang KK et al., IJROBP 2001;50:1013-1020 (primate cord "
              "recovery). For the liver there are no accepted values.")


class TimeFactorDialog(QtWidgets.QDialog):
    """On/off, recovery %, minimum interval in days, source; ``choice()`` = (enabled, factor)."""

    def __init__(self, parent: QtWidgets.QWidget | None, stored: dict | None):
        super().__init__(parent)
        self.setWindowTitle("Re-irradiation time factor")
        stored = stored if isinstance(stored, dict) else {}
        self.enabled = QtWidgets.QCheckBox("Discount earlier courses in the EQD2 composite")
        self.enabled.setChecked(stored.get("enabled") is True)
        self.recovery = QtWidgets.QDoubleSpinBox()
        self.recovery.setRange(0.0, 100.0)
        self.recovery.setDecimals(1)
        self.recovery.setSuffix(" %")
        self.interval = QtWidgets.QSpinBox()
        self.interval.setRange(0, 36500)
        self.interval.setSuffix(" days")
        pct, days = stored.get("recovery_pct"), stored.get("min_interval_days")
        self.recovery.setValue(float(pct) if isinstance(pct, (int, float)) and not isinstance(pct, bool) else 0.0)
        self.interval.setValue(int(days) if isinstance(days, int) and not isinstance(days, bool) else 0)
        self.source = QtWidgets.QLineEdit(str(stored.get("source", "") or ""))
        self.source.setPlaceholderText("required: whose choice, or which paper")
        form = QtWidgets.QFormLayout()
        form.addRow(self.enabled)
        form.addRow("Recovered part of an earlier course", self.recovery)
        form.addRow("For courses ended at least", self.interval)
        form.addRow("Source of these numbers", self.source)
        self.summary = QtWidgets.QLabel()
        self.summary.setWordWrap(True)
        note = QtWidgets.QLabel(LITERATURE)
        note.setWordWrap(True)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        for signal in (self.enabled.toggled, self.recovery.valueChanged, self.interval.valueChanged,
                       self.source.textChanged):
            signal.connect(self._update)
        self.setMinimumWidth(520)
        self._update()

    def factor(self) -> TimeFactor:
        return TimeFactor(float(self.recovery.value()), int(self.interval.value()), self.source.text().strip())

    def choice(self) -> tuple[bool, TimeFactor]:
        return self.enabled.isChecked(), self.factor()

    def _update(self, *_args) -> None:
        on = self.enabled.isChecked()
        for widget in (self.recovery, self.interval, self.source):
            widget.setEnabled(on)
        missing = on and not self.source.text().strip()
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(not missing)
        if not on:
            self.summary.setText("Off: every course counts its full EQD2 in the composite.")
        elif missing:
            self.summary.setText("Name the source of these numbers to turn the factor on.")
        else:
            self.summary.setText(self.factor().describe() + ".")


def edit_time_factor(parent: QtWidgets.QWidget, timeline_view, ask=None) -> bool:
    """Ask and store the choice in the case shown by ``timeline_view``; True when it changed.
    ``ask(dialog)`` replaces ``dialog.exec()`` (tests)."""
    raw = timeline_view.case().raw
    dialog = TimeFactorDialog(parent, raw.get(KEY))
    accepted = (ask or (lambda d: d.exec() == QtWidgets.QDialog.DialogCode.Accepted))(dialog)
    if not accepted:
        return False
    enabled, factor = dialog.choice()
    before = raw.get(KEY)
    if enabled or before is not None:  # never adds a switched-off entry to a case that had none
        store_time_factor(raw, factor, enabled=enabled)
    if raw.get(KEY) == before:
        return False
    timeline_view.mark_modified()
    timeline_view.case_changed.emit()
    return True
