"""Compute DVHs: contours -> sample points with volumes -> interpolated dose -> histograms.

One geometry serves volume and dose: every sample's volume is (exact covered fraction of its
cell) x cell area x sub-slab thickness, so ``volume_cc`` is exactly the polygon areas times
the slab thicknesses, and the DVH is tallied on the same samples. Loops run over chunks of
planes and over structures only; all per-point work is vectorized. The contour stack, its
clipping to the dose grid and the vertex doses are in ``contour_stack``.
"""
from __future__ import annotations

import os
from typing import Callable, Iterator

import numpy as np

from . import histogram
from .contour_stack import clip_to_dose, contour_stack, vertex_doses
from .dvh import Dvh
from .options import DvhOptions
from .points import PointDose, point_doses
from .rasterize import even_odd_signs, signed_area_mm2
from .sampling import Slabs, plane_chunks, plane_slabs, sample_plan, sub_slab_counts
from .tally import sample_chunk

MM3_PER_CC = 1000.0
# Threads for the structures of one structure set when RTREVIEW_DVH_THREADS is not set. The
# issue's rule: keep thread parallelism only if it is >= 1.5x on 2 cores without changing a number.
# Measured (bench/bench_threads.py, bench/README.md "Issue 18"): the numbers are identical, the
# speed-up 0.90-1.04x (the per-structure work holds the GIL too much of the time): off by default.
# Re-measured after the issue-18c speed-ups (shorter numpy calls: even less time without the GIL):
# 0.84x sample, 1.00x large, 0.86x clinical (load 1.2-1.5): still off.
DEFAULT_DVH_THREADS = 1


class DvhCancelled(Exception):
    """Raised by compute_dvhs when its cancel() check returns True."""


class DvhError(ValueError):
    """A ROI that has no DVH (no closed-planar contours)."""


# RTROIInterpretedType values of points (a ROI of these types without contours has no position).
POINT_TYPES = frozenset({"MARKER", "ISOCENTER", "REGISTRATION"})
# A ROI whose contours all enclose less than this area (mm²) is a line or a point: no volume.
MIN_AREA_MM2 = 1e-6


def skip_reason(roi) -> str | None:
    """Why ``roi`` gets no DVH (None if it gets one). A POINT ROI's reason says so; its dose at
    the point is in ``DvhResults.points``, not a failure."""
    if roi.is_empty:
        if roi.points_mm:
            return "POINT ROI: no volume"
        if roi.open_contours:
            return "only open contours: no volume"
        if roi.type.upper() in POINT_TYPES:
            return f"{roi.type.upper()} point without coordinates (no contour data): nothing to show or dose"
        return "no contours"
    if all(_flat(p) for polys in roi.planes.values() for p in polys):
        return "the contours enclose no area (each is a line or a point): no volume"
    return None


def _flat(polygon: np.ndarray) -> bool:
    """True when a contour's points lie on one line (every triangle of its fan has no area)."""
    p = np.asarray(polygon, dtype=float)
    if len(p) < 3:
        return True
    d = p[1:] - p[0]
    return float(np.sum(np.abs(d[:-1, 0] * d[1:, 1] - d[1:, 0] * d[:-1, 1]))) < 2 * MIN_AREA_MM2


def is_point_roi(roi) -> bool:
    """A ROI of POINT contours only (a calculation / reference point, an isocentre)."""
    return bool(roi.points_mm) and not roi.planes


def plane_area_mm2(polygons: list[np.ndarray], signs: list[float] | None = None) -> float:
    """Area of one plane's polygons (each of >= 3 points) combined by the even-odd rule (mm²)."""
    polygons = [p for p in polygons if len(p) >= 3]
    if not polygons:
        return 0.0
    signs = even_odd_signs(polygons) if signs is None else signs
    # even_odd_signs returns -orientation * parity; the accumulation counts CCW as -1.
    return float(sum(-s * signed_area_mm2(p) for p, s in zip(polygons, signs)))


def stack_volume_cc(roi, options: DvhOptions | None = None, default_spacing_mm: float = 3.0) -> float:
    """Exact volume of the contour stack: even-odd polygon area x slab thickness, summed (cc)."""
    options = options or DvhOptions()
    z = roi.plane_z_mm
    slabs = plane_slabs(z, options, default_spacing_mm, getattr(roi, "slices", None))
    areas = np.array([plane_area_mm2(roi.planes[k]) for k in z])
    return float(np.dot(areas, slabs.thickness_mm)) / MM3_PER_CC


def contour_volumes_cc(structure_set, options: DvhOptions | None = None) -> dict[int, float]:
    """``{roi_number: cc}``: every ROI's contour-stack volume (``stack_volume_cc``, the volume its
    DVH has), for a review without a dose; ROIs that would be skipped (points, no area) are left
    out."""
    return {roi.number: stack_volume_cc(roi, options) for roi in structure_set.rois if not skip_reason(roi)}


def compute_dvh(roi, dose, options: DvhOptions | None = None, prescription_gy: float | None = None) -> Dvh:
    """The DVH of one ROI on one dose grid. DvhError if the ROI has no closed-planar contour."""
    return _compute_dvh(roi, dose, options, prescription_gy, dose.max_gy)


def _compute_dvh(roi, dose, options: DvhOptions | None, prescription_gy: float | None, dose_max_gy: float) -> Dvh:
    options = options or DvhOptions()
    reason = skip_reason(roi)
    if reason:
        raise DvhError(f"ROI {roi.number} {roi.name!r}: {reason}")
    stack = contour_stack(roi, options, dose.spacing_mm[2])
    if stack is None:
        raise DvhError(f"ROI {roi.number} {roi.name!r}: contours have fewer than 3 points")
    planes, signs, areas, slabs, bounds = stack
    slab_notes = slabs.notes
    # Dmin / Dmax at the contour's own vertices (inside the grid), not at clipped ones.
    extremes = vertex_doses(planes, slabs, dose) if options.vertex_extremes else np.zeros(0)
    planes, signs, slabs, bounds, covered_estimate_mm3, outside_mm3, corners = clip_to_dose(planes, signs, areas,
                                                                                           slabs, bounds, dose)
    if corners is not None and options.vertex_extremes:
        # ... and where the grid cuts the structure: its edges' crossings with the grid's box
        # and its vertices inside it, on their planes (the cut faces: by the samples' columns).
        extremes = np.concatenate((extremes, vertex_doses(corners, slabs, dose)))
    if planes:
        plan = sample_plan(bounds, slabs, max(covered_estimate_mm3, 1e-9), dose, options)
        bin_hint = histogram.choose_bin_width(dose_max_gy, options.bin_width_gy)
        faces: list[np.ndarray] = []
        doses, volumes, covered_mm3, uncovered_mm3 = _sample(planes, signs, slabs, plan, dose, options, bin_hint,
                                                             faces if options.vertex_extremes else None)
        extremes = np.concatenate([extremes, *faces])
    else:
        doses = volumes = np.zeros(0, np.float32)
        covered_mm3 = uncovered_mm3 = 0.0
    uncovered_mm3 += outside_mm3
    return make_dvh(roi, doses, volumes, covered_mm3, uncovered_mm3, extremes, options, prescription_gy,
                    slab_notes)


def _sample(planes, signs, slabs: Slabs, plan, dose, options: DvhOptions, bin_width_gy: float,
            face_doses: list | None = None) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Covered sample doses (Gy) and volumes (mm³), float32; covered and uncovered volume (mm³).
    ``face_doses``: a list to receive the doses on the slabs' outer faces (``tally.sample_cells``)."""
    grid = plan.grid
    counts = sub_slab_counts(slabs, plan.z_step_mm)
    dose_parts, volume_parts = [], []
    covered = uncovered = 0.0
    for chunk in plane_chunks(grid.ny * grid.nx, counts, options.chunk_cells):
        outer = None if slabs.outer_lo is None else (slabs.outer_lo[chunk], slabs.outer_hi[chunk])
        d, v, c, u = sample_chunk(planes[chunk], signs[chunk], slabs.lo_mm[chunk], slabs.hi_mm[chunk],
                                  counts[chunk], grid, dose, 0.25 * bin_width_gy, outer, face_doses)
        covered += c
        uncovered += u
        if d.size:
            dose_parts.append(d)
            volume_parts.append(v)
    if not dose_parts:
        return np.zeros(0, np.float32), np.zeros(0, np.float32), covered, uncovered
    return np.concatenate(dose_parts), np.concatenate(volume_parts), covered, uncovered


def make_dvh(roi, doses, volumes_mm3, covered_mm3, uncovered_mm3, extremes, options: DvhOptions,
              prescription_gy, notes: tuple[str, ...] = ()) -> Dvh:
    volumes_cc = (volumes_mm3 / np.float32(MM3_PER_CC)).astype(np.float32, copy=False)
    # One geometry: the samples' volumes (float64 sums) are the structure's volume; for valid
    # contours they add up to the even-odd polygon areas x slab thicknesses.
    covered_cc = covered_mm3 / MM3_PER_CC
    uncovered_cc = uncovered_mm3 / MM3_PER_CC
    total_cc = covered_cc + uncovered_cc
    notes: list[str] = list(notes)
    if doses.size:
        lows = [float(doses.min())] + ([float(extremes.min())] if extremes.size else [])
        highs = [float(doses.max())] + ([float(extremes.max())] if extremes.size else [])
        min_gy, max_gy = max(min(lows), 0.0), max(highs)
        tallied = float(np.sum(volumes_cc, dtype=np.float64))
        mean_gy = float(np.sum(doses * volumes_cc, dtype=np.float64) / tallied) if tallied > 0 else 0.0
    else:
        min_gy = mean_gy = max_gy = float("nan")
    if total_cc <= 0:
        notes.append("the contours enclose no area: volume 0")
    elif uncovered_cc > 1e-6 * total_cc:
        share = 100.0 * uncovered_cc / total_cc if total_cc > 0 else 100.0
        notes.append(f"{uncovered_cc:.3f} cc ({share:.1f}%) of the structure lies outside the dose grid; "
                     "the DVH and its statistics describe the covered part only")
    width = histogram.choose_bin_width(max_gy if np.isfinite(max_gy) else 0.0, options.bin_width_gy)
    widened = histogram.widened_note(max_gy, options.bin_width_gy, width)
    if widened:
        notes.append(widened)
    diff = histogram.differential(doses, volumes_cc, width)
    cum = histogram.cumulative(diff)
    keep = options.keep_samples
    return Dvh(
        roi_number=roi.number, name=roi.name, type=roi.type, color_rgb=tuple(roi.color_rgb),
        volume_cc=total_cc, covered_volume_cc=covered_cc, min_gy=min_gy, mean_gy=mean_gy,
        max_gy=max_gy, bin_width_gy=width, dose_gy=np.arange(cum.size) * width,
        cumulative_cc=cum, differential_cc=diff, notes=tuple(notes), prescription_gy=prescription_gy,
        sample_dose_gy=doses if keep else np.zeros(0, np.float32),
        sample_volume_cc=volumes_cc if keep else np.zeros(0, np.float32),
    )


# The former private name (kept for callers and tests that used it).
_make_dvh = make_dvh


def iter_dvhs(structure_set, dose, options: DvhOptions | None = None, prescription_gy: float | None = None,
              cancel: Callable[[], bool] | None = None,
              threads: int | None = None) -> Iterator[tuple[int, int, object, Dvh | None]]:
    """Yield ``(index, total, roi, Dvh or None)`` for every ROI in order (None: see ``skip_reason(roi)``).

    Structures are independent: with ``threads`` > 1 (default ``dvh_threads()``) they are computed
    on that many threads (numpy releases the GIL in the heavy kernels), a few ahead of the one
    yielded, each exactly as alone (the same numbers). Stops (raising DvhCancelled) when
    ``cancel()`` returns True before a structure.
    """
    rois = list(structure_set.rois)
    dose_max_gy = dose.max_gy
    workers = dvh_threads() if threads is None else max(1, int(threads))

    def one(roi):
        return None if skip_reason(roi) else _compute_dvh(roi, dose, options, prescription_gy, dose_max_gy)

    def stop_if_cancelled(index: int) -> None:
        if cancel is not None and cancel():
            raise DvhCancelled(f"cancelled after {index} of {len(rois)} structures")

    if workers <= 1 or len(rois) < 2:
        for index, roi in enumerate(rois):
            stop_if_cancelled(index)
            yield index, len(rois), roi, one(roi)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor  # only with threads (logging etc.: not for one)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dvh") as pool:
        running: deque = deque()
        submitted = 0
        try:
            for index, roi in enumerate(rois):
                stop_if_cancelled(index)  # polled once per structure, as without threads
                while submitted < len(rois) and len(running) < workers + 1:  # a few ahead, in order
                    running.append(pool.submit(one, rois[submitted]))
                    submitted += 1
                yield index, len(rois), roi, running.popleft().result()
        finally:
            for future in running:  # cancelled, failed or abandoned: start nothing more
                future.cancel()


def dvh_threads() -> int:
    """Threads for the DVHs of a structure set: ``RTREVIEW_DVH_THREADS`` if set (a number >= 1),
    else ``DEFAULT_DVH_THREADS`` (1: measured no faster, see there)."""
    value = os.environ.get("RTREVIEW_DVH_THREADS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            pass
    return DEFAULT_DVH_THREADS


class DvhResults(dict):
    """``{roi_number: Dvh}`` plus ``skipped = {roi_number: reason}`` for ROIs without a DVH (not
    POINT ROIs) and ``points = {roi_number: [PointDose]}``: the dose at each POINT ROI's points."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: dict[int, str] = {}
        self.points: dict[int, list[PointDose]] = {}

    def add(self, roi, dvh: Dvh | None, dose) -> None:
        """File ``roi``'s result: its DVH, its point doses, or why it has neither."""
        if roi.points_mm:
            self.points[roi.number] = point_doses(roi, dose)
        if dvh is not None:
            self[roi.number] = dvh
        elif not is_point_roi(roi):
            self.skipped[roi.number] = skip_reason(roi) or "no DVH"


def compute_dvhs(structure_set, dose, options: DvhOptions | None = None, prescription_gy: float | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None, threads: int | None = None) -> DvhResults:
    """DVHs of all ROIs keyed by ROI number; ``progress(done, total, roi_name)`` after each ROI
    (``threads``: see ``iter_dvhs``)."""
    results = DvhResults()
    for index, total, roi, dvh in iter_dvhs(structure_set, dose, options, prescription_gy, cancel, threads):
        results.add(roi, dvh, dose)
        if progress is not None:
            progress(index + 1, total, roi.name)
    return results
