"""Resource guard: refuse grids whose pixel data would not fit a voxel budget.

A damaged or hostile header (Rows = 65535, NumberOfFrames = 10^6, a CT of thousands of
slices) must give a clear message, not exhaust memory. The budget is checked from the header
before any pixel data is decoded. Default: 300 million voxels per dose grid or CT series
(1.2 GB as float32; a 512 x 512 x 400 CT is 105 million). Set the environment variable
``RTREVIEW_MAX_VOXELS`` to change it.
"""
from __future__ import annotations

import os

from .errors import DicomReadError

DEFAULT_MAX_VOXELS = 300_000_000
ENV_MAX_VOXELS = "RTREVIEW_MAX_VOXELS"


def max_voxels() -> int:
    """The voxel budget per grid (``RTREVIEW_MAX_VOXELS`` when set to a positive integer)."""
    value = os.environ.get(ENV_MAX_VOXELS, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return DEFAULT_MAX_VOXELS


def check_voxels(dims: tuple[int, ...], path: str, what: str) -> None:
    """DicomReadError when the grid ``dims`` is empty or exceeds the voxel budget."""
    if any(d <= 0 for d in dims):
        raise DicomReadError(path, f"{what} has an empty grid ({' x '.join(str(d) for d in dims)})")
    count = 1
    for d in dims:
        count *= int(d)
    budget = max_voxels()
    if count > budget:
        raise DicomReadError(path, f"{what} grid {' x '.join(str(d) for d in dims)} = {count:,} voxels exceeds "
                                   f"the limit of {budget:,} voxels; not loaded (set {ENV_MAX_VOXELS} to "
                                   "raise the limit)")


# Pixel spacing below this (mm) is refused: no CT or dose grid is that fine, and positions
# computed from it would not even increase in floating point.
MIN_SPACING_MM = 1e-3
# Dose values above this (Gy) are refused as implausible (a wrong DoseGridScaling): histograms
# of such doses would need millions of bins.
MAX_DOSE_GY = 10_000.0


def check_spacing(spacing: list[float], path: str, what: str) -> None:
    """DicomReadError for PixelSpacing values that are not positive or below MIN_SPACING_MM."""
    if min(spacing) <= 0:
        raise DicomReadError(path, f"{what} PixelSpacing {spacing} is not positive")
    if min(spacing) < MIN_SPACING_MM:
        raise DicomReadError(path, f"{what} PixelSpacing {spacing} is implausibly small "
                                   f"(below {MIN_SPACING_MM:g} mm)")
