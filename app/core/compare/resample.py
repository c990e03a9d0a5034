"""One dose on another dose's grid, optionally through a rigid registration.

``dose_on_grid(dose, axes, matrix)`` samples ``dose`` (trilinear, rtreview.core.dvh.interpolate)
at the voxel centres of the rectilinear grid ``axes`` = (x_mm, y_mm, z_mm) of the reference;
``matrix`` (4x4) maps reference-frame millimetres into ``dose``'s frame (identity when None).
Points outside ``dose``'s grid are NaN: callers decide whether that means 0 Gy (a composite)
or "not compared" (a difference, a gamma analysis).
"""
from __future__ import annotations

import numpy as np

from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dicom.frame_links import apply
from rtreview.core.dvh.interpolate import trilinear

CHUNK_POINTS = 2_000_000


def grid_axes(dose: DoseGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.asarray(dose.x_mm, float), np.asarray(dose.y_mm, float), np.asarray(dose.z_mm, float))


def dose_on_grid(dose: DoseGrid, axes, matrix: np.ndarray | None = None) -> np.ndarray:
    """float64 array (len z, len y, len x): ``dose`` at the grid's voxel centres, NaN outside it."""
    x, y, z = (np.asarray(a, float) for a in axes)
    out = np.empty((z.size, y.size, x.size))
    if matrix is None or np.allclose(matrix, np.eye(4), atol=1e-12):
        matrix = None
    plane = np.stack(np.meshgrid(x, y, indexing="xy"), axis=-1).reshape(-1, 2)  # (ny*nx, 2) x then y
    per_chunk = max(1, CHUNK_POINTS // max(plane.shape[0], 1))
    for k0 in range(0, z.size, per_chunk):
        zs = z[k0:k0 + per_chunk]
        pts = np.empty((zs.size, plane.shape[0], 3))
        pts[..., :2] = plane[None]
        pts[..., 2] = zs[:, None]
        if matrix is not None:
            pts = apply(matrix, pts)
        values, _covered = trilinear(dose, pts[..., 0], pts[..., 1], pts[..., 2])
        out[k0:k0 + zs.size] = values.reshape(zs.size, y.size, x.size)
    return out


def difference_gy(a: DoseGrid, b: DoseGrid, matrix: np.ndarray | None = None) -> np.ndarray:
    """A - B on A's grid (Gy, float64); NaN where B does not cover the A voxel.
    ``matrix`` maps A-frame mm into B's frame."""
    b_on_a = dose_on_grid(b, grid_axes(a), matrix)
    return np.asarray(a.dose_gy, dtype=np.float64) - b_on_a
