"""Where patient jobs run: in this process, in a local process pool, or on a Dask cluster.

Each runner takes the jobs and the JobOptions and yields one PatientResult per job as the jobs
complete (in completion order). A job that could not run at all (its worker process died, the
cluster lost it) comes back as a failed result with the reason; the others go on. Stopping
the iteration (an exception, Ctrl-C) cancels the jobs not yet started.

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
from typing import Iterable, Iterator

from .discover import PatientJob
from .job import JobOptions, PatientResult, run_patient

# One BLAS / OpenMP thread per process: parallelism is across patients, and the DVH engine's
# large np.dot sums round differently with different BLAS thread counts, so every runner uses
# one thread to give bit-identical tables (Dask's nanny sets the same variables in its workers).
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def pin_blas_threads() -> None:
    """Set SINGLE_THREAD_ENV in this process: effective only before numpy is first imported."""
    os.environ.update(SINGLE_THREAD_ENV)


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


def run_serial(jobs: Iterable[PatientJob], options: JobOptions) -> Iterator[PatientResult]:
    """One job after another in this process (BLAS threads as this process has them: see
    SINGLE_THREAD_ENV; ``rtreview batch`` pins them before numpy is imported)."""
    for job in jobs:
        yield run_patient(job, options)


def run_pool(jobs: Iterable[PatientJob], options: JobOptions, workers: int) -> Iterator[PatientResult]:
    """A local pool of ``workers`` processes (started with 'spawn': no state shared with this one,
    one BLAS thread each)."""
    jobs = list(jobs)
    if not jobs:
        return
    pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_sigint)
    try:
        with _child_env(SINGLE_THREAD_ENV):  # the pool starts its processes as jobs are submitted
            futures = {pool.submit(run_patient, job, options): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker process died (e.g. out of memory)
                yield lost(futures[future], exc, "worker process failed")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops the run and cancels what is queued."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class SchedulerError(Exception):
    """The Dask scheduler cannot be reached (or dask.distributed is not installed)."""


def run_dask(jobs: Iterable[PatientJob], options: JobOptions, address: str,
             timeout_s: float | None = None) -> Iterator[PatientResult]:
    """Submit every job to the Dask scheduler at ``address`` and yield results as they complete.

    ``timeout_s``: how long to try to connect (None: Dask's ``distributed.comm.timeouts.connect``,
    30 s unless configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``)."""
    try:
        from dask.distributed import Client, as_completed as dask_completed
    except ImportError as exc:
        raise SchedulerError("install dask[distributed] for --scheduler (pip install 'rtreview[cohort]')") from exc
    jobs = list(jobs)
    try:
        client = Client(address, **({} if timeout_s is None else {"timeout": timeout_s}))
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(f"cannot connect to the Dask scheduler at {address}: {exc}") from exc
    futures = []
    try:
        if not jobs:
            return
        # pure=False: every run computes again (results are not shared across runs by key).
        futures = client.map(run_patient, jobs, options=options, pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs)}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # lost worker, unpicklable result, ...
                yield lost(by_key[future.key], exc, "Dask task failed")
            future.release()  # free the result on the cluster once stored
    finally:
        if futures:
            client.cancel(futures)
        client.close()
