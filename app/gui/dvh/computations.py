"""DvhComputations: the review window's DVH computations, run in its TaskRunner (task ``"dvh"``).

The selected plan's DVHs are computed when it is shown without them; once a load is on screen the
window computes the case's other doses ahead, one at a time (``start_next``), so switching plans
is instant. Partial results reach the session in batches (``PartialDvhBatches``, at most every
``PARTIAL_DVH_INTERVAL_MS``: each batch redraws the plot and tables once). A dose whose
computation was cancelled is not started again by itself (``stop``)."""
from __future__ import annotations

from rtreview.core.viewing import captions

from rtreview.gui.session import PartialDvhBatches

PARTIAL_DVH_INTERVAL_MS = 60


class DvhComputations:
    """The window's DVH tasks (``MainWindow.dvh_tasks``): it reads the window's session, runner and ``dvh_fn``."""

    def __init__(self, window):
        self.window, self.session = window, window.session
        self.partial = PartialDvhBatches(self.session, PARTIAL_DVH_INTERVAL_MS, window)
        self.link = None  # the link of the running DVH task (failures are its)
        self._stopped: set[int] = set()  # doses whose DVH computation was cancelled

    def show_link(self, link) -> None:
        """``link`` is selected: its DVHs are computed unless the session has them (or it has no dose)."""
        window = self.window
        if link is not None and link.dose is None:
            window.show_message(f"{captions.plan_caption(link)}: {captions.no_dose_text(link)}")
            return
        if link is not None and link.structure_set is not None and not self.session.has_dvhs(link):
            self.start(link)
        elif link is not None and self.session.has_dvhs(link):
            window.show_message(self.ready_message())

    def start(self, link) -> None:
        """Compute ``link``'s DVHs with the window's ``dvh_fn`` (replacing the runner's task)."""
        self.link = link
        self._stopped.discard(id(link.dose))
        dvh_fn, rx = self.window.dvh_fn, captions.prescription_gy(link)
        self.window.runner.start("dvh", lambda progress, cancel, partial: (link, dvh_fn(
            link.structure_set, link.dose, prescription_gy=rx, progress=progress, cancel=cancel,
            partial=lambda number, dvh: partial((link, number, dvh)))), partial=True)
        if link is self.session.link:  # plans computed ahead stay quiet
            self.window.show_message(f"Computing DVHs of {link.label}…")

    def coming(self, link) -> bool:
        """The window computes (or is about to compute) ``link``'s DVHs."""
        return (link is not None and link.structure_set is not None and not self.session.has_dvhs(link)
                and id(link.dose) not in self._stopped)

    def next_link(self):
        """A dose of the case still without DVHs (computed ahead so switching plans is instant)."""
        case = self.session.case
        for link in (case.links if case is not None else []):
            if link.structure_set is not None and not self.session.has_dvhs(link):
                return link
        return None

    def start_next(self) -> bool:
        """Start computing ``next_link()``'s DVHs; False when every dose has them."""
        nxt = self.next_link()
        if nxt is not None:
            self.start(nxt)
        return nxt is not None

    def finished(self, link, dvhs: dict) -> None:
        self.partial.drop()
        self.session.set_dvhs(link, dvhs)
        if link is self.session.link:
            self.window.show_message(f"DVHs of {link.label}: {len(dvhs)} structures")

    def stop(self) -> None:
        """The running computation was cancelled: its dose is not computed again by itself."""
        self._stopped.add(id(self.link.dose))

    def ready_message(self) -> str:
        from rtreview.gui.dvh.curves import has_curve

        link = self.session.link
        if link is None:
            return "Ready"
        n = sum(1 for d in self.session.dvhs.values() if has_curve(d))
        outside = len(self.session.dvhs) - n
        more = f" ({outside} outside the dose grid)" if outside else ""
        return (f"{captions.plan_caption(link)}: DVHs of {n} structures{more} — hover the images for dose, "
                "the curves for values")
