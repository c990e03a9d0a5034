"""PrescriptionDialog: the user's prescription (total Gy) and fractions for one plan.

``PrescriptionDialog.ask(parent, plan)`` returns a ``PrescriptionChoice`` or None (cancelled);
tests replace ``ask``. A blank field keeps what the files say for that value; "Use the plan's
values" drops the user's and goes back to the DICOM's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6 import QtWidgets

from rtreview.core.viewing.captions import prescription_caption

MAX_RX_GY, MAX_FRACTIONS = 200.0, 100  # as --rx (rtreview.cli.rx_option)


@dataclass(frozen=True)
class PrescriptionChoice:
    """``revert``: back to the files' values; else ``prescription_gy`` / ``fractions`` (None: keep)."""

    prescription_gy: float | None = None
    fractions: int | None = None
    revert: bool = False


def parse_choice(rx_text: str, fractions_text: str) -> PrescriptionChoice:
    """The fields' text -> a choice; ValueError saying what is wrong."""
    rx = fractions = None
    if rx_text.strip():
        try:
            rx = float(rx_text.strip().lower().removesuffix("gy").strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"{rx_text.strip()!r} is not a dose in Gy") from None
        if not math.isfinite(rx) or not 0 < rx <= MAX_RX_GY:
            raise ValueError(f"the prescription must be above 0 and at most {MAX_RX_GY:g} Gy")
    if fractions_text.strip():
        text = fractions_text.strip()
        if not text.isdigit() or not 0 < int(text) <= MAX_FRACTIONS:
            raise ValueError(f"fractions must be a whole number from 1 to {MAX_FRACTIONS}")
        fractions = int(text)
    if rx is None and fractions is None:
        raise ValueError("enter the prescription, the fractions or both")
    return PrescriptionChoice(rx, fractions)


class PrescriptionDialog(QtWidgets.QDialog):
    def __init__(self, plan, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Prescription of plan {plan.label or plan.name or '(no label)'}")
        self.choice: PrescriptionChoice | None = None
        now = QtWidgets.QLabel(prescription_caption(plan).replace(" — double-click to set", ""))
        now.setWordWrap(True)
        self.rx_edit = QtWidgets.QLineEdit(f"{plan.prescription_gy:g}" if plan.prescription_gy else "")
        self.rx_edit.setPlaceholderText("total dose in Gy, e.g. 70")
        self.fractions_edit = QtWidgets.QLineEdit(str(plan.fractions) if plan.fractions else "")
        self.fractions_edit.setPlaceholderText("total fractions, e.g. 35")
        self.error = QtWidgets.QLabel("")
        self.error.setStyleSheet("color: #e07070;")
        form = QtWidgets.QFormLayout()
        form.addRow("Now:", now)
        form.addRow("Prescription (Gy):", self.rx_edit)
        form.addRow("Fractions:", self.fractions_edit)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.revert_button = buttons.addButton("Use the plan's values",
                                               QtWidgets.QDialogButtonBox.ButtonRole.ResetRole)
        self.revert_button.setEnabled(plan.file_prescription is not None)
        self.revert_button.clicked.connect(self._revert)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel("Everything relative to the prescription (% Rx, V95%Rx, isodose levels, "
                                "conformity and gradient indices, constraints) follows; EQD2 uses the "
                                "fractions. Saved in the case file.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        try:
            self.choice = parse_choice(self.rx_edit.text(), self.fractions_edit.text())
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def _revert(self) -> None:
        self.choice = PrescriptionChoice(revert=True)
        self.accept()

    @classmethod
    def ask(cls, parent, plan) -> PrescriptionChoice | None:
        dialog = cls(plan, parent)
        return dialog.choice if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted else None
