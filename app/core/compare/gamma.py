"""Gamma index (Low et al., Med Phys 25:656, 1998) of an evaluated dose against a reference dose.

Both doses are on the reference grid (``evaluated`` resampled onto it first; NaN where it has no
dose). Global gamma: the dose criterion is ``dose_percent`` of the reference maximum; reference
points below ``cutoff_percent`` of that maximum are not evaluated (the low-dose cut-off of
AAPM TG-218, Miften et al., Med Phys 45:e53, 2018, which recommends global 3 %/2 mm with a 10 %
threshold; 3 %/3 mm and 2 %/2 mm are the criteria this program reports).

For a reference point p: gamma(p) = min over q of sqrt(((E(q) - R(p)) / dD)^2 + (|q - p| / dta)^2),
q searched on spherical shells around p of radius 0, h, 2h, ... dta (h = dta / ``steps_per_dta``),
then every 2h up to ``max_gamma * dta``, with about one point per h^2 of shell area up to the DTA
(a Fibonacci sphere) and as many on the farther shells; E between grid points is trilinear.
A point still searching beyond the DTA has gamma > 1 (it fails whatever the farther sampling
finds), so the coarser outer shells change gamma values above 1 a little, never the pass rate.
The search of a point stops when the next shell's distance term alone reaches its best gamma
so far (no farther point can do better). A point
whose dose differs from every evaluated dose within the search radius by more than
``max_gamma * dD`` is settled without a search, and a shell is skipped for a point when even the
closest evaluated dose within its radius could not lower its gamma (bounds from box
maximum/minimum filters of the evaluated grid values: exact, they only skip work).
Gammas above ``max_gamma`` are reported as ``max_gamma`` (they fail either way).
Vectorized numpy: each shell is one gather over all points still searching (on an evenly
spaced grid, eight gathers with weights shared by every point; else general trilinear).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dvh.interpolate import trilinear

CHUNK = 3_000_000  # points x shell samples per gather


@dataclass(frozen=True)
class GammaCriteria:
    dose_percent: float = 3.0
    distance_mm: float = 3.0
    cutoff_percent: float = 10.0
    max_gamma: float = 2.0
    steps_per_dta: int = 10

    @property
    def label(self) -> str:
        return f"{self.dose_percent:g}%/{self.distance_mm:g} mm"


STANDARD = (GammaCriteria(3.0, 3.0), GammaCriteria(2.0, 2.0))


@dataclass
class GammaResult:
    criteria: GammaCriteria
    gamma: np.ndarray  # reference grid shape; NaN where not evaluated
    norm_dose_gy: float  # the dose criterion's 100 %: the reference maximum
    cutoff_gy: float
    evaluated: int  # reference points above the cut-off with an evaluated dose
    passed: int
    outside_evaluated: int  # points above the cut-off where the evaluated dose has no value

    @property
    def pass_rate_percent(self) -> float | None:
        return 100.0 * self.passed / self.evaluated if self.evaluated else None

    def to_json(self) -> dict:
        rate = self.pass_rate_percent
        finite = self.gamma[np.isfinite(self.gamma)]
        return {"criteria": self.criteria.label, "dose_percent": self.criteria.dose_percent,
                "distance_mm": self.criteria.distance_mm, "normalisation": "global (reference maximum)",
                "norm_dose_gy": round(self.norm_dose_gy, 4), "cutoff_percent": self.criteria.cutoff_percent,
                "cutoff_gy": round(self.cutoff_gy, 4), "evaluated_points": self.evaluated,
                "passed_points": self.passed, "pass_rate_percent": None if rate is None else round(rate, 2),
                "mean_gamma": round(float(finite.mean()), 4) if finite.size else None,
                "gamma_p95": round(float(np.percentile(finite, 95)), 4) if finite.size else None,
                "outside_evaluated_points": self.outside_evaluated, "max_gamma_reported": self.criteria.max_gamma}


class GammaCancelled(Exception):
    """The caller's cancel() returned True."""


def fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` nearly evenly spread unit vectors, (n, 3)."""
    if n == 1:
        return np.array([[1.0, 0.0, 0.0]])
    i = np.arange(n) + 0.5
    cos_t = 1.0 - 2.0 * i / n
    sin_t = np.sqrt(1.0 - cos_t ** 2)
    phi = math.pi * (1.0 + 5 ** 0.5) * i
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)


def _dilate(arr: np.ndarray, axis: int, op) -> np.ndarray:
    """``op`` (np.maximum / np.minimum) of each voxel with its two neighbours along ``axis``."""
    out = arr.copy()
    n = arr.shape[axis]
    if n > 1:
        a = [slice(None)] * 3
        b = [slice(None)] * 3
        a[axis], b[axis] = slice(1, None), slice(None, n - 1)
        op(out[tuple(a)], arr[tuple(b)], out=out[tuple(a)])
        op(out[tuple(b)], arr[tuple(a)], out=out[tuple(b)])
    return out


def _ball_bounds(ev: np.ndarray, idx: np.ndarray, spacing: list[float], radii: list[float]):
    """For each radius: (max, min) of the evaluated grid values over the box of +-ceil(r / spacing)
    voxels around each point of ``idx`` (NaN ignored). A reference point lies on a grid node, so
    every trilinear value within distance r of it is a weighted mean of those nodes: bounded by them."""
    hi = np.where(np.isnan(ev), -np.inf, ev)
    lo = np.where(np.isnan(ev), np.inf, ev)
    reach = [0, 0, 0]
    cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    out = []
    for r in radii:
        want = [int(math.ceil(r / s - 1e-9)) for s in spacing]
        for axis in range(3):
            while reach[axis] < min(want[axis], ev.shape[axis] - 1):
                hi, lo = _dilate(hi, axis, np.maximum), _dilate(lo, axis, np.minimum)
                reach[axis] += 1
        key = tuple(reach)
        if key not in cache:
            cache[key] = (hi.reshape(-1)[idx], lo.reshape(-1)[idx])
        out.append(cache[key])
    return out


class _ShiftedLookup:
    """The evaluated dose at (grid node + constant offset) for many nodes at once, on an evenly
    spaced grid: for a fixed offset the eight trilinear corners and weights are the same for
    every node, so each evaluation is eight gathers from a NaN-padded copy (no bounds checks)."""

    def __init__(self, ev: np.ndarray, spacing: list[float], idx: np.ndarray, pad: int):
        self.spacing = np.asarray(spacing, float)  # (dz, dy, dx)
        self.padded = np.pad(ev, pad, mode="constant", constant_values=np.nan).reshape(-1)
        shape = np.asarray(ev.shape) + 2 * pad
        self.strides = np.array([shape[1] * shape[2], shape[2], 1], dtype=np.int64)
        iz, iy, ix = np.unravel_index(idx, ev.shape)
        self.base = (iz + pad) * self.strides[0] + (iy + pad) * self.strides[1] + (ix + pad)

    def corners(self, offsets_xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(flat offsets (8, D), weights (8, D)) for offsets (D, 3) in mm (x, y, z)."""
        u = offsets_xyz[:, ::-1] / self.spacing  # (D, 3) in voxels, z y x
        i0 = np.floor(u + 1e-9).astype(np.int64)
        f = np.clip(u - i0, 0.0, 1.0)
        offs, weights = [], []
        for cz in (0, 1):
            for cy in (0, 1):
                for cx in (0, 1):
                    c = np.array([cz, cy, cx])
                    w = np.prod(np.where(c == 1, f, 1.0 - f), axis=1)
                    off = ((i0 + c) * self.strides).sum(axis=1)
                    offs.append(np.where(w > 0, off, 0))  # a zero-weight corner reads the node itself
                    weights.append(w)
        return np.array(offs), np.array(weights)

    def values(self, sel: np.ndarray, offs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """sum over the corners k = 0..7, in that order, of weight_k x value_k; computed into
        reused buffers (the same products and sums, so the same doubles as a plain expression)."""
        base = self.base[sel][:, None]
        shape = (sel.size, offs.shape[1])
        where, value, out = np.empty(shape, np.int64), np.empty(shape), np.empty(shape)
        for k, (off, w) in enumerate(zip(offs, weights)):
            np.add(base, off[None, :], out=where)
            self.padded.take(where, out=value)
            if k == 0:
                np.multiply(value, w[None, :], out=out)  # 0 + x is x: the first corner needs no sum
            else:
                value *= w[None, :]
                out += value
        return out


def _uniform(axis: np.ndarray) -> bool:
    if axis.size < 3:
        return True
    gaps = np.diff(axis)
    return float(gaps.max() - gaps.min()) <= 1e-6 * float(gaps.mean())


def _radii(criteria: GammaCriteria) -> list[float]:
    """Shell radii: every h = dta/steps up to the DTA, then every 2h up to max_gamma x DTA."""
    h = criteria.distance_mm / criteria.steps_per_dta
    inner = [k * h for k in range(criteria.steps_per_dta + 1)]
    outer, r = [], inner[-1]
    while r < criteria.max_gamma * criteria.distance_mm - 1e-9:
        r = min(r + 2 * h, criteria.max_gamma * criteria.distance_mm)
        outer.append(r)
    return inner + outer


def _shell(r: float, h: float, dta: float) -> np.ndarray:
    """Unit directions for the shell of radius ``r``: about one per h^2 of area up to the DTA;
    beyond it, where every point still searching fails anyway, a fixed count (angular spacing
    h r / dta)."""
    if r == 0:
        return np.zeros((1, 3))
    effective = min(r, dta)
    return fibonacci_sphere(max(6, int(math.ceil(4 * math.pi * (effective / h) ** 2))))


def gamma_index(reference_gy: np.ndarray, evaluated_gy: np.ndarray, axes, criteria: GammaCriteria = STANDARD[0],
                cancel: Callable[[], bool] | None = None) -> GammaResult:
    """Global gamma of ``evaluated_gy`` against ``reference_gy``, both (nz, ny, nx) on ``axes``
    = (x_mm, y_mm, z_mm). See the module docstring."""
    ref = np.asarray(reference_gy, dtype=np.float64)
    ev = np.asarray(evaluated_gy, dtype=np.float64)
    if ref.shape != ev.shape:
        raise ValueError(f"reference {ref.shape} and evaluated {ev.shape} doses are not on one grid")
    x, y, z = (np.asarray(a, float) for a in axes)
    norm = float(np.nanmax(ref)) if ref.size else 0.0
    gamma = np.full(ref.shape, np.nan)
    cutoff = criteria.cutoff_percent / 100.0 * norm
    if norm <= 0:
        return GammaResult(criteria, gamma, norm, cutoff, 0, 0, 0)
    dd = criteria.dose_percent / 100.0 * norm
    dta = criteria.distance_mm
    above = ref >= cutoff
    own = ev[above]
    outside = int(np.count_nonzero(np.isnan(own)))
    idx = np.flatnonzero(above.reshape(-1))[~np.isnan(own)]
    r_val = ref.reshape(-1)[idx]
    radii = _radii(criteria)
    spacing = [float(np.min(np.diff(a))) if a.size > 1 else math.inf for a in (z, y, x)]
    bounds = _ball_bounds(ev, idx, spacing, radii)
    hi, lo = bounds[-1]
    bound = np.maximum(np.maximum(r_val - hi, lo - r_val), 0.0) / dd
    best = np.full(idx.size, np.inf)
    best[bound > criteria.max_gamma] = criteria.max_gamma ** 2 + 1.0  # settled: fails
    iz, iy, ix = np.unravel_index(idx, ref.shape)
    points = np.stack([x[ix], y[iy], z[iz]], axis=1)
    uniform = all(_uniform(a) for a in (x, y, z))
    if uniform:
        steps = [float(a[1] - a[0]) if a.size > 1 else 1.0 for a in (z, y, x)]
        lookup = _ShiftedLookup(ev, steps, idx, int(math.ceil(radii[-1] / min(steps))) + 2)
    else:
        grid = DoseGrid("gamma-evaluated", "", ev, x, y, z)
    active = np.flatnonzero(~np.isfinite(best))
    for k, r in enumerate(radii):
        if active.size == 0:
            break
        if cancel is not None and cancel():
            raise GammaCancelled("gamma analysis cancelled")
        dist_sq = (r / dta) ** 2
        hi, lo = bounds[k]
        lb = np.maximum(np.maximum(r_val[active] - hi[active], lo[active] - r_val[active]), 0.0) / dd
        todo = active[lb ** 2 + dist_sq < best[active]]  # the others cannot improve on this shell
        offsets = r * _shell(r, dta / criteria.steps_per_dta, dta)
        if uniform:
            offs, weights = lookup.corners(offsets)
        per = max(1, CHUNK // offsets.shape[0])
        for c0 in range(0, todo.size, per):
            sel = todo[c0:c0 + per]
            if uniform:
                e = lookup.values(sel, offs, weights)
            else:
                q = points[sel][:, None, :] + offsets[None, :, :]
                e, _ = trilinear(grid, q[..., 0], q[..., 1], q[..., 2])
            e -= r_val[sel][:, None]  # in place: ((e - r) / dD)^2 + (r / dta)^2, the same operations
            e /= dd
            np.square(e, out=e)
            e += dist_sq
            e[np.isnan(e)] = np.inf
            g2 = e.min(axis=1)
            best[sel] = np.minimum(best[sel], g2)
        farther = radii[k + 1] if k + 1 < len(radii) else math.inf
        active = active[best[active] > (farther / dta) ** 2]
    values = np.sqrt(np.minimum(best, criteria.max_gamma ** 2))
    gamma.reshape(-1)[idx] = values
    passed = int(np.count_nonzero(values <= 1.0))
    return GammaResult(criteria, gamma, norm, cutoff, int(idx.size), passed, outside)


def gamma_of_doses(reference: DoseGrid, evaluated_on_reference_gy: np.ndarray,
                   criteria: GammaCriteria = STANDARD[0], cancel=None) -> GammaResult:
    """``gamma_index`` on a reference DoseGrid with the evaluated dose already on its grid."""
    return gamma_index(reference.dose_gy, evaluated_on_reference_gy,
                       (reference.x_mm, reference.y_mm, reference.z_mm), criteria, cancel)
