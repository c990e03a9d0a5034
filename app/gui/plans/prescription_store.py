"""CaseFilePrescriptions: the user's plan prescriptions kept in the case timeline file.

The case file's ``plan_prescriptions`` (rtreview.core.timeline.prescriptions; schema
``#/$defs/plan_prescription``) is applied to the plans when DICOM is loaded (``apply_to``) and
when another case file is opened; a prescription set in the plan tree is written into the case
document at once (the case is marked modified; File ▸ Save case timeline writes it) and the
timeline's plan checks see the new values.
"""
from __future__ import annotations

from PySide6 import QtCore

from rtreview.core.timeline.prescriptions import apply_saved_prescriptions, store_prescription


class CaseFilePrescriptions(QtCore.QObject):
    def __init__(self, session, timeline_view, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.session, self.view = session, timeline_view
        self._applying = False
        session.prescription_changed.connect(self._store)
        timeline_view.case_loaded.connect(self._case_file_opened)

    def apply_to(self, case) -> list:
        """Apply the case file's saved prescriptions to ``case``'s plans (before they are shown);
        plans the user set in this session keep theirs. Returns the plans changed."""
        plans = [plan for patient in case.patients for plan in patient.plans]
        return apply_saved_prescriptions(plans, self.view.case().raw, skip_user=True)

    def _case_file_opened(self, _path: str) -> None:
        case = self.session.case
        if case is None:
            return
        self._applying = True
        try:
            changed = apply_saved_prescriptions([p for pt in case.patients for p in pt.plans], self.view.case().raw)
            self.session.plans_changed(changed)
        finally:
            self._applying = False

    def _store(self, plan) -> None:
        if self._applying:
            return  # values just read from the case file: nothing to write back
        if store_prescription(self.view.case().raw, plan):
            self.view.mark_modified()
        case = self.session.case
        self.view.set_plans([p for pt in (case.patients if case is not None else []) for p in pt.plans])
