"""Seeded DICOM fuzzing: mutate seed files, load them and compute DVHs, classify every outcome.

No third-party fuzzing library: a ``random.Random(seed)`` picks one mutation per case, so a
case is reproduced from ``(seed, case index)`` alone. Mutations: byte flips, truncation,
byte insertion/deletion, tag removal, wrong VR, wrong VM and absurd values (zero / negative /
NaN / inf spacing and scaling, 10^6 fractions, huge Rows/Columns/frames, ...), written as raw
elements so pydicom's own validation cannot stop them reaching the reader.

Each case runs in a forked child (memory capped with RLIMIT_AS, wall-clock timeout), so a
hang, a crash (signal) or runaway memory is caught and classified instead of taking the run
down. Outcomes:

- ``ok``: loaded (possibly with warnings) and every DVH computed or skipped with a reason;
- ``reported``: the mutated file was refused with a LoadReport error (a clear message);
- ``load_exception`` / ``dvh_exception``: an unhandled exception escaped (a bug);
- ``invalid``: loaded, but a DoseGrid / CtVolume / Dvh broke its invariants (a bug);
- ``timeout`` / ``crash``: the child hung or died.

Used by tests/test_fuzz.py (bounded, CI) and bench/fuzz_long.py (long runs).
"""
from __future__ import annotations

import faulthandler
import io
import json
import os
import random
import resource
import select
import signal
import tempfile
import time
import traceback
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Imported once here, so forked children run the code the run started with.
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import DvhOptions, compute_dvh, skip_reason
from fuzz_mutate import mutate

BAD_OUTCOMES = ("load_exception", "dvh_exception", "invalid", "timeout", "crash")


@dataclass
class Seed:
    name: str  # file name used when writing the mutated copy (keeps the extension)
    data: bytes


@dataclass
class Outcome:
    case: int
    seed: str
    mutation: str
    outcome: str
    detail: str = ""
    seconds: float = 0.0


# ----------------------------------------------------------------------------- one case

def check_case(path: Path, context) -> tuple[str, str]:
    """Load ``path`` and compute DVHs (against the context's dose / structure set too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case = load([path])
        except Exception:
            return "load_exception", traceback.format_exc(limit=-4)
        problems = _invariants(case)
        if problems:
            return "invalid", "; ".join(problems)
        options = DvhOptions(samples_across=8, max_samples=20_000)
        pairs = []
        for patient in case.patients:
            for ss in patient.structure_sets:
                for dose in [*patient.doses, *context.get("doses", [])]:
                    pairs.append((ss, dose))
            for dose in patient.doses:
                for ss in context.get("structure_sets", []):
                    pairs.append((ss, dose))
        for ss, dose in pairs:
            for roi in [r for r in ss.rois if not skip_reason(r)][:3]:
                try:
                    dvh = compute_dvh(roi, dose, options)
                except Exception:
                    return "dvh_exception", f"ROI {roi.name!r} on {dose.path}: " + traceback.format_exc(limit=-4)
                bad = _dvh_problems(dvh)
                if bad:
                    return "invalid", f"DVH of ROI {roi.name!r}: {bad}"
    errors = case.report.errors
    if errors:
        return "reported", errors[0].message[:300]
    return "ok", ""


def _invariants(case) -> list[str]:
    out = []
    for patient in case.patients:
        for grid in patient.doses:
            for axis in ("x_mm", "y_mm", "z_mm"):
                a = getattr(grid, axis)
                if not np.all(np.isfinite(a)) or (a.size > 1 and np.any(np.diff(a) <= 0)):
                    out.append(f"dose {axis} not finite and increasing")
            if grid.dose_gy.dtype != np.float32 or not np.all(np.isfinite(grid.dose_gy)):
                out.append("dose values not finite float32")
        for ct in patient.cts:
            for axis in ("x_mm", "y_mm", "z_mm"):
                a = getattr(ct, axis)
                if not np.all(np.isfinite(a)) or (a.size > 1 and np.any(np.diff(a) <= 0)):
                    out.append(f"CT {axis} not finite and increasing")
            if ct.hu.dtype.kind == "f" and not np.all(np.isfinite(ct.hu)):
                out.append("CT values not finite")
        for ss in patient.structure_sets:
            for roi in ss.rois:
                for z, polygons in roi.planes.items():
                    if not np.isfinite(z) or any(not np.all(np.isfinite(p)) for p in polygons):
                        out.append(f"ROI {roi.name!r} has non-finite contour points")
        for plan in patient.plans:
            for value in (plan.prescription_gy, plan.dose_per_fraction_gy):
                if value is not None and not np.isfinite(value):
                    out.append("plan dose not finite")
    return out


def _dvh_problems(dvh) -> str:
    if not (dvh.volume_cc >= 0 and dvh.covered_volume_cc >= 0):
        return f"negative or NaN volume ({dvh.volume_cc}, {dvh.covered_volume_cc})"
    if dvh.covered_volume_cc > 0 and not all(np.isfinite([dvh.min_gy, dvh.mean_gy, dvh.max_gy])):
        return f"non-finite statistics with covered volume {dvh.covered_volume_cc}"
    if not np.all(np.isfinite(dvh.cumulative_cc)):
        return "non-finite cumulative curve"
    return ""


def run_forked(path: Path, context, timeout_s: float, memory_bytes: int) -> tuple[str, str]:
    """check_case in a forked child with a timeout and a memory cap."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_fd)
            faulthandler.disable()  # a crash is the parent's finding, not a traceback dump on stderr
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
            try:
                result = check_case(path, context)
            except MemoryError:
                result = ("load_exception", "MemoryError (memory cap reached)")
            except BaseException:
                result = ("load_exception", traceback.format_exc(limit=-4))
            os.write(write_fd, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks, deadline, timed_out = [], time.monotonic() + timeout_s, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read_fd)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return "timeout", f"no result within {timeout_s:g} s"
    if os.WIFSIGNALED(status):
        return "crash", f"killed by signal {os.WTERMSIG(status)}"
    try:
        outcome, detail = json.loads(b"".join(chunks).decode())
    except ValueError:
        return "crash", "child exited without a result"
    return outcome, detail


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.outcome] = out.get(o.outcome, 0) + 1
        return dict(sorted(out.items()))

    @property
    def bad(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome in BAD_OUTCOMES]


def fuzz(seeds: list[Seed], context, cases: int, seed: int, *, timeout_s: float = 20.0,
         memory_bytes: int = 3 << 30, workdir: str | None = None, weights: list[float] | None = None,
         on_case=None) -> Run:
    """Run ``cases`` mutations of ``seeds`` (chosen with ``weights``); reproducible from ``seed``."""
    run = Run()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for index in range(cases):
            rng = random.Random(f"{seed}:{index}")
            chosen = rng.choices(seeds, weights=weights)[0]
            data, description = mutate(chosen.data, rng)
            path = Path(tmp) / f"case{index}" / chosen.name
            path.parent.mkdir()
            path.write_bytes(data)
            start = time.monotonic()
            outcome, detail = run_forked(path, context, timeout_s, memory_bytes)
            result = Outcome(index, chosen.name, description, outcome, detail, time.monotonic() - start)
            run.outcomes.append(result)
            if on_case is not None:
                on_case(result)
            path.unlink()
            path.parent.rmdir()
    return run


def default_seeds(sample_dir: Path | None, reference_dir: Path | None, synthetic_dir: Path,
                  heavy: bool = False) -> tuple[list[Seed], list[float]]:
    """Seed files (with weights: small files more often, they mutate and load fast). ``heavy``
    adds the dicompyler example's structure set and 10 MB dose (seconds per case)."""
    import dicom_builders as b

    counter = iter(range(1, 1 << 30))
    real_uid = b.generate_uid
    b.generate_uid = lambda *a, **k: f"1.2.826.0.1.3680043.10.1047.{next(counter)}"  # same bytes every run
    try:
        parts = b.small_case(synthetic_dir)
    finally:
        b.generate_uid = real_uid
    seeds = [Seed("syn_" + p.name, p.read_bytes()) for p in sorted(synthetic_dir.rglob("*.dcm"))]
    weights = [3.0] * len(seeds)
    archive = io.BytesIO()  # the whole case in one deflated zip: damaged archives, multi-file loads
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(synthetic_dir.rglob("*.dcm")):
            info = zipfile.ZipInfo(f"case/{p.relative_to(synthetic_dir).as_posix()}", date_time=(2024, 1, 2, 0, 0, 0))
            zf.writestr(info, p.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    seeds.append(Seed("syn_case.zip", archive.getvalue()))
    weights.append(2.0)
    if sample_dir is not None and sample_dir.is_dir():
        for name, weight in [("RP_LIVER.dcm", 2.0), ("RS_SYNTHETIC.dcm", 0.3), ("RD_LIVER.dcm", 1.0),
                             ("CT_050.dcm", 1.0)]:
            if (sample_dir / name).is_file():
                seeds.append(Seed("sample_" + name, (sample_dir / name).read_bytes()))
                weights.append(weight)
    if reference_dir is not None and reference_dir.is_dir():
        for rel, weight in [("pydicom-testdata/rtstruct.dcm", 2.0), ("pydicom-testdata/rtdose.dcm", 2.0),
                            ("pydicom-testdata/rtdose_1frame.dcm", 1.0), ("pydicom-testdata/rtdose_expb.dcm", 1.0),
                            ("pydicom-testdata/rtdose_rle.dcm", 1.0), ("pydicom-testdata/rtplan.dcm", 2.0),
                            ("dicompyler-core-example/rtplan.dcm", 1.0), ("dicompyler-core-example/ct.0.dcm", 1.0),
                            *([("dicompyler-core-example/rtss.dcm", 2.0), ("dicompyler-core-example/rtdose.dcm", 2.0)]
                              if heavy else [])]:
            if (reference_dir / rel).is_file():
                seeds.append(Seed("ref_" + rel.replace("/", "_"), (reference_dir / rel).read_bytes()))
                weights.append(weight)
    del parts
    return seeds, weights


def default_context(synthetic_dir: Path) -> dict:
    """A valid dose and structure set to pair with mutated ones (loaded once, inherited by fork)."""
    case = load(synthetic_dir)
    patient = case.patients[0]
    return {"doses": list(patient.doses), "structure_sets": list(patient.structure_sets)}
