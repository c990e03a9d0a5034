"""Load the case and compute its DVHs on the second core while the window starts (``rtreview [PATH...]``).

Why: the window's own process holds one GIL. Its GUI thread (Qt and pyqtgraph imports, the
panels, drawing) and its worker threads (DICOM reading, DVHs) take turns on it, so a 2-core
machine works as one. ``start(paths)`` is called by ``rtreview.cli.main`` before Qt is imported
(the process has no thread yet, so ``fork`` is safe): a child process reads the DICOM
(``rtreview.core.dicom.loader.load``, as the window's load task) and computes the DVHs of every dose
link (``rtreview.core.dvh.iter_dvhs``, as the window's DVH task, with the prescription the window
would pass), while the parent imports Qt, paints the frame and builds the panels.

What travels (a pipe; the format: rtreview.gui.preload_messages): progress of the load, then the
Case, then per dose link and structure its Dvh (or None), in the order the window shows them:
the first reviewable link first, then the others.
The window's load task and DVH task (``load`` / ``dvhs`` below, passed as the window's ``load_fn``
and ``dvh_fn``) take them from there and hand them on exactly as ``tasks.load_case`` and
``tasks.dvhs_one_by_one`` would: the same objects, the same numbers, the same progress and
partial results; only the work was done in the other process.

The selected plan's constraint check (``check_plan``, the window's ``check_plan_fn``) is computed
by the child as well when it holds that plan with the very DVHs the window passes; the other
plans' DVHs follow once the window asks for one of them. The child's side, and the messages:
rtreview.gui.preload_child.

Anything else falls back to the in-process functions: other paths (a later File > Open), a
structure set / dose pair the child did not compute, a child that failed or was killed (the
in-process call then reports the error as before), platforms without ``fork``, or
``RTREVIEW_PRELOAD=0``. A cancelled load kills the child; ``close()`` (the window's end) too.
The child never touches Qt and ends with ``os._exit``.
"""
from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import signal
import struct
import sys
import threading
import weakref

from rtreview.gui import preload_child, preload_messages
from rtreview.gui.preload_child import dvh_order

POLL_S = 0.05  # how often a waiting task looks at its cancel()


def enabled() -> bool:
    """Linux, not switched off, and a process safe to fork: one thread, Qt not imported (not so
    when ``rtreview.cli.main.main`` is called inside another Qt program or a test run)."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork")
            and os.environ.get("RTREVIEW_PRELOAD", "1").strip() != "0"
            and threading.active_count() == 1 and not any(m.startswith(("PySide6", "shiboken6")) for m in sys.modules))


def start(paths: list[str]) -> "Preload | None":
    """Fork the child that loads ``paths`` (None when not enabled or the fork failed).

    The Qt-free modules both processes need (numpy, pydicom and the case classes via the captions
    the window imports first, the DVH engine) are imported once before the fork: the child starts
    reading at once and the parent imports them before PySide6 (whose import hook reads the
    source of every module imported after it)."""
    if not enabled():
        return None
    import rtreview.core.dvh  # noqa: F401
    import rtreview.core.viewing.captions  # noqa: F401
    import rtreview.gui.tasks  # noqa: F401
    paths = [str(p) for p in paths]
    gc.freeze()  # what is imported lives as long as the program: no collection walks it again (nor copies it)
    try:
        read_fd, write_fd = os.pipe()  # child -> window
        request_read_fd, request_write_fd = os.pipe()  # window -> child
    except OSError:
        return None
    preload_messages.widen_pipe(write_fd)
    try:
        pid = os.fork()
    except OSError:
        for fd in (read_fd, write_fd, request_read_fd, request_write_fd):
            os.close(fd)
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read_fd)
            os.close(request_write_fd)
            status = preload_child.run(paths, write_fd, request_read_fd)
        finally:
            os._exit(status)
    os.close(write_fd)
    os.close(request_read_fd)
    return Preload(paths, pid, read_fd, request_write_fd)


# --- the window's side ----------------------------------------------------------------------------
class _Unavailable(Exception):
    """What the window asks for is not coming from the child: compute it in-process."""


class Preload:
    """The parent's end: a reader thread drains the pipe (so the child never waits on it); the
    window's tasks take the messages in order."""

    def __init__(self, paths: list[str], pid: int, fd: int, request_fd: int):
        self.paths = paths
        self.pid = pid
        self._file = os.fdopen(fd, "rb", buffering=0)
        self._requests = os.fdopen(request_fd, "wb", buffering=0)
        self._request_lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self._rest_asked = False
        self._checks: dict[int, tuple] = {}  # request id -> ("checked", Evaluation) / ("check_failed", message)
        self._link_info: dict[int, tuple] = {}  # link index -> (prescription Gy, fractions) the child used
        self._handed: dict[int, dict] = {}  # link index -> {ROI number: the Dvh object handed to the window}
        self._messages: list = []  # (pickle, buffers), in arrival order
        self._ended = False  # the pipe closed (child done, failed or killed)
        self._cond = threading.Condition()
        self._load_taken = False
        self._case = None  # the Case from the child (held weakly once the window has it: see ``case``)
        self._dvh_links: dict[int, list] = {}  # link index -> [(number, total, dvh)] arrived
        self._dvh_state: dict[int, str] = {}  # link index -> "end" / "failed"
        self._read_upto = 0  # messages decoded so far
        self._decoding = threading.Lock()
        self._released = False  # the window dropped the case: nothing more is kept
        self._progress = None  # the load task's progress(), while it waits
        self._load_failed = False
        self.child_status: int | None = None
        self._reader = threading.Thread(target=self._read_all, name="rtreview-preload", daemon=True)
        self._reader.start()

    # reader thread
    def _read_all(self) -> None:
        read_exact = preload_messages.reader(self._file)
        try:
            while True:
                raw = preload_messages.read_raw(read_exact)
                if raw is None:
                    break
                with self._cond:
                    self._messages.append(None if self._released else raw)
                    self._cond.notify_all()
        except (OSError, struct.error, TypeError):
            pass  # a broken message: what did not arrive is computed in-process
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()
            self._file.close()
            self._reap()

    def _reap(self) -> None:
        try:
            _pid, status = os.waitpid(self.pid, 0)
            self.child_status = status
        except ChildProcessError:
            pass

    # decoding (in the window's task threads)
    def _decode_one(self, cancel) -> bool:
        """Decode the next message into this object's state; False when none is coming. One
        thread at a time (a cancelled task may still be waiting while the next one starts), so
        the messages are filed in their order; ``cancel()`` is polled while waiting."""
        while not self._decoding.acquire(timeout=POLL_S):
            if cancel is not None and cancel():
                raise _Cancelled()
        try:
            with self._cond:
                while self._read_upto >= len(self._messages) and not self._ended:
                    if cancel is not None and cancel():
                        raise _Cancelled()
                    self._cond.wait(POLL_S)
                if self._read_upto >= len(self._messages):
                    return False
                entry = self._messages[self._read_upto]
                self._messages[self._read_upto] = None  # decoded once: let the bytes go
                self._read_upto += 1
            if entry is None:  # dropped (``_release``)
                return True
            message = preload_messages.decode(entry)
            kind = message[0]
            if kind == "progress":
                if self._progress is not None:
                    self._progress(*message[1:])
            elif kind == "case":
                self._case = message[1]
            elif kind == "load_failed":
                self._load_failed = True
            elif kind == "dvh":
                self._dvh_links.setdefault(message[1], []).append(message[2:])
            elif kind == "dvhs_end":
                self._dvh_state[message[1]] = "end"
                self._link_info[message[1]] = tuple(message[2:])
            elif kind in ("checked", "check_failed"):
                self._checks[message[1]] = (kind, message[2])
            elif kind == "dvh_failed":
                self._dvh_state[message[1]] = "failed"
            return True
        finally:
            self._decoding.release()

    def _arrived(self) -> int:
        with self._cond:
            return len(self._messages)

    def _wait(self, cancel, until) -> bool:
        """Decode messages until ``until()`` is true; False when it never will be (pipe closed)."""
        while not until():
            if not self._decode_one(cancel):
                return until()
        return True

    def load(self, paths, progress=None, cancel=None):
        """The window's load task (``tasks.load_case``'s signature)."""
        from rtreview.gui.tasks import load_case

        paths = [str(p) for p in paths]
        if self._load_taken or paths != self.paths:
            return load_case(paths, progress=progress, cancel=cancel)
        self._load_taken = True
        self._progress = progress
        try:
            self._wait(cancel, lambda: self._case is not None or self._load_failed)
        except _Cancelled:
            self.close()
            from rtreview.core.dicom.loader import LoadCancelled
            raise LoadCancelled("load cancelled") from None
        finally:
            self._progress = None
        case = self.case
        if case is None:  # the child failed: the in-process load says why
            return load_case(paths, progress=progress, cancel=cancel)
        # from now on the window owns the case: once it lets it go (another case opened), what
        # the child sent for it is of no use and is dropped
        self._case = weakref.ref(case, lambda _ref: self._release())
        return case

    def dvhs(self, structure_set, dose, prescription_gy=None, progress=None, cancel=None, partial=None):
        """The window's DVH task (``tasks.dvhs_one_by_one``'s signature)."""
        from rtreview.core.dvh import DvhCancelled
        from rtreview.gui.tasks import collect_dvhs, dvhs_one_by_one

        try:
            index = self._link_index(structure_set, dose)
            try:
                self._wait(cancel, lambda: self._read_upto >= self._arrived())  # what has arrived so far
            except _Cancelled:
                raise DvhCancelled("cancelled before the first structure") from None
            if index is not None and self._dvh_state.get(index) == "end":
                partial = None  # all are in already: shown at once, not one by one
            return collect_dvhs(self._dvh_items(structure_set, dose, prescription_gy, cancel), dose,
                                progress=progress, partial=partial)
        except _Unavailable:  # (after some partial DVHs, maybe: the whole set replaces them)
            return dvhs_one_by_one(structure_set, dose, prescription_gy=prescription_gy, progress=progress,
                                   cancel=cancel, partial=partial)

    def _dvh_items(self, structure_set, dose, prescription_gy, cancel):
        """``dvh_items``' tuples of this structure set and dose, as the child sends them."""
        from rtreview.core.dvh import DvhCancelled

        index = self._link_index(structure_set, dose)
        if index is None:
            raise _Unavailable()
        if index != dvh_order(self.case)[0] and index not in self._dvh_state:
            self._ask_rest()  # the child waits with the others until the window wants them
        rois = list(structure_set.rois)
        handed = self._handed.setdefault(index, {})
        done = 0
        while done < len(rois):
            try:
                self._wait(cancel, lambda: len(self._dvh_links.get(index, ())) > done or index in self._dvh_state)
            except _Cancelled:
                raise DvhCancelled(f"cancelled after {done} of {len(rois)} structures") from None
            arrived = self._dvh_links.get(index, [])
            if len(arrived) <= done:
                raise _Unavailable()  # failed, or the pipe closed early
            number, total, dvh = arrived[done]
            if total != len(rois) or number != done:
                raise _Unavailable()
            if cancel is not None and cancel():  # polled once per structure, as the engine
                raise DvhCancelled(f"cancelled after {done} of {total} structures")
            if dvh is not None and dvh.prescription_gy != prescription_gy:
                dvh = dataclasses.replace(dvh, prescription_gy=prescription_gy)  # only stored in a Dvh
            if dvh is not None:
                handed[rois[number].number] = dvh
            yield number, total, rois[number], dvh
            done += 1

    @property
    def case(self):
        """The Case the child read (None before it arrived, after a failure, or once the window
        dropped it)."""
        case = self._case
        return case() if isinstance(case, weakref.ref) else case

    def _release(self) -> None:
        with self._cond:
            self._released = True
            self._messages = [None] * len(self._messages)
            self._dvh_links.clear()

    def _link_index(self, structure_set, dose) -> int | None:
        case = self.case
        if case is None:
            return None
        for i, link in enumerate(case.links):
            if link.structure_set is structure_set and link.dose is dose:
                return i
        return None

    # --- the plan's constraint check -------------------------------------------------------
    def check_plan(self, link, protocol, manual=None, progress=None, cancel=None, dvhs=None, alpha_beta=None,
                   child_pugh=None, child_pugh_text=""):
        """The constraints panel's plan check (``tasks.check_plan_task``'s signature), computed by the
        child when it holds this very plan with the DVHs the window passes (the ones it handed
        over, the same prescription and fractions); else here."""
        from rtreview.core.viewing.captions import prescription_gy
        from rtreview.gui.tasks import check_plan_task

        def here():
            return check_plan_task(link, protocol, manual, progress, cancel, dvhs=dvhs, alpha_beta=alpha_beta,
                                   child_pugh=child_pugh, child_pugh_text=child_pugh_text)

        index = self._link_index(link.structure_set, link.dose)
        handed = self._handed.get(index) if index is not None else None
        if handed:
            try:  # the link's last message (its prescription and fractions) follows its last DVH
                self._wait(cancel, lambda: index in self._dvh_state)
            except _Cancelled:
                raise CheckCancelled("constraint check cancelled") from None
        if (not dvhs or not handed or self._link_info.get(index) != (prescription_gy(link), link.fractions)
                or len(dvhs) != len(handed) or any(dvhs.get(n) is not d for n, d in handed.items())):
            return here()
        request = next(self._request_ids)
        if not self._request(("check", request, index, protocol, manual, alpha_beta, child_pugh, child_pugh_text)):
            return here()
        if progress is not None:
            progress(0, 1, f"Checking {link.label} against {protocol.name}")
        try:
            self._wait(cancel, lambda: request in self._checks)
        except _Cancelled:
            raise CheckCancelled("constraint check cancelled") from None
        kind, evaluation = self._checks.pop(request, (None, None))
        if kind != "checked":
            return here()  # (the child could not: here it fails the same way, or works)
        for name, dvh in list(evaluation.dvhs.items()):  # the window's own objects, not equal copies
            mine = dvhs.get(getattr(dvh, "roi_number", None))
            if mine is not None and preload_child.same_dvh(mine, dvh):
                evaluation.dvhs[name] = mine
        return evaluation

    def _request(self, message) -> bool:
        with self._request_lock:
            if self._requests is None:
                return False
            try:
                preload_messages.send(self._requests, message)
                return True
            except OSError:  # the child is gone
                self._close_requests()
                return False

    def all_shown(self) -> None:
        """The window shows the first load: the child need not wait for more checks (it computes the
        other plans' DVHs, if any, and ends)."""
        self._ask_rest()

    def _ask_rest(self) -> None:
        if not self._rest_asked:
            self._rest_asked = True
            self._request(("rest",))

    def _close_requests(self) -> None:
        if self._requests is not None:
            try:
                self._requests.close()
            except OSError:
                pass
            self._requests = None

    def close(self) -> None:
        """Stop the child if it still runs (the window closes, or its load was cancelled)."""
        with self._request_lock:
            self._close_requests()
        with self._cond:
            ended = self._ended
        if not ended:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self._reader.join(timeout=5)


class CheckCancelled(Exception):
    """The window's plan check was cancelled while the child computed it."""


class _Cancelled(Exception):
    """The waiting task's ``cancel()`` turned True."""
