"""Load the case and compute its DVHs on the second core while the window starts (``rtreview [PATH...]``).

Why: the window's own process holds one GIL. Its GUI thread (Qt and pyqtgraph imports, the
panels, drawing) and its worker threads (DICOM reading, DVHs) take turns on it, so a 2-core
machine works as one. ``start(paths)`` is called by ``rtreview.cli.main`` before Qt is imported
(the process has no thread yet, so ``fork`` is safe): a child process reads the DICOM
(``rtreview.core.dicom.loader.load``, as the window's load task) and computes the DVHs of every dose
link (``rtreview.core.dvh.iter_dvhs``, as the window's DVH task, with the prescription the window
would pass), while the parent imports Qt, paints the frame and builds the panels.

What travels (a pipe; pickle protocol 5, the numpy arrays out of band, read-only ones stay
read-only): progress of the load, then the Case, then per dose link and structure its Dvh (or
None), in the order the window shows them: the first reviewable link first, then the others.
The window's load task and DVH task (``load`` / ``dvhs`` below, passed as the window's ``load_fn``
and ``dvh_fn``) take them from there and hand them on exactly as ``tasks.load_case`` and
``tasks.dvhs_one_by_one`` would: the same objects, the same numbers, the same progress and
partial results; only the work was done in the other process.

Anything else falls back to the in-process functions: other paths (a later File > Open), a
structure set / dose pair the child did not compute, a child that failed or was killed (the
in-process call then reports the error as before), platforms without ``fork``, or
``RTREVIEW_PRELOAD=0``. A cancelled load kills the child; ``close()`` (the window's end) too.
The child never touches Qt and ends with ``os._exit``.
"""
from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import signal
import struct
import sys
import threading
import time
import weakref

_HEADER = struct.Struct("!QI")  # pickle length, number of out-of-band buffers
_BUFFER = struct.Struct("!Q?")  # buffer length, read-only
IN_BAND_BYTES = 1 << 16  # smaller arrays travel inside the pickle (one write each is not worth it)
PROGRESS_INTERVAL_S = 0.05  # the child reports the load's progress at most this often
POLL_S = 0.05  # how often a waiting task looks at its cancel()


def enabled() -> bool:
    """Linux, not switched off, and a process safe to fork: one thread, Qt not imported (not so
    when ``rtreview.cli.main.main`` is called inside another Qt program or a test run)."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork")
            and os.environ.get("RTREVIEW_PRELOAD", "1").strip() != "0"
            and threading.active_count() == 1 and not any(m.startswith(("PySide6", "shiboken6")) for m in sys.modules))


def start(paths: list[str]) -> "Preload | None":
    """Fork the child that loads ``paths`` (None when not enabled or the fork failed).

    The Qt-free modules both processes need (numpy, pydicom, the loader, the DVH engine, the
    captions the window imports first) are imported once before the fork: the child starts
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
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        status = 1
        try:
            status = _child(paths, write_fd)
        finally:
            os._exit(status)
    os.close(write_fd)
    return Preload(paths, pid, read_fd)


# --- the child ------------------------------------------------------------------------------------
def _child(paths: list[str], fd: int) -> int:
    out = os.fdopen(fd, "wb", buffering=0)
    try:
        from rtreview.core.viewing.captions import prescription_gy
        from rtreview.gui.tasks import dvh_items, load_case

        last = [0.0]

        def progress(done: int, total: int, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
                last[0] = now
                _send(out, ("progress", done, total, message))

        try:
            case = load_case(paths, progress=progress)
        except Exception as exc:  # noqa: BLE001 - the window's in-process load says what it is
            _send(out, ("load_failed", f"{type(exc).__name__}: {exc}"))
            return 0
        _send(out, ("case", case))
        order = dvh_order(case)
        for index in order:
            link = case.links[index]
            try:
                for number, total, _roi, dvh in dvh_items(link.structure_set, link.dose,
                                                          prescription_gy=prescription_gy(link)):
                    _send(out, ("dvh", index, number, total, dvh))
            except Exception as exc:  # noqa: BLE001 - the window computes this link itself then
                _send(out, ("dvh_failed", index, f"{type(exc).__name__}: {exc}"))
                continue
            _send(out, ("dvhs_end", index))
            if index == order[0]:
                _lower_priority()  # the others are computed ahead: the window's own work comes first
        _send(out, ("end",))
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


def dvh_order(case) -> list[int]:
    """Indices into ``case.links`` of the links whose DVHs the window computes, in its order: the
    link it selects first (``ReviewSession.set_case``), then the others (``MainWindow._next_dvh_link``)."""
    links = case.links
    order = [i for i, link in enumerate(links) if link.structure_set is not None]
    first = case.review_links[0] if case.review_links else None
    for i in order:
        if links[i] is first:
            order.remove(i)
            order.insert(0, i)
            break
    return order


def _send(out, message) -> None:
    buffers: list = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        if buffer.raw().nbytes < IN_BAND_BYTES:
            return True  # in band
        buffers.append(buffer)
        return False

    payload = pickle.dumps(message, protocol=5, buffer_callback=out_of_band)
    raws = [b.raw() for b in buffers]
    head = _HEADER.pack(len(payload), len(raws)) + b"".join(_BUFFER.pack(r.nbytes, r.readonly) for r in raws)
    for chunk in (head, payload, *raws):
        _write_all(out, memoryview(chunk).cast("B"))


def _write_all(out, view: memoryview) -> None:
    while len(view):
        n = out.write(view)
        view = view[n:]


# --- the window's side ----------------------------------------------------------------------------
class _Unavailable(Exception):
    """What the window asks for is not coming from the child: compute it in-process."""


class Preload:
    """The parent's end: a reader thread drains the pipe (so the child never waits on it); the
    window's tasks take the messages in order."""

    def __init__(self, paths: list[str], pid: int, fd: int):
        self.paths = paths
        self.pid = pid
        self._file = os.fdopen(fd, "rb", buffering=0)
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
        try:
            while True:
                head = self._read_exact(_HEADER.size)
                if head is None:
                    break
                size, count = _HEADER.unpack(head)
                specs = [_BUFFER.unpack(self._read_exact(_BUFFER.size) or b"") for _ in range(count)]
                payload = self._read_exact(size)
                buffers = []
                for nbytes, readonly in specs:
                    data = self._read_exact(nbytes)
                    view = memoryview(data)
                    buffers.append(view.toreadonly() if readonly else view)
                with self._cond:
                    self._messages.append(None if self._released else (payload, buffers))
                    self._cond.notify_all()
        except (OSError, struct.error, TypeError):
            pass  # a broken message: what did not arrive is computed in-process
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()
            self._file.close()
            self._reap()

    def _read_exact(self, n: int) -> bytearray | None:
        data = bytearray(n)
        view, got = memoryview(data), 0
        while got < n:
            r = self._file.readinto(view[got:])
            if not r:
                if got == 0 and n:
                    return None
                raise OSError("the preload pipe closed mid-message")
            got += r
        return data

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
            payload, buffers = entry
            message = pickle.loads(payload, buffers=buffers)
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
        rois = list(structure_set.rois)
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

    def close(self) -> None:
        """Stop the child if it still runs (the window closes, or its load was cancelled)."""
        with self._cond:
            ended = self._ended
        if not ended:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self._reader.join(timeout=5)


class _Cancelled(Exception):
    """The waiting task's ``cancel()`` turned True."""
