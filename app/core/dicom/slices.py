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

    ``joined[i]``: slices i and i + 1 are neighbours (their slabs meet half-way). ``half_below`` /
    ``half_above``: half the slice's own thickness on each side, the end cap of a ROI that is not
    drawn on the neighbouring slice. ``spacing_mm``: the typical slice spacing. ``source``: "CT"
    or "contours". A CT slice a contour plane lies on (within ``tolerance_mm``) takes the contour
    plane's position, so the slabs of contiguous contours meet half-way between them."""

    z_mm: np.ndarray
    lo_mm: np.ndarray
    hi_mm: np.ndarray
    joined: np.ndarray
    half_below: np.ndarray
    half_above: np.ndarray
    spacing_mm: float
    source: str
    tolerance_mm: float = TOLERANCE_MM

    def index(self, z_mm: np.ndarray) -> np.ndarray:
        """Per z, the index of its slice; -1 where no slice lies within ``tolerance_mm``."""
        z = np.asarray(z_mm, dtype=float)
        last = self.z_mm.size - 1
        i = np.searchsorted(self.z_mm, z)
        below, above = np.clip(i - 1, 0, last), np.clip(i, 0, last)
        nearest = np.where(np.abs(self.z_mm[below] - z) <= np.abs(self.z_mm[above] - z), below, above)
        return np.where(np.abs(self.z_mm[nearest] - z) <= self.tolerance_mm, nearest, -1)


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
    planes = [_unique(z) for z in roi_planes if len(z)]
    contour_z = _unique(np.concatenate(planes)) if planes else np.zeros(0)
    image = _unique(image_z_mm) if image_z_mm is not None and len(image_z_mm) > 1 else None
    if image is not None:
        return _on_image(image, contour_z)
    spacing = typical_spacing_mm(planes)
    if spacing is None or contour_z.size == 0:
        return None
    z = contour_z
    joined = np.diff(z) <= NEIGHBOUR_FACTOR * spacing
    if not joined.all():  # a ROI drawn on both sides of a wide gap: its slices are neighbours there
        for roi_z in planes:
            idx = np.searchsorted(z, roi_z)
            joined[idx[:-1][np.diff(idx) == 1]] = True
    gaps = np.diff(z)
    return _grid(z, joined, np.concatenate(([np.nan], 0.5 * gaps)), np.concatenate((0.5 * gaps, [np.nan])),
                 spacing, "contours", TOLERANCE_MM)


def _on_image(image: np.ndarray, contour_z: np.ndarray) -> SliceGrid:
    """Slices of the CT ``image`` (sorted z), with the contour planes on them (snapped) or between."""
    gaps = np.diff(image)
    spacing = float(np.median(gaps))
    tolerance = max(TOLERANCE_MM, 0.2 * float(gaps.min()))
    half_below = np.concatenate(([np.nan], 0.5 * gaps))
    half_above = np.concatenate((0.5 * gaps, [np.nan]))
    z = image.copy()
    if contour_z.size:
        nearest = np.clip(np.searchsorted(image, contour_z), 1, image.size - 1)
        nearest = np.where(image[nearest] - contour_z < contour_z - image[nearest - 1], nearest, nearest - 1)
        snapped = np.abs(image[nearest] - contour_z) <= tolerance
        first = np.unique(nearest[snapped], return_index=True)[1]  # one contour plane per slice
        z[nearest[snapped][first]] = contour_z[snapped][first]
        rest = np.setdiff1d(contour_z, z)
        if rest.size:  # contour planes between CT slices or beyond the scan: slices of their own
            z = np.concatenate((z, rest))
            half_below = np.concatenate((half_below, np.full(rest.size, np.nan)))
            half_above = np.concatenate((half_above, np.full(rest.size, np.nan)))
            order = np.argsort(z, kind="stable")
            z, half_below, half_above = z[order], half_below[order], half_above[order]
            own = np.isin(z, rest)
            steps = np.diff(z)
            half_below[own] = np.concatenate(([np.nan], 0.5 * steps))[own]
            half_above[own] = np.concatenate((0.5 * steps, [np.nan]))[own]
    inside = (z >= image[0] - tolerance) & (z <= image[-1] + tolerance)
    joined = (inside[:-1] & inside[1:]) | (np.diff(z) <= NEIGHBOUR_FACTOR * spacing)
    return _grid(z, joined, half_below, half_above, spacing, "CT", tolerance)


def _grid(z, joined, half_below, half_above, spacing, source, tolerance) -> SliceGrid:
    """Slabs of neighbouring slices meet half-way between their positions; a side without a
    neighbour takes the slice's half-thickness on its other side, else half a typical spacing.
    ``half_below`` / ``half_above``: half the gap to the next slice on that side (NaN: none)."""
    join_below = np.concatenate(([False], joined))
    join_above = np.concatenate((joined, [False]))
    half = 0.5 * spacing
    below = np.where(join_below, half_below, np.where(join_above, half_above, half))
    above = np.where(join_above, half_above, np.where(join_below, half_below, half))
    mid = 0.5 * (z[:-1] + z[1:])
    lo = np.where(join_below, np.concatenate(([np.nan], mid)), z - below)
    hi = np.where(join_above, np.concatenate((mid, [np.nan])), z + above)
    return SliceGrid(z, lo, hi, np.asarray(joined, bool), below, above, float(spacing), source, tolerance)
