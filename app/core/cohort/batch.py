"""A whole cohort run: discover patients, skip those already done, run the rest, store each.

``run_batch(root, out, ...)`` is what ``rtreview batch`` does; it returns a BatchSummary. Each
finished patient is stored (one transaction) as soon as its result arrives, so stopping the run
at any point (Ctrl-C, a crash, a killed process) keeps every patient already stored.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TextIO

from .discover import FailedInput, discover
from .job import DONE, JobOptions, load_protocols, run_patient
from .progress import BatchProgress, summary_lines
from .runners import lost, open_runner
from .store_tabular import open_store


@dataclass
class BatchSummary:
    out: str
    runner: str = "serial"
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    failed_inputs: list[FailedInput] = field(default_factory=list)
    plans: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False
    rx_applied: dict[str, int] = field(default_factory=dict)  # --rx label -> plans it was applied to

    @property
    def ok(self) -> bool:
        """True when no patient or input failed (and the run was not interrupted)."""
        return not (self.failed or self.failed_inputs or self.interrupted)

    def lines(self) -> list[str]:
        lines = summary_lines(self.done, self.skipped, self.failed, self.failed_inputs, self.elapsed_s,
                              self.plans, self.out, self.interrupted)
        for label, count in self.rx_applied.items():
            lines.append(f"--rx {label}: applied to {count} patient(s)" if count else
                         f"--rx {label}: no plan with this label in the patients computed")
        return lines


def choose_runner(workers: int | None, scheduler: str | None) -> tuple[str, int]:
    """('dask' | 'pool' | 'serial', worker count): a scheduler wins; --workers 1 is serial."""
    if scheduler:
        return "dask", 0
    n = workers if workers is not None else (os.cpu_count() or 1)
    return ("serial", 1) if n <= 1 else ("pool", n)


def run_batch(root: str | os.PathLike[str], out: str | os.PathLike[str], *, protocol: str | None = None,
              workers: int | None = None, scheduler: str | None = None, recompute: bool = False,
              bin_width_gy: float | None = None, stream: TextIO | None = None, tty: bool | None = None,
              version: str = "", runner: str | None = None,
              prescriptions: tuple[tuple[str, float, int], ...] = ()) -> BatchSummary:
    """Run the cohort under ``root`` into ``out`` (see the module docstring).

    The runner follows ``choose_runner(workers, scheduler)`` unless ``runner`` names one
    ('pool' with ``workers`` = 1 is a pool of one worker process, e.g. for benchmarks).

    Raises StoreError (unusable output), KeyError / ProtocolError (unknown protocol) and
    SchedulerError (Dask unreachable) before any patient is computed.
    """
    t0 = time.monotonic()
    root, out = os.path.abspath(os.fspath(root)), os.fspath(out)
    if protocol and os.path.isfile(protocol):
        protocol = os.path.abspath(protocol)  # workers may run in another folder
    options = JobOptions(protocol=protocol, bin_width_gy=bin_width_gy, prescriptions=tuple(prescriptions))
    if protocol:
        load_protocols(protocol)  # an unknown name fails here, not once per patient
    chosen, n_workers = choose_runner(workers, scheduler)
    if runner is None:
        runner = chosen
    elif runner == "pool":
        n_workers = workers or os.cpu_count() or 1
    summary = BatchSummary(out, runner, rx_applied={label: 0 for label, _, _ in prescriptions})
    store = open_store(out)
    try:
        with open_runner(runner, n_workers, scheduler) as engine:
            found = discover(root, imap=engine.imap)  # header scans run on the workers too
            summary.failed_inputs = list(found.failed_inputs)
            store.write_failed_inputs(found.failed_inputs)
            already = set() if recompute else store.done_patients()
            todo = [job for job in found.jobs if job.patient_id not in already]
            summary.skipped = [job.patient_id for job in found.jobs if job.patient_id in already]
            run_id = store.start_run(root, runner, n_workers, protocol, bin_width_gy, recompute, version)
            progress = BatchProgress(len(todo), stream, tty)
            progress.skipped(summary.skipped)
            results = engine.imap(run_patient, todo, options=options)
            try:
                for job, result, error in results:
                    if error is not None:
                        result = lost(job, error, f"{engine.name} worker failed")
                    store.write_patient(result, run_id)
                    progress.finished(result)
                    summary.plans += result.n_plans
                    for label in result.rx_applied:
                        summary.rx_applied[label] = summary.rx_applied.get(label, 0) + 1
                    if result.status == DONE:
                        summary.done.append(result.patient_id)
                    else:
                        summary.failed[result.patient_id] = result.reason
            except KeyboardInterrupt:
                summary.interrupted = True
            finally:
                results.close()  # cancels what has not started
                progress.close()
                summary.elapsed_s = time.monotonic() - t0
                store.finish_run(run_id, len(summary.done), len(summary.skipped),
                                 len(summary.failed) + len(summary.failed_inputs))
    finally:
        store.close()
    return summary
