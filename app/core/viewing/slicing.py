"""Slices of a CT volume and of a dose grid resampled onto the CT slice plane (no Qt).

Conventions: arrays are ``(nz, ny, nx)`` with strictly increasing voxel-centre axes in mm
(DICOM patient coordinates, see ``CtVolume`` / ``DoseGrid``). A slice image is row-major:

- axial    rows = y (posterior +), columns = x (patient left +); fixed z
- coronal  rows = z (superior +),  columns = x; fixed y
- sagittal rows = z,               columns = y; fixed x

``u_mm`` names the column coordinates, ``v_mm`` the row coordinates of a slice image.

Coronal and sagittal rows are placed by position, not index: when the CT's slices are unevenly
spaced (2 mm through the target, 5 mm elsewhere; a missing slice) their rows are resampled onto an
even z axis (``display_z_mm``), each row showing the slice whose slab holds it (nearest centre).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from rtreview.core.dicom.ct_volume import CtVolume
from rtreview.core.dicom.dose_grid import DoseGrid


class Plane(str, Enum):
    AXIAL = "axial"
    CORONAL = "coronal"
    SAGITTAL = "sagittal"


# plane -> (fixed array axis, row array axis, column array axis); array axes are (z, y, x) = 0, 1, 2
_AXES = {Plane.AXIAL: (0, 1, 2), Plane.CORONAL: (1, 0, 2), Plane.SAGITTAL: (2, 0, 1)}


def _coords(volume: CtVolume | DoseGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return volume.z_mm, volume.y_mm, volume.x_mm


def slice_count(ct: CtVolume, plane: Plane) -> int:
    return int(ct.hu.shape[_AXES[Plane(plane)][0]])


# Uneven when neighbouring CT slices' spacings differ by more than this (mm).
EVEN_TOLERANCE_MM = 0.01


def display_z_mm(ct: CtVolume) -> np.ndarray:
    """The z of the rows of coronal and sagittal images: the CT's own slice positions when evenly
    spaced, else an even axis from the first to the last slice at the finest spacing (at least a
    quarter of the median, so one odd gap cannot explode the image)."""
    z = ct.z_mm
    if z.size < 3:
        return z
    gaps = np.diff(z)
    if float(gaps.max() - gaps.min()) <= EVEN_TOLERANCE_MM:
        return z
    step = max(float(gaps.min()), 0.25 * float(np.median(gaps)))
    n = int(np.floor((z[-1] - z[0]) / step + 1e-6)) + 1
    return z[0] + step * np.arange(n)


def display_rows(ct: CtVolume) -> np.ndarray | None:
    """Per row of ``display_z_mm``, the CT slice shown there (nearest centre); None when even."""
    shown = display_z_mm(ct)
    if shown is ct.z_mm:
        return None
    z = ct.z_mm
    i = np.clip(np.searchsorted(z, shown), 1, z.size - 1)
    return np.where(z[i] - shown < shown - z[i - 1], i, i - 1).astype(np.intp)


def slice_axes(ct: CtVolume, plane: Plane) -> tuple[np.ndarray, np.ndarray]:
    """``(u_mm, v_mm)``: column and row coordinates of a ``plane`` slice image."""
    fixed, row, col = _AXES[Plane(plane)]
    coords = _coords(ct)
    v = display_z_mm(ct) if row == 0 else coords[row]
    return coords[col], v


def slice_position_mm(ct: CtVolume, plane: Plane, index: int) -> float:
    """Coordinate (mm) of slice ``index`` along the plane's normal."""
    return float(_coords(ct)[_AXES[Plane(plane)][0]][index])


def nearest_index(axis_mm: np.ndarray, position_mm: float) -> int:
    """Index of the voxel centre nearest ``position_mm`` (clamped to the axis)."""
    i = int(np.searchsorted(axis_mm, position_mm))
    if i <= 0:
        return 0
    if i >= axis_mm.size:
        return int(axis_mm.size - 1)
    return i if (axis_mm[i] - position_mm) < (position_mm - axis_mm[i - 1]) else i - 1


def slice_index_at(ct: CtVolume, plane: Plane, position_mm: float) -> int:
    return nearest_index(_coords(ct)[_AXES[Plane(plane)][0]], position_mm)


def ct_slice(ct: CtVolume, plane: Plane, index: int) -> np.ndarray:
    """The HU image of slice ``index`` (a view into ``ct.hu``; coronal and sagittal images of
    unevenly spaced slices are a copy with rows on ``display_z_mm``)."""
    plane = Plane(plane)
    if plane is Plane.AXIAL:
        return ct.hu[index]
    image = ct.hu[:, index, :] if plane is Plane.CORONAL else ct.hu[:, :, index]
    rows = display_rows(ct)
    return image if rows is None else image[rows]


@dataclass(frozen=True)
class LinearIndex:
    """Linear-interpolation lookup of target coordinates on a strictly increasing source axis:
    ``value = (1 - w) * a[i0] + w * a[i0 + 1]``; ``inside`` is False beyond the end centres."""

    i0: np.ndarray
    i1: np.ndarray
    w: np.ndarray
    inside: np.ndarray

    @classmethod
    def build(cls, source_mm: np.ndarray, target_mm: np.ndarray, tolerance_mm: float = 1e-3) -> "LinearIndex":
        source_mm = np.asarray(source_mm, dtype=float)
        target_mm = np.atleast_1d(np.asarray(target_mm, dtype=float))
        n = source_mm.size
        inside = (target_mm >= source_mm[0] - tolerance_mm) & (target_mm <= source_mm[-1] + tolerance_mm)
        if n == 1:
            zeros = np.zeros(target_mm.size, dtype=np.intp)
            return cls(zeros, zeros, np.zeros(target_mm.size, dtype=np.float32), inside)
        i0 = np.clip(np.searchsorted(source_mm, target_mm, side="right") - 1, 0, n - 2)
        w = (target_mm - source_mm[i0]) / (source_mm[i0 + 1] - source_mm[i0])
        return cls(i0, i0 + 1, np.clip(w, 0.0, 1.0).astype(np.float32), inside)

    def apply(self, array: np.ndarray, axis: int) -> np.ndarray:
        """Interpolate ``array`` along ``axis`` at the target coordinates (outside -> 0)."""
        shape = [1] * array.ndim
        shape[axis] = -1
        w = self.w.reshape(shape)
        out = np.take(array, self.i0, axis=axis) * (1 - w) + np.take(array, self.i1, axis=axis) * w
        return out * self.inside.reshape(shape)


class DoseResampler:
    """Dose of one grid on the slices of one CT, by trilinear interpolation (0 outside the grid).

    The per-axis lookups are built once; each ``plane()`` call then costs three separable
    linear interpolations of one dose slab. Holds references, never copies of the dose array.
    """

    def __init__(self, dose: DoseGrid, ct: CtVolume):
        self.dose = dose
        self.ct = ct
        dose_coords, ct_coords = _coords(dose), _coords(ct)
        self._lookup = [LinearIndex.build(d, c) for d, c in zip(dose_coords, ct_coords)]
        # rows of coronal / sagittal images: on the display z axis (by position)
        self._rows_z = LinearIndex.build(dose.z_mm, display_z_mm(ct))

    def plane(self, plane: Plane, index: int) -> np.ndarray:
        """float32 dose (Gy) on CT slice ``index`` of ``plane``, shaped like ``ct_slice``."""
        fixed, row, col = _AXES[Plane(plane)]
        ct_pos = float(_coords(self.ct)[fixed][index])
        at = LinearIndex.build(_coords(self.dose)[fixed], [ct_pos])
        if not at.inside[0]:
            return np.zeros(ct_slice(self.ct, plane, index).shape, dtype=np.float32)
        data = self.dose.dose_gy
        w = float(at.w[0])
        slab = np.take(data, int(at.i0[0]), axis=fixed)
        if w > 0:
            slab = slab * (1 - w) + np.take(data, int(at.i1[0]), axis=fixed) * w
        # remaining axes keep their order (row axis before column axis in every plane)
        slab = (self._rows_z if row == 0 else self._lookup[row]).apply(slab, 0)
        slab = self._lookup[col].apply(slab, 1)
        return np.ascontiguousarray(slab, dtype=np.float32)


def native_dose_plane(dose: DoseGrid, ct: CtVolume, plane: Plane, index: int):
    """``(dose2d, u_mm, v_mm)``: the dose grid's own in-plane samples on the plane of CT slice
    ``index`` (interpolated along the normal only), or None when the plane misses the grid.
    Isolines are traced on this coarser image: same lines, a fraction of the work."""
    fixed, row, col = _AXES[Plane(plane)]
    ct_pos = float(_coords(ct)[fixed][index])
    dose_coords = _coords(dose)
    at = LinearIndex.build(dose_coords[fixed], [ct_pos])
    if not at.inside[0]:
        return None
    w = float(at.w[0])
    slab = np.take(dose.dose_gy, int(at.i0[0]), axis=fixed)
    if w > 0:
        slab = slab * (1 - w) + np.take(dose.dose_gy, int(at.i1[0]), axis=fixed) * w
    return slab, dose_coords[col], dose_coords[row]


def dose_at(dose: DoseGrid, x_mm: float, y_mm: float, z_mm: float) -> float | None:
    """Trilinear dose (Gy) at a point; None outside the grid."""
    lookups = [LinearIndex.build(axis, [p]) for axis, p in zip(_coords(dose), (z_mm, y_mm, x_mm))]
    if not all(bool(lk.inside[0]) for lk in lookups):
        return None
    value = dose.dose_gy
    for axis, lk in enumerate(lookups):
        value = lk.apply(value, axis)
    return float(value.reshape(-1)[0])


def ct_at(ct: CtVolume, x_mm: float, y_mm: float, z_mm: float) -> float | None:
    """HU of the voxel containing the point (nearest centre); None outside the volume."""
    idx = []
    for axis, p in zip(_coords(ct), (z_mm, y_mm, x_mm)):
        half = (abs(float(axis[1] - axis[0])) / 2) if axis.size > 1 else 0.5
        if p < axis[0] - half or p > axis[-1] + half:
            return None
        idx.append(nearest_index(axis, p))
    return float(ct.hu[idx[0], idx[1], idx[2]])


def pixel_rect(u_mm: np.ndarray, v_mm: np.ndarray) -> tuple[float, float, float, float]:
    """``(left, top, width, height)`` in mm of the image whose pixel centres are u × v."""
    du = float(u_mm[1] - u_mm[0]) if u_mm.size > 1 else 1.0
    dv = float(v_mm[1] - v_mm[0]) if v_mm.size > 1 else 1.0
    return float(u_mm[0]) - du / 2, float(v_mm[0]) - dv / 2, du * u_mm.size, dv * v_mm.size
