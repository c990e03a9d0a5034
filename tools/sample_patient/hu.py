"""Paint the anatomy into a CT-number volume on any rectilinear grid."""
from __future__ import annotations

import numpy as np

from .anatomy import HU, Anatomy

CORTEX_MM = 2.5  # cortical shell thickness of bones
COUCH_TOP_MM, COUCH_THICKNESS_MM = 126.0, 12.0


def _paint(plane, anat, shape, z, xs, ys, kind, hu):
    r = anat.depth(shape, z, xs, ys)
    if r is None:
        return
    iy0, iy1, ix0, ix1, d = r
    view = plane[iy0:iy1, ix0:ix1]
    if kind == "fill":
        view[d > 0] = hu
    else:  # bone: cortical shell, trabecular inside
        view[(d > 0) & (d <= CORTEX_MM)] = HU["cortical"]
        view[d > CORTEX_MM] = HU["trabecular"]


def hu_plane(anat: Anatomy, z_mm: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Noise-free HU on one axial plane, shape ``(len(ys), len(xs))``, float32."""
    plane = np.full((ys.size, xs.size), float(HU["air"]), dtype=np.float32)
    # Carbon-fibre couch under the patient (outside BODY, inside the CT field of view).
    y0 = COUCH_TOP_MM * anat.scale
    plane[(ys >= y0) & (ys <= y0 + COUCH_THICKNESS_MM), :] = HU["couch"]
    for shape, kind, hu in anat.layers:
        _paint(plane, anat, shape, z_mm, xs, ys, kind, hu)
    for roi in anat.rois:
        if roi.name in anat.roi_paint:
            hu, kind = anat.roi_paint[roi.name]
            _paint(plane, anat, roi.shape, z_mm, xs, ys, kind, hu)
    for g in anat.gas:
        _paint(plane, anat, g, z_mm, xs, ys, "fill", HU["gas"])
    # Nothing outside the body but the couch and air: clip layers that poke out of the skin.
    body = anat.depth(anat.roi("BODY").shape, z_mm, xs, ys)
    inside = np.zeros(plane.shape, dtype=bool)
    if body is not None:
        iy0, iy1, ix0, ix1, d = body
        inside[iy0:iy1, ix0:ix1] = d > 0
    outside = ~inside & (plane != HU["couch"])
    plane[outside] = HU["air"]
    return plane


def hu_volume(anat: Anatomy, xs: np.ndarray, ys: np.ndarray, zs: np.ndarray,
              rng: np.random.Generator | None = None, noise_hu: float = 0.0) -> np.ndarray:
    """HU on the grid, shape ``(len(zs), len(ys), len(xs))``, float32; Gaussian noise when
    ``rng`` is given (air stays >= -1024)."""
    vol = np.stack([hu_plane(anat, float(z), xs, ys) for z in zs])
    if rng is not None and noise_hu > 0:
        vol += rng.normal(0.0, noise_hu, vol.shape).astype(np.float32)
        np.clip(vol, -1024.0, None, out=vol)
    return vol


def body_mask(anat: Anatomy, xs: np.ndarray, ys: np.ndarray, zs: np.ndarray) -> np.ndarray:
    return roi_mask(anat, "BODY", xs, ys, zs)


def roi_mask(anat: Anatomy, name: str, xs: np.ndarray, ys: np.ndarray, zs: np.ndarray) -> np.ndarray:
    """Voxel centres inside the ROI's analytic shape, shape ``(nz, ny, nx)``, bool."""
    shape = anat.roi(name).shape
    out = np.zeros((zs.size, ys.size, xs.size), dtype=bool)
    for k, z in enumerate(zs):
        r = anat.depth(shape, float(z), xs, ys)
        if r is not None:
            iy0, iy1, ix0, ix1, d = r
            out[k, iy0:iy1, ix0:ix1] = d > 0
    return out
