"""Progress of a batch run: a bar with counts and ETA on a terminal, plain log lines otherwise.

``BatchProgress.finished(result)`` after each patient, ``skipped(ids)`` for those already done;
``summary_lines(...)`` lists done / skipped / failed (with reasons) at the end.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

from .discover import FailedInput
from .job import DONE, PatientResult

BAR_WIDTH = 24


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class BatchProgress:
    """Counts and ETA for ``total`` patients to compute, written to ``stream``."""

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total, self.done, self.failed, self.skipped_count, self.plans = total, 0, 0, 0, 0
        self.t0 = time.monotonic()

    @property
    def completed(self) -> int:
        return self.done + self.failed

    def eta_s(self) -> float | None:
        if self.completed == 0:
            return None
        elapsed = time.monotonic() - self.t0
        return elapsed / self.completed * (self.total - self.completed)

    def skipped(self, patient_ids: list[str]) -> None:
        self.skipped_count += len(patient_ids)
        if patient_ids and not self.tty:
            self._line(f"{len(patient_ids)} patient(s) already in the output: skipped (--recompute to redo)")

    def finished(self, result: PatientResult) -> None:
        if result.status == DONE:
            self.done += 1
        else:
            self.failed += 1
        self.plans += result.n_plans
        if self.tty:
            self._bar()
        else:
            what = "done" if result.status == DONE else f"FAILED: {result.reason}"
            self._line(f"[{self.completed}/{self.total}] {result.patient_id}: {what} "
                       f"({result.n_plans} plan(s), {result.elapsed_s:.1f} s)")

    def _bar(self) -> None:
        filled = int(BAR_WIDTH * self.completed / self.total) if self.total else BAR_WIDTH
        eta = self.eta_s()
        text = (f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.completed}/{self.total} patients"
                f"  done {self.done}  failed {self.failed}  skipped {self.skipped_count}"
                f"  ETA {format_duration(eta) if eta is not None else '?'}  ")
        self.stream.write(text)
        self.stream.flush()

    def _line(self, text: str) -> None:
        self.stream.write(f"rtreview batch: {text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.total:
            self.stream.write("\n")
            self.stream.flush()

    def plans_per_minute(self) -> float:
        elapsed = time.monotonic() - self.t0
        return 60.0 * self.plans / elapsed if elapsed > 0 else 0.0


def summary_lines(done: list[str], skipped: list[str], failed: dict[str, str],
                  failed_inputs: list[FailedInput], elapsed_s: float, plans: int, out: str,
                  interrupted: bool = False) -> list[str]:
    """The end-of-run summary: counts, then every failed patient / input with its reason."""
    lines = [f"{'interrupted' if interrupted else 'finished'} in {format_duration(elapsed_s)}: "
             f"{len(done)} done, {len(skipped)} skipped (already in the output), "
             f"{len(failed) + len(failed_inputs)} failed; {plans} plan(s) computed; output {out}"]
    for pid, reason in sorted(failed.items()):
        lines.append(f"  failed patient {pid}: {reason}")
    for item in failed_inputs:
        lines.append(f"  failed input {item.path}: {item.reason}")
    return lines
