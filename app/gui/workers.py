"""Run core work off the GUI thread with progress and cancellation (after Orange3's
``concurrent.py``): one task at a time per runner; starting a task cancels the running one;
results of stale or cancelled tasks are dropped by a generation counter.

A task is a plain function ``fn(progress, cancel) -> result`` where ``progress(done, total,
message)`` may be called from the worker thread and ``cancel()`` returns True once the task
should stop (the core raises its ``...Cancelled`` exception then). Started with
``partial=True`` the function gets a third argument, ``partial(obj)``, to hand over partial
results (e.g. each structure's DVH as it is done), delivered as ``partial_result(name, obj)``.
"""
from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6 import QtCore

Task = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class _Job(QtCore.QThread):
    """One task on its own thread; reports through queued signals tagged with its generation."""

    progressed = QtCore.Signal(int, int, int, str)  # generation, done, total, message
    partial = QtCore.Signal(int, object)
    succeeded = QtCore.Signal(int, object)
    errored = QtCore.Signal(int, str, str)  # generation, message, traceback text (for logs only)
    stopped = QtCore.Signal(int)  # cancelled

    def __init__(self, generation: int, fn: Task, with_partial: bool = False,
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.generation = generation
        self._fn = fn
        self._with_partial = with_partial
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # worker thread
        try:
            if self._with_partial:
                result = self._fn(self._progress, self._cancel.is_set, self._partial)
            else:
                result = self._fn(self._progress, self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message, never a traceback dialog
            if self._cancel.is_set() or type(exc).__name__.endswith("Cancelled"):
                self.stopped.emit(self.generation)
            else:
                self.errored.emit(self.generation, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            return
        if self._cancel.is_set():
            self.stopped.emit(self.generation)
        else:
            self.succeeded.emit(self.generation, result)

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progressed.emit(self.generation, int(done), int(total), str(message))

    def _partial(self, obj: object) -> None:
        if not self._cancel.is_set():
            self.partial.emit(self.generation, obj)


class TaskRunner(QtCore.QObject):
    """Starts tasks and forwards the current task's signals; stale ones are ignored.

    Signals (current task only): ``progressed(done, total, message)``,
    ``partial_result(name, obj)``, ``finished(name,
    result)``, ``failed(name, message)``, ``cancelled(name)``, ``busy_changed(busy)``.
    """

    progressed = QtCore.Signal(int, int, str)
    partial_result = QtCore.Signal(str, object)
    finished = QtCore.Signal(str, object)
    failed = QtCore.Signal(str, str)
    cancelled = QtCore.Signal(str)
    busy_changed = QtCore.Signal(bool)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.generation = 0
        self._current: _Job | None = None
        self._name = ""
        self._jobs: set[_Job] = set()  # keep every started thread alive until it ends

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def task_name(self) -> str:
        return self._name if self._current is not None else ""

    def start(self, name: str, fn: Task, partial: bool = False) -> int:
        """Cancel the running task (if any) and start ``fn``; returns the new generation."""
        was_busy = self.busy
        self._cancel_current()
        self.generation += 1
        job = _Job(self.generation, fn, partial)
        job.progressed.connect(self._on_progress)
        job.partial.connect(self._on_partial)
        job.succeeded.connect(self._on_success)
        job.errored.connect(self._on_error)
        job.stopped.connect(self._on_stopped)
        job.finished.connect(lambda j=job: self._reap(j))
        self._jobs.add(job)
        self._current, self._name = job, name
        job.start()
        if not was_busy:
            self.busy_changed.emit(True)
        return self.generation

    def cancel(self) -> None:
        """Stop the running task now: its thread is told to stop and whatever it still
        delivers is dropped; ``cancelled`` and ``busy_changed(False)`` are emitted at once."""
        if self._current is not None:
            self._cancel_current()
            self.busy_changed.emit(False)

    @property
    def running_threads(self) -> int:
        """Threads not yet ended (cancelled tasks finish their current step in the background)."""
        return len(self._jobs)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel everything and wait for the threads (call before the window goes away)."""
        self._cancel_current()
        for job in list(self._jobs):
            job.cancel()
            job.wait(timeout_ms)

    def _cancel_current(self) -> None:
        if self._current is not None:
            self._current.cancel()
            name = self._name
            self._current = None
            self.cancelled.emit(name)

    def _is_current(self, generation: int) -> bool:
        return self._current is not None and generation == self.generation

    def _end(self) -> str:
        name = self._name
        self._current = None
        self.busy_changed.emit(False)
        return name

    def _on_progress(self, generation: int, done: int, total: int, message: str) -> None:
        if self._is_current(generation):
            self.progressed.emit(done, total, message)

    def _on_partial(self, generation: int, obj: object) -> None:
        if self._is_current(generation):
            self.partial_result.emit(self._name, obj)

    def _on_success(self, generation: int, result: object) -> None:
        if self._is_current(generation):
            if self._current.is_cancelled:
                self.cancelled.emit(self._end())
            else:
                self.finished.emit(self._end(), result)

    def _on_error(self, generation: int, message: str, trace: str) -> None:
        if self._is_current(generation):
            self.failed.emit(self._end(), message)

    def _on_stopped(self, generation: int) -> None:
        if self._is_current(generation):
            self.cancelled.emit(self._end())

    def _reap(self, job: _Job) -> None:
        self._jobs.discard(job)
        job.deleteLater()
