"""Where the work runs: in this process, in a local process pool, or on a Dask cluster.

A runner is a context manager with ``imap(fn, items, **kwargs)``, which yields
``(item, fn(item, **kwargs), error)`` for every item as the calls complete (in completion
order); ``error`` is the exception when a call could not return (its worker process died, the
cluster lost it), and the others go on. Closing the iterator early (an exception, Ctrl-C)
cancels the calls not yet started. ``run_batch`` uses one runner for both the header scans
(``discover``) and the patient jobs (``run_patient``).

Distribution beyond one machine is Dask distributed's (``Client(address).map`` +
``as_completed``): we do not schedule, retry or move data ourselves. Workers must be able to
import rtreview and to read the input files at the same paths (a shared file system).
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterable, Iterator

from .discover import PatientJob
from .job import PatientResult

# One BLAS / OpenMP thread per process: parallelism is across patients, and the DVH engine's
# large np.dot sums round differently with different BLAS thread counts, so every runner uses
# one thread to give bit-identical tables (Dask's nanny sets the same variables in its workers).
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

Completed = Iterator[tuple[object, object, BaseException | None]]


@contextlib.contextmanager
def _child_env(extra: dict[str, str]):
    """os.environ with ``extra`` while child processes are started (they copy it), then restored."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def lost(job: PatientJob, exc: BaseException, where: str) -> PatientResult:
    """The failed result of a job whose worker could not return one."""
    result = PatientResult(job.patient_id, inputs=job.inputs)
    result.fail(f"{where}: {type(exc).__name__}: {exc}")
    return result


class SerialRunner(contextlib.AbstractContextManager):
    """One call after another in this process (BLAS threads as this process has them: see
    SINGLE_THREAD_ENV; ``rtreview batch`` pins them before numpy is imported)."""

    name, workers = "serial", 1

    def imap(self, fn: Callable, items: Iterable, **kwargs) -> Completed:
        for item in items:
            yield item, fn(item, **kwargs), None

    def __exit__(self, *exc) -> None:
        return None


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops the run and cancels what is queued."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolRunner(contextlib.AbstractContextManager):
    """A local pool of ``workers`` processes (started with 'spawn': no state shared with this
    one; one BLAS thread each), kept for every ``imap`` until the runner is closed."""

    name = "pool"

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_ignore_sigint)

    def imap(self, fn: Callable, items: Iterable, **kwargs) -> Completed:
        with _child_env(SINGLE_THREAD_ENV):  # the pool starts its processes as calls are submitted
            futures = {self.pool.submit(fn, item, **kwargs): item for item in items}
        try:
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result(), None
                except Exception as exc:  # the worker process died (e.g. out of memory)
                    yield futures[future], None, exc
        finally:
            for future in futures:
                future.cancel()

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class SchedulerError(Exception):
    """The Dask scheduler cannot be reached (or dask.distributed is not installed)."""


class DaskRunner(contextlib.AbstractContextManager):
    """Calls submitted to the Dask scheduler at ``address`` (``Client.map`` + ``as_completed``).

    ``timeout_s``: how long to try to connect (None: Dask's ``distributed.comm.timeouts.connect``,
    30 s unless configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``)."""

    name, workers = "dask", 0

    def __init__(self, address: str, timeout_s: float | None = None):
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise SchedulerError("install dask[distributed] for --scheduler (pip install 'rtreview[cohort]')") from exc
        try:
            self.client = Client(address, **({} if timeout_s is None else {"timeout": timeout_s}))
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(f"cannot connect to the Dask scheduler at {address}: {exc}") from exc

    def imap(self, fn: Callable, items: Iterable, **kwargs) -> Completed:
        from dask.distributed import as_completed as dask_completed

        items = list(items)
        if not items:
            return
        # pure=False: every run computes again (results are not shared across runs by key).
        futures = self.client.map(fn, items, pure=False, **kwargs)
        by_key = {f.key: item for f, item in zip(futures, items)}
        try:
            for future in dask_completed(futures):
                try:
                    yield by_key[future.key], future.result(), None
                except Exception as exc:  # lost worker, unpicklable result, ...
                    yield by_key[future.key], None, exc
                future.release()  # free the result on the cluster once handed over
        finally:
            self.client.cancel(futures)

    def __exit__(self, *exc) -> None:
        self.client.close()


def open_runner(kind: str, workers: int = 1, scheduler: str | None = None):
    """A runner: 'serial', 'pool' (``workers`` processes) or 'dask' (the scheduler at ``scheduler``)."""
    if kind == "dask":
        return DaskRunner(scheduler)
    if kind == "pool":
        return PoolRunner(workers)
    return SerialRunner()
