"""Volume-weighted dose histograms: bin width, differential and cumulative curves."""
from __future__ import annotations

import numpy as np

DEFAULT_BIN_WIDTH_GY = 0.01
# With the default width, use finer bins until the curve has at least this many bins.
MIN_BINS = 1000
# Upper bound on the number of bins of a curve (memory and JSON size): beyond it the bins widen
# (a dose grid with a wrong DoseGridScaling once asked for 7 GB of bins).
MAX_BINS = 100_000
_NICE_WIDTHS_GY = (0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.00005, 0.00002, 0.00001)


def choose_bin_width(max_dose_gy: float, requested_gy: float | None = None) -> float:
    """``requested_gy`` if given, else 0.01 Gy, or finer so that the dose range spans >= 1000 bins;
    widened (to 1, 2 or 5 x 10^k Gy) when the curve would need more than ``MAX_BINS`` bins."""
    if requested_gy:
        width = float(requested_gy)
    else:
        width = _NICE_WIDTHS_GY[-1]
        for nice in _NICE_WIDTHS_GY:
            if max_dose_gy / nice >= MIN_BINS:
                width = nice
                break
    return max(width, bounded_width(max_dose_gy))


def bounded_width(max_dose_gy: float) -> float:
    """The smallest width of the form 1, 2 or 5 x 10^k Gy that keeps [0, max] within ``MAX_BINS``
    curve points (0 when any width up to 0.01 Gy does)."""
    if not np.isfinite(max_dose_gy) or max_dose_gy <= 0:
        return 0.0
    need = float(max_dose_gy) / (MAX_BINS - 2)
    if need <= DEFAULT_BIN_WIDTH_GY:
        return 0.0
    exponent = np.floor(np.log10(need))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        width = float(mantissa * 10.0 ** exponent)
        if width >= need * (1 + 1e-12):
            return width
    return float(10.0 ** (exponent + 1))


def widened_note(max_dose_gy: float, requested_gy: float | None, width_gy: float) -> str | None:
    """A note when ``width_gy`` is wider than asked for (or the default) because of ``MAX_BINS``."""
    if width_gy <= (requested_gy or DEFAULT_BIN_WIDTH_GY) * (1 + 1e-9):
        return None
    return (f"bins widened to {width_gy:g} Gy: a maximum dose of {max_dose_gy:.6g} Gy would need more than "
            f"{MAX_BINS} bins of {requested_gy or DEFAULT_BIN_WIDTH_GY:g} Gy")


def differential(dose_gy: np.ndarray, volume_cc: np.ndarray, bin_width_gy: float) -> np.ndarray:
    """Volume (cc) per bin [i*w, (i+1)*w), for as many bins as the highest dose needs."""
    if dose_gy.size == 0:
        return np.zeros(1)
    # Doses are >= 0 here, so truncation is floor.
    # (np.clip: quicker than np.maximum with a scalar; a -0.0 it keeps still truncates to bin 0.)
    index = (np.clip(dose_gy, 0.0, np.inf) / np.float64(bin_width_gy)).astype(np.int64)
    return np.bincount(index, weights=volume_cc, minlength=int(index.max()) + 1)


def cumulative(differential_cc: np.ndarray) -> np.ndarray:
    """Volume receiving at least each bin edge i*w (one more point than bins, ending at 0)."""
    tail = np.cumsum(differential_cc[::-1])[::-1]
    return np.append(tail, 0.0)
