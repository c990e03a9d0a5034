"""The start-up's second process (rtreview.gui.preload) and the messages it exchanges with the window.

The child (``run``) reads the case, sends it, computes the DVHs of the link the window shows
first and sends them structure by structure. Then it answers the window's requests: the plan's
constraint check (``("check", id, link index, protocol, manual, alpha_beta, child_pugh,
child_pugh_text)``, computed by ``tasks.check_plan_task`` exactly as the window's constraints
panel calls it, with this process's DVHs of that link, which are the ones the window shows) until
the window asks for the rest (``("rest",)``, when it wants another plan's DVHs) or has asked
nothing for ``REST_WAIT_S``; then, at a lower priority, the other links' DVHs (still answering
checks between two structures), and it ends.

How a message travels through the pipes (both ways): rtreview.gui.preload_messages.
"""
from __future__ import annotations

import dataclasses
import os
import select
import time

from rtreview.gui.preload_messages import decode, read_raw, reader, send

PROGRESS_INTERVAL_S = 0.05  # the load's progress is reported at most this often
REST_WAIT_S = 10.0  # after the first link: go on with the others when the window asked nothing this long


def same_dvh(a, b) -> bool:
    """Two Dvh objects hold the same values (arrays element for element)."""
    import numpy as np
    if type(a) is not type(b) or not dataclasses.is_dataclass(a):
        return False
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            if not (isinstance(y, np.ndarray) and x.dtype == y.dtype and np.array_equal(x, y)):
                return False
        elif not (x == y or (x != x and y != y)):  # NaN statistics of an empty structure
            return False
    return True


def dvh_order(case) -> list[int]:
    """Indices into ``case.links`` of the links whose DVHs the window computes, in its order: the
    link it selects first (``ReviewSession.set_case``), then the others (``DvhComputations.next_link``)."""
    links = case.links
    order = [i for i, link in enumerate(links) if link.structure_set is not None]
    first = case.review_links[0] if case.review_links else None
    for i in order:
        if links[i] is first:
            order.remove(i)
            order.insert(0, i)
            break
    return order


class _Requests:
    """The window's requests (a pipe), answered between pieces of the child's own work."""

    def __init__(self, fd: int, out, case):
        self.file = os.fdopen(fd, "rb", buffering=0)
        self.read_exact = reader(self.file)
        self.out, self.case = out, case
        self.dvhs: dict[int, dict] = {}  # link index -> {ROI number: Dvh} as the window has them
        self.rest = False  # the window asked for the other links (or went quiet, or away)

    def serve(self, wait_s: float) -> None:
        """Answer what has come; with ``wait_s`` > 0, wait for requests until ``rest`` (or that long
        without one)."""
        while True:
            ready, _, _ = select.select([self.file], [], [], wait_s if not self.rest else 0)
            if not ready:
                if wait_s > 0:
                    self.rest = True  # nothing asked for that long
                return
            raw = read_raw(self.read_exact)
            if raw is None:  # the window closed its end
                self.rest = True
                return
            message = decode(raw)
            if message[0] == "rest":
                self.rest = True
            elif message[0] == "check":
                self._check(*message[1:])
            if self.rest and wait_s > 0:
                return

    def _check(self, request: int, index: int, protocol, manual, alpha_beta, child_pugh, child_pugh_text) -> None:
        from rtreview.gui.tasks import check_plan_task

        dvhs = self.dvhs.get(index)
        if dvhs is None:
            send(self.out, ("check_failed", request, "the DVHs of that plan are not computed here"))
            return
        try:
            evaluation = check_plan_task(self.case.links[index], protocol, manual, dvhs=dict(dvhs),
                                         alpha_beta=alpha_beta, child_pugh=child_pugh,
                                         child_pugh_text=child_pugh_text)
        except Exception as exc:  # noqa: BLE001 - the window checks in-process then (and reports it)
            send(self.out, ("check_failed", request, f"{type(exc).__name__}: {exc}"))
            return
        send(self.out, ("checked", request, evaluation))


def run(paths: list[str], fd: int, request_fd: int) -> int:
    """The child's whole work (see the module docstring); its exit status."""
    out = os.fdopen(fd, "wb", buffering=0)
    try:
        from rtreview.core.viewing.captions import prescription_gy
        from rtreview.gui.tasks import dvh_items, load_case

        last = [0.0]

        def progress(done: int, total: int, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
                last[0] = now
                send(out, ("progress", done, total, message))

        try:
            case = load_case(paths, progress=progress)
        except Exception as exc:  # noqa: BLE001 - the window's in-process load says what it is
            send(out, ("load_failed", f"{type(exc).__name__}: {exc}"))
            return 0
        send(out, ("case", case))
        requests = _Requests(request_fd, out, case)
        for position, index in enumerate(dvh_order(case)):
            if position == 1:
                requests.serve(REST_WAIT_S)  # the first plan's check comes first
                _lower_priority()  # the others are computed ahead: the window's own work comes first
            link = case.links[index]
            computed = {}
            try:
                for number, total, roi, dvh in dvh_items(link.structure_set, link.dose,
                                                         prescription_gy=prescription_gy(link)):
                    send(out, ("dvh", index, number, total, dvh))
                    if dvh is not None:
                        computed[roi.number] = dvh
                    if position:
                        requests.serve(0)
            except Exception as exc:  # noqa: BLE001 - the window computes this link itself then
                send(out, ("dvh_failed", index, f"{type(exc).__name__}: {exc}"))
                continue
            requests.dvhs[index] = computed
            send(out, ("dvhs_end", index, prescription_gy(link), link.fractions))
        requests.serve(0 if requests.rest else REST_WAIT_S)
        send(out, ("end",))
        return 0
    except BrokenPipeError:  # the window went away
        return 0
    finally:
        try:
            out.close()
        except OSError:
            pass


def _lower_priority() -> None:
    try:
        os.nice(10)
    except OSError:
        pass
