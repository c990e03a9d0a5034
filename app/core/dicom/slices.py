"""The image slices a structure set's contours are drawn on, and the slab of patient each one stands for.

A planning system draws a ROI slice by slice on the CT: a contour on a slice stands for that
slice's thickness (half-way to the slice below and to the slice above), and a slice without a
contour is not part of the ROI. So the DVH engine takes each contour plane's slab from the
slices, not from the distance to the ROI's next contour: a helper ROI drawn on a few slices 6-72
mm apart is a few slices thick, not 72 mm; two lesions in one ROI stay two pieces; a ROI on one
slice is one slice thick.

The slices are the referenced CT's when it is loaded (``attach_slices(image_z_mm=ct.z_mm)``),
else every contour plane of the structure set. Without the CT, two consecutive contour planes
are neighbouring slices when they are at most 1.5 typical spacings apart or some ROI is drawn on
both (a slice nobody contoured leaves a gap of several spacings: its thickness is unknown, so
each side takes half a typical spacing). The typical spacing is the median distance between
neighbouring planes of one ROI (the CT's median slice spacing when the CT is known).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Contour planes are grouped at 1e-3 mm (rtstruct.Z_DECIMALS); CT positions within this are one slice.
TOLERANCE_MM = 0.01
# Planes further apart than this many typical spacings are not neighbouring slices (without a CT,
# unless one ROI is drawn on both).
NEIGHBOUR_FACTOR = 1.5


@dataclass(frozen=True, eq=False)
class SliceGrid:
    """Sorted slice positions ``z_mm`` and per slice the slab ``[lo_mm, hi_mm]`` it stands for (mm).

    ``joined[i]``: slices i and i + 1 are neighbours (their slabs meet half-way). ``spacing_mm``:
    the typical slice spacing. ``source``: "CT" or "contours" (where the slices came from)."""

    z_mm: np.ndarray
    lo_mm: np.ndarray
    hi_mm: np.ndarray
    joined: np.ndarray
    spacing_mm: float
    source: str

    def index(self, z_mm: np.ndarray) -> np.ndarray:
        """Per z, the index of its slice; -1 where no slice lies within TOLERANCE_MM."""
        z = np.asarray(z_mm, dtype=float)
        last = self.z_mm.size - 1
        i = np.searchsorted(self.z_mm, z)
        below, above = np.clip(i - 1, 0, last), np.clip(i, 0, last)
        nearest = np.where(np.abs(self.z_mm[below] - z) <= np.abs(self.z_mm[above] - z), below, above)
        return np.where(np.abs(self.z_mm[nearest] - z) <= TOLERANCE_MM, nearest, -1)


def _unique(z: np.ndarray) -> np.ndarray:
    z = np.sort(np.asarray(z, dtype=float))
    if z.size < 2:
        return z
    return z[np.insert(np.diff(z) > TOLERANCE_MM, 0, True)]


def typical_spacing_mm(roi_planes: list[np.ndarray]) -> float | None:
    """Median distance between neighbouring contour planes of one ROI, over all ROIs (None if no
    ROI has two planes)."""
    steps = [np.diff(np.sort(z)) for z in roi_planes if len(z) > 1]
    gaps = np.concatenate(steps) if steps else np.zeros(0)
    gaps = gaps[gaps > TOLERANCE_MM]
    return float(np.median(gaps)) if gaps.size else None


def slice_grid(roi_planes: list[np.ndarray], image_z_mm: np.ndarray | None = None) -> SliceGrid | None:
    """The slices of a structure set whose ROIs have the contour planes ``roi_planes`` (one array
    of z per ROI), on the CT slices ``image_z_mm`` when given. None when no spacing is known (no
    CT of two slices and no ROI with two planes)."""
    planes = [np.asarray(z, dtype=float) for z in roi_planes if len(z)]
    contour_z = _unique(np.concatenate(planes)) if planes else np.zeros(0)
    image = _unique(image_z_mm) if image_z_mm is not None and len(image_z_mm) > 1 else None
    if image is not None:
        spacing = float(np.median(np.diff(image)))
        z = _unique(np.concatenate((image, contour_z)))
        lo_ct, hi_ct = image[0] - TOLERANCE_MM, image[-1] + TOLERANCE_MM
        inside = (z >= lo_ct) & (z <= hi_ct)
        joined = (inside[:-1] & inside[1:]) | (np.diff(z) <= NEIGHBOUR_FACTOR * spacing)
        source = "CT"
    else:
        spacing = typical_spacing_mm(planes)
        if spacing is None or contour_z.size == 0:
            return None
        z = contour_z
        joined = np.diff(z) <= NEIGHBOUR_FACTOR * spacing
        if not joined.all():  # a ROI drawn on both sides of a wide gap: its slices are neighbours there
            for roi_z in planes:
                idx = np.searchsorted(z, _unique(roi_z))
                idx = np.clip(idx, 0, z.size - 1)
                consecutive = idx[:-1][np.diff(idx) == 1]
                joined[consecutive] = True
        source = "contours"
    gaps = np.diff(z)
    half_below = np.concatenate(([np.nan], 0.5 * gaps))
    half_above = np.concatenate((0.5 * gaps, [np.nan]))
    join_below = np.concatenate(([False], joined))
    join_above = np.concatenate((joined, [False]))
    # A side without a neighbour takes the other side's half when that one is a neighbour, else
    # half a typical spacing.
    own_half = np.where(join_above, half_above, np.where(join_below, half_below, 0.5 * spacing))
    lo = z - np.where(join_below, half_below, own_half)
    own_half = np.where(join_below, half_below, np.where(join_above, half_above, 0.5 * spacing))
    hi = z + np.where(join_above, half_above, own_half)
    return SliceGrid(z, lo, hi, joined, spacing, source)
