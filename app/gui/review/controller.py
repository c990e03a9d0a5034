"""ReviewController: the window's sign-off (Review ▸ Sign off…, Review log…), the review status in
the status bar, and the check of the reviewed files whenever plans or a case file are loaded.

- The review log lives in the case file shown in the timeline pane (``core.review``). When that
  is the worked example bundled with the program, or no case file is open, the user is asked
  where to save one (the timeline shown is saved there first), so a sign-off is never kept only
  in memory and never written into the program's own files.
- Signing (hashing the plan, dose and structure files, appending to the file) and the check on
  load (hashing the loaded plans' files against the log) run off the GUI thread.
- A plan whose files changed since its last sign-off is shown in red in the status bar and
  listed in the load report: "reviewed files changed since the sign-off of …".
"""
from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.review import LOG_KEY, entries, verify_log
from rtreview.core.review.files import check_loaded, plan_uid
from rtreview.gui.review.dialog import CaseFileChooser, ReviewLogDialog, SignOffDialog
from rtreview.gui.workers import TaskRunner

DECISION_COLOURS = {"approved": "#8ce99a", "approved_with_comments": "#ffd43b", "changes_requested": "#ff8787"}


class ReviewController(QtCore.QObject):
    status_changed = QtCore.Signal(str)  # plain text of the status (tests)
    signed = QtCore.Signal(str)  # the case file a sign-off was recorded in

    def __init__(self, window, prefs):
        super().__init__(window)
        self.window, self.prefs = window, prefs
        self.session, self.view = window.session, window.timeline_view
        self.runner = TaskRunner(self)
        self.changed: list = []  # ChangedSinceSignOff of the last check
        self.problems: list[str] = []
        self.label = QtWidgets.QLabel()
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        window.statusBar().addPermanentWidget(self.label)
        menu = window.menuBar().addMenu("&Review")
        self.sign_action = menu.addAction("Sign off…", QtGui.QKeySequence("Ctrl+R"), self.sign_off)
        self.sign_action.setToolTip("Record your review decision for plans in the case file's review log")
        self.log_action = menu.addAction("Review log…", self.show_log)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda _name, message: self.window._report_error(f"Review: {message}"))
        window.case_loaded.connect(self.check)
        self.view.case_loaded.connect(lambda _path: self.check())
        self.session.link_changed.connect(self.show_status)
        self.show_status()

    # --- what the log says -------------------------------------------------------------
    def log(self) -> list:
        value = self.view.case().raw.get(LOG_KEY, [])
        return value if isinstance(value, list) else []

    def check(self) -> None:
        """Check the log and, off the GUI thread, the loaded plans' files against it."""
        log = self.log()
        self.problems = [str(p) for p in verify_log(log)]
        case = self.session.case
        links = list(case.links) if case is not None else []
        signed = entries(log)
        self.changed = []
        if signed and links:
            self.runner.start("check", lambda progress, cancel: check_loaded(signed, links))
        self.show_status()

    def _on_finished(self, name: str, result) -> None:
        if name == "check":
            self.changed = list(result)
            for change in self.changed:
                self.window.report.add("warning", str(self.view.case_path() or ""), str(change))
            if self.changed:
                self.window._show_report()
        elif name == "sign":
            path, _added = result
            from rtreview.core.review.case_log import read_log

            self.view.case().raw[LOG_KEY] = read_log(path)  # what is on disk now (append-only)
            self.window.show_message(f"Sign-off recorded in {path}")
            self.signed.emit(str(path))
            self.check()
        self.show_status()

    def show_status(self) -> None:
        """One line in the status bar: the selected plan's last sign-off, or what is wrong."""
        link = self.session.link
        mine = [e for e in entries(self.log()) if link is not None and e.plan_sop_instance_uid == plan_uid(link)]
        changed = [c for c in self.changed if link is not None and c.entry.plan_sop_instance_uid == plan_uid(link)]
        tips = [f"{e.when}: {e.decision_text} by {e.who}" + (f" — {e.comment}" if e.comment else "") for e in mine]
        if self.problems:
            text, colour = "⚠ review log fails its check", "#ff8787"
            tips = self.problems + tips
        elif changed:
            text, colour = f"⚠ {changed[0]}", "#ff8787"
        elif mine:
            last = mine[-1]
            text, colour = f"✔ {last.decision_text} by {last.who}, {last.when}", DECISION_COLOURS.get(last.decision)
        elif link is not None:
            text, colour = "Review: not signed off (Review ▸ Sign off…)", "#9aa4b0"
        else:
            text, colour = "", "#9aa4b0"
        shown = text if len(text) <= 90 else text[:88] + "…"
        self.label.setText(f"<span style='color:{colour}'>{html.escape(shown)}</span>")
        self.label.setToolTip("\n".join([text] + tips) if text else "")
        self.status_changed.emit(text)

    def show_log(self) -> None:
        ReviewLogDialog.ask(self.window, entries(self.log()), self.problems, [str(c) for c in self.changed],
                            str(self.view.case_path() or ""))

    # --- signing -------------------------------------------------------------------------
    def _case_file_for_signing(self) -> Path | None:
        """The case file to append to; asks (and saves the timeline there) when the one shown is
        the bundled example or there is none. None: cancelled or not saved."""
        from rtreview.core.timeline.case_file import bundled_example_path

        path = self.view.case_path()
        bundled = bundled_example_path()
        if path is not None and not (bundled.exists() and Path(path).resolve() == bundled.resolve()):
            return Path(path)
        case = self.session.case
        patient_id = case.patients[0].patient_id if case is not None and case.patients else ""
        loaded = getattr(self.window, "_loading", []) or []
        folder = loaded[0] if loaded and os.path.isdir(loaded[0]) else os.path.dirname(loaded[0]) if loaded else ""
        folder = self.prefs.last_folder("case") or folder or os.getcwd()
        suggested = os.path.join(folder, f"{patient_id or 'patient'}.case.json")
        chosen = CaseFileChooser.ask(self.window, suggested)
        if not chosen:
            return None
        if not self.view.case().patient.patient_id and patient_id:
            self.view.case().patient.patient_id = patient_id
        if not self.view.save_case(chosen):  # the timeline shown goes with the log
            return None
        self.prefs.remember_folder("case", chosen)
        return Path(chosen)

    def sign_off(self) -> bool:
        """Ask for the decision, then record it (see module docstring). False when not recorded."""
        case = self.session.case
        links = list(case.links) if case is not None else []
        if not links:
            self.window.show_message("Nothing to sign off: load a plan with its dose first")
            return False
        keys = {str(i): link for i, link in enumerate(links)}
        plans = [(k, _plan_text(link)) for k, link in keys.items()]
        current = {k for k, link in keys.items() if link is self.session.link} or {"0"}
        where = self.view.case_path()
        where_text = (f"Recorded in the review log of {where}" if where is not None else
                      "You will be asked where to save the case file that keeps the review log.")
        request = SignOffDialog.ask(self.window, plans, current, self.prefs.text("review/reviewer"),
                                    self.prefs.text("review/role"), where_text)
        if request is None:
            return False
        path = self._case_file_for_signing()
        if path is None:
            self.window.show_message("Sign-off not recorded: no case file to keep it in")
            return False
        self.prefs.set("review/reviewer", request.reviewer)
        self.prefs.set("review/role", request.role)
        chosen = [keys[k] for k in request.plans]

        def task(progress, cancel):
            from rtreview.core.review.case_log import append_sign_offs
            from rtreview.core.review.files import sign_off_for

            sign_offs = [sign_off_for(link, request.reviewer, request.role, request.decision, request.comment)
                         for link in chosen]
            return path, append_sign_offs(path, sign_offs)[0]

        self.runner.start("sign", task)
        return True

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Until the running check or sign-off is done (tests, the screenshot)."""
        loop_deadline = QtCore.QDeadlineTimer(timeout_ms)
        while self.runner.busy and not loop_deadline.hasExpired():
            QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return not self.runner.busy

    def shutdown(self) -> None:
        self.runner.shutdown()


def _plan_text(link) -> str:
    rx = f"{link.prescription_gy:g} Gy" if getattr(link, "prescription_gy", None) else "Rx unknown"
    fx = f" / {link.fractions} fx" if getattr(link, "fractions", None) else ""
    return f"{link.label} — {rx}{fx}"
