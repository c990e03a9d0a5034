"""Dose-volume quantiles: Dx (dose covering a volume) and Vx (volume receiving a dose).

From the samples (exact weighted quantiles: each sample's volume is centred on its place in
the dose-sorted order, doses interpolated linearly between neighbours; only the samples of
the bins around the answer are sorted) or from a cumulative curve (linear between points).
"""
from __future__ import annotations

import numpy as np


def dose_at_volume_samples(dose_gy: np.ndarray, volume_cc: np.ndarray, curve_cc: np.ndarray,
                           bin_width_gy: float, target_cc: float) -> float:
    """Minimum dose received by the hottest ``target_cc`` of the sampled volume (Gy).

    ``curve_cc`` is the cumulative curve of these samples on bin edges ``i * bin_width_gy``;
    it locates the bin, the samples of that bin and its neighbours give the exact value.
    NaN when the target exceeds the total volume or there are no samples.
    """
    return doses_at_volumes_samples(dose_gy, volume_cc, curve_cc, bin_width_gy, [target_cc])[0]


def doses_at_volumes_samples(dose_gy: np.ndarray, volume_cc: np.ndarray, curve_cc: np.ndarray,
                             bin_width_gy: float, targets_cc: list[float]) -> list[float]:
    """``dose_at_volume_samples`` for several targets (the same values): the samples of all the
    targets' bin windows are picked in one pass over the samples, then each target's own window
    among them (the same samples in the same order as picking it from all samples)."""
    out = [float("nan")] * len(targets_cc)
    total = float(curve_cc[0]) if curve_cc.size else 0.0
    if dose_gy.size == 0:
        return out
    wmax = float(volume_cc.max())
    windows = []
    for n, target_cc in enumerate(targets_cc):
        if target_cc > total * (1 + 1e-12) or not np.isfinite(target_cc):
            continue
        target = min(max(target_cc, 0.0), total)
        # Window of bins holding the samples whose centred positions straddle the target: every
        # sample below bin `first` sits at >= target + wmax, every sample from bin `stop` up at
        # <= target - wmax, and the bins `first` and `stop - 1` are not empty.
        holding = np.nonzero(curve_cc >= target + wmax)[0]
        first = int(holding[-1]) if holding.size else 0
        below = np.nonzero(curve_cc <= target - wmax)[0]
        stop = int(below[0]) if below.size else curve_cc.size - 1
        windows.append((n, target, first, max(stop, first + 1)))
    if not windows:
        return out
    if len(windows) == 1:
        candidates_d, candidates_w = dose_gy, volume_cc
    else:
        # Candidates: samples whose bin index (as the histogram computes it, +-1 for rounding at
        # the edges; negative doses to bin 0) is in any window; the exact test follows.
        wanted = np.zeros(curve_cc.size + 2, bool)
        for _, _, first, stop in windows:
            wanted[max(first - 1, 0):stop + 1] = True
        bins = (dose_gy / np.float64(bin_width_gy)).astype(np.int64)
        np.clip(bins, 0, wanted.size - 1, out=bins)
        pick = np.flatnonzero(wanted.take(bins))
        del bins
        candidates_d, candidates_w = dose_gy[pick], volume_cc[pick]
    # Windows that share bins are sorted together, once: a window's samples in the stable order
    # of a larger set that holds them are in their own stable order (by dose, then by position).
    windows.sort(key=lambda item: item[2])
    groups: list[list] = []
    for item in windows:
        if groups and item[2] < max(g[3] for g in groups[-1]):
            groups[-1].append(item)
        else:
            groups.append([item])
    for group in groups:
        low, high = group[0][2], max(g[3] for g in group)
        # The tests compare float32 doses with Python floats, in float32, exactly as before.
        chosen = (candidates_d >= low * bin_width_gy) & (candidates_d < high * bin_width_gy)
        gd, gw = candidates_d[chosen], candidates_w[chosen]
        order = _descending(gd)
        gd, gw = gd[order], gw[order]
        for n, target, first, stop in group:
            window = (gd >= first * bin_width_gy) & (gd < stop * bin_width_gy)
            d = gd[window].astype(float)
            w = gw[window].astype(float)
            if d.size == 0:
                out[n] = float(first * bin_width_gy)
                continue
            above = float(curve_cc[stop]) if stop < curve_cc.size else 0.0
            position = above + np.cumsum(w) - 0.5 * w
            out[n] = float(np.interp(target, position, d))
    return out


def _descending(dose_gy: np.ndarray) -> np.ndarray:
    """``np.argsort(-dose_gy.astype(float), kind="stable")``: the same permutation. Float32 doses
    without a sign bit (>= +0.0, no NaN: window doses) sort by their bit patterns as int32, which
    order exactly as the values do (equal values, equal patterns), and quicker."""
    if dose_gy.dtype == np.float32 and not np.signbit(dose_gy).any() and not np.isnan(dose_gy).any():
        return np.argsort(-np.ascontiguousarray(dose_gy).view(np.int32), kind="stable")
    return np.argsort(-dose_gy.astype(float), kind="stable")


def volume_at_dose_samples(dose_gy: np.ndarray, volume_cc: np.ndarray, level_gy: float) -> float:
    """Volume (cc) of the samples receiving at least ``level_gy``."""
    return float(np.sum(volume_cc[dose_gy >= level_gy], dtype=float))


def dose_at_volume_curve(dose_axis_gy: np.ndarray, curve_cc: np.ndarray, target_cc: float) -> float:
    """The highest dose at which the cumulative curve still holds ``target_cc``, linear between points."""
    if curve_cc.size == 0 or target_cc > curve_cc[0] * (1 + 1e-12) or not np.isfinite(target_cc):
        return float("nan")
    if target_cc <= 0:
        nonzero = np.nonzero(curve_cc > 0)[0]
        return float(dose_axis_gy[min(nonzero[-1] + 1, dose_axis_gy.size - 1)]) if nonzero.size else 0.0
    i = int(np.nonzero(curve_cc >= target_cc)[0][-1])
    if i + 1 >= curve_cc.size:
        return float(dose_axis_gy[i])
    v0, v1 = float(curve_cc[i]), float(curve_cc[i + 1])
    frac = (v0 - target_cc) / (v0 - v1) if v0 > v1 else 0.0
    return float(dose_axis_gy[i] + frac * (dose_axis_gy[i + 1] - dose_axis_gy[i]))


def volume_at_dose_curve(dose_axis_gy: np.ndarray, curve_cc: np.ndarray, level_gy: float) -> float:
    """Volume (cc) receiving at least ``level_gy``, linear between curve points."""
    return float(np.interp(level_gy, dose_axis_gy, curve_cc, left=float(curve_cc[0]), right=0.0))
