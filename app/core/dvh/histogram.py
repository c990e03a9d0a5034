"""Volume-weighted dose histograms: bin width, differential and cumulative curves."""
from __future__ import annotations

import numpy as np

DEFAULT_BIN_WIDTH_GY = 0.01
# With the default width, use finer bins until the curve has at least this many bins.
MIN_BINS = 1000
_NICE_WIDTHS_GY = (0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.00005, 0.00002, 0.00001)


def choose_bin_width(max_dose_gy: float, requested_gy: float | None = None) -> float:
    """``requested_gy`` if given, else 0.01 Gy, or finer so that the dose range spans >= 1000 bins."""
    if requested_gy:
        return float(requested_gy)
    for width in _NICE_WIDTHS_GY:
        if max_dose_gy / width >= MIN_BINS:
            return width
    return _NICE_WIDTHS_GY[-1]


def differential(dose_gy: np.ndarray, volume_cc: np.ndarray, bin_width_gy: float) -> np.ndarray:
    """Volume (cc) per bin [i*w, (i+1)*w), for as many bins as the highest dose needs."""
    if dose_gy.size == 0:
        return np.zeros(1)
    # Doses are >= 0 here, so truncation is floor.
    index = (np.maximum(dose_gy, 0.0) / np.float64(bin_width_gy)).astype(np.int64)
    return np.bincount(index, weights=volume_cc, minlength=int(index.max()) + 1)


def cumulative(differential_cc: np.ndarray) -> np.ndarray:
    """Volume receiving at least each bin edge i*w (one more point than bins, ending at 0)."""
    tail = np.cumsum(differential_cc[::-1])[::-1]
    return np.append(tail, 0.0)
