"""A plausible (not a clinical) photon dose model for coplanar conformal beams, numpy only.

Each beam: an MLC aperture conformed to the PTV's beam's-eye-view projection plus a margin,
its fluence blurred by a Gaussian penumbra (erf edges), divergent from a point source at
SAD = 1000 mm, attenuated with radiological depth from the body surface (CT numbers to density)
with a build-up region, inverse square. A broad Gaussian of a small fraction of the dose stands
in for scatter, so organs near the field still get a few per cent. Dose is 0 outside BODY.
Gantry angles follow IEC 61217 for a head-first-supine patient: gantry 0 irradiates from
anterior, gantry 90 from the patient's left.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAD_MM = 1000.0
MU_EFF_PER_MM = 0.0045  # effective attenuation of a 6 MV beam in water
BUILDUP_MM = 4.5        # build-up length: dose at the skin ~35 %, ~98 % at 15 mm
DMAX_MM = 15.0
PENUMBRA_SIGMA_MM = 3.0
SCATTER = ((0.09, 15.0), (0.03, 45.0))  # (fraction, Gaussian sigma mm) of the dose spread as scatter
# Millennium-120-style MLC: 10 x 10 mm, 40 x 5 mm, 10 x 10 mm leaf pairs (boundaries at isocentre).
LEAF_BOUNDARIES_MM = np.concatenate([np.arange(-200.0, -100.0, 10.0), np.arange(-100.0, 100.0, 5.0),
                                     np.arange(100.0, 200.1, 10.0)])


@dataclass(frozen=True)
class BeamSpec:
    name: str
    gantry_deg: float
    weight: float  # relative contribution to the isocentre dose


@dataclass
class Field:
    """A conformed static field: jaws and MLC leaf positions at the isocentre plane (mm)."""

    spec: BeamSpec
    jaw_x_mm: tuple[float, float]
    jaw_y_mm: tuple[float, float]
    leaves_mm: np.ndarray  # (2, n_pairs): bank X1 then bank X2
    beam_dose_gy: float = 0.0  # per fraction at the isocentre
    meterset_mu: float = 0.0
    iso_depth_mm: float = 0.0  # water-equivalent
    geometric_depth_mm: float = 0.0


@dataclass
class DoseResult:
    dose_gy: np.ndarray  # (nz, ny, nx)
    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray
    fields: list[Field] = field(default_factory=list)
    ptv_d95_gy: float = 0.0
    max_gy: float = 0.0
    iso_gy: float = 0.0


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), vectorized."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-a * a)
    return s * y


def _phi(x):
    return 0.5 * (1.0 + _erf(x / np.sqrt(2.0)))


def beam_axes(gantry_deg: float):
    """(u, d): in-plane unit vectors of the field's X axis and of the beam direction (x, y)."""
    g = np.radians(gantry_deg)
    return np.array([np.cos(g), np.sin(g)]), np.array([-np.sin(g), np.cos(g)])


def conform(spec: BeamSpec, ptv_points: np.ndarray, iso: np.ndarray, margin_mm: float) -> Field:
    """MLC and jaws around the PTV points' projection onto the isocentre plane, plus a margin."""
    u_hat, d_hat = beam_axes(spec.gantry_deg)
    rel = ptv_points - iso
    u = rel[:, :2] @ u_hat
    w = rel[:, :2] @ d_hat
    f = SAD_MM / (SAD_MM + w)
    ui, vi = u * f, rel[:, 2] * f
    b = LEAF_BOUNDARIES_MM
    n = b.size - 1
    leaves = np.zeros((2, n))
    jy = (float(np.floor(vi.min() - margin_mm)), float(np.ceil(vi.max() + margin_mm)))
    opened = np.zeros(n, dtype=bool)
    for i in range(n):
        sel = (vi >= b[i] - margin_mm) & (vi <= b[i + 1] + margin_mm)
        if sel.any() and b[i + 1] > jy[0] and b[i] < jy[1]:
            leaves[:, i] = ui[sel].min() - margin_mm, ui[sel].max() + margin_mm
            opened[i] = True
    jx = (float(np.floor(leaves[0, opened].min())), float(np.ceil(leaves[1, opened].max())))
    mid = round((jx[0] + jx[1]) / 2.0, 1)
    leaves[:, ~opened] = mid  # closed pairs meet under the jaws
    return Field(spec, jx, jy, np.round(leaves, 1))


def fluence_map(fld: Field, half_mm: float = 160.0, step_mm: float = 1.0):
    """Blurred aperture on the isocentre plane: (grid_mm, F[v, u]) with F in 0..1."""
    g = np.arange(-half_mm, half_mm + step_mm / 2, step_mm)
    s = PENUMBRA_SIGMA_MM
    fl = np.zeros((g.size, g.size))
    b = LEAF_BOUNDARIES_MM
    for i in range(b.size - 1):
        x1, x2 = max(fld.leaves_mm[0, i], fld.jaw_x_mm[0]), min(fld.leaves_mm[1, i], fld.jaw_x_mm[1])
        lo, hi = max(b[i], fld.jaw_y_mm[0]), min(b[i + 1], fld.jaw_y_mm[1])
        if x2 <= x1 or hi <= lo:
            continue
        fu = _phi((g - x1) / s) - _phi((g - x2) / s)
        fv = _phi((g - lo) / s) - _phi((g - hi) / s)
        fl += np.outer(fv, fu)
    return g, np.clip(fl, 0.0, 1.0)


def _bilinear(grid, fmap, u, v):
    step = grid[1] - grid[0]
    fu = np.clip((u - grid[0]) / step, 0, grid.size - 1.001)
    fv = np.clip((v - grid[0]) / step, 0, grid.size - 1.001)
    iu, iv = fu.astype(np.int64), fv.astype(np.int64)
    tu, tv = fu - iu, fv - iv
    return ((fmap[iv, iu] * (1 - tu) + fmap[iv, iu + 1] * tu) * (1 - tv)
            + (fmap[iv + 1, iu] * (1 - tu) + fmap[iv + 1, iu + 1] * tu) * tv)


def radiological_depth(density, xs, ys, iso, gantry_deg, step_mm: float = 1.25):
    """Water-equivalent depth (mm) of every voxel along the beam from where it enters the
    density volume (air counts ~0). Parallel rays; (nz, ny, nx)."""
    u_hat, d_hat = beam_axes(gantry_deg)
    half = np.hypot(max(abs(xs[0] - iso[0]), abs(xs[-1] - iso[0])),
                    max(abs(ys[0] - iso[1]), abs(ys[-1] - iso[1]))) + 5.0
    g = np.arange(-half, half + step_mm / 2, step_mm)
    uu, ww = np.meshgrid(g, g)  # rows: w (along the beam), columns: u
    px = iso[0] + uu * u_hat[0] + ww * d_hat[0]
    py = iso[1] + uu * u_hat[1] + ww * d_hat[1]
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    ix = np.rint((px - xs[0]) / dx).astype(np.int64)
    iy = np.rint((py - ys[0]) / dy).astype(np.int64)
    ok = (ix >= 0) & (ix < xs.size) & (iy >= 0) & (iy < ys.size)
    samp = np.where(ok, density[:, np.clip(iy, 0, ys.size - 1), np.clip(ix, 0, xs.size - 1)], 0.0)
    cum = (np.cumsum(samp, axis=1) - 0.5 * samp) * step_mm  # (nz, nw, nu)
    X, Y = np.meshgrid(xs - iso[0], ys - iso[1])
    ju = np.rint((X * u_hat[0] + Y * u_hat[1] + half) / step_mm).astype(np.int64)
    jw = np.rint((X * d_hat[0] + Y * d_hat[1] + half) / step_mm).astype(np.int64)
    return cum[:, jw, ju]


def depth_dose(d_mm: np.ndarray) -> np.ndarray:
    """Relative depth dose (1 at ~DMAX_MM) of the primary beam, without inverse square."""
    return (1.0 - 0.65 * np.exp(-d_mm / BUILDUP_MM)) * np.exp(-MU_EFF_PER_MM * (d_mm - DMAX_MM))


def beam_terms(fld: Field, density, body, xs, ys, zs, iso):
    """Per-voxel quantities of one field: isocentre-plane coordinates (u, v) of the ray through
    the voxel, the depth-dose x inverse-square x body factor, and the radiological depth."""
    u_hat, d_hat = beam_axes(fld.spec.gantry_deg)
    X, Y = np.meshgrid(xs - iso[0], ys - iso[1])
    w = X * d_hat[0] + Y * d_hat[1]
    f = SAD_MM / (SAD_MM + w)  # (ny, nx)
    v = (zs - iso[2])[:, None, None] * f[None]
    u = np.broadcast_to((X * u_hat[0] + Y * u_hat[1]) * f, v.shape)
    depth = radiological_depth(density, xs, ys, iso, fld.spec.gantry_deg)
    return u, v, depth_dose(depth) * (f * f)[None] * body, depth


def _smooth2d(img, sigma_px):
    """Gaussian smoothing (separable), computed only over the non-zero region plus a border."""
    rows, cols = np.nonzero(img.any(axis=1))[0], np.nonzero(img.any(axis=0))[0]
    out = np.zeros_like(img)
    if rows.size == 0:
        return out
    pad = int(4 * sigma_px) + 1
    r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, img.shape[0])
    c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, img.shape[1])
    gr = _gauss_matrix(np.arange(r0, r1, dtype=float), sigma_px)
    gc = _gauss_matrix(np.arange(c0, c1, dtype=float), sigma_px)
    out[r0:r1, c0:c1] = gr @ img[r0:r1, c0:c1] @ gc.T
    return out


def compensate(grid, maps, terms, weights, ptv, iterations=8, gain=0.8):
    """Field-in-field style compensation: scale each beam's fluence along the rays through the
    PTV so that the PTV dose becomes uniform (multiplicative, ratio back-projected per beam).
    Works on the PTV voxels only; returns one modulation map per beam."""
    step = grid[1] - grid[0]
    mods = [np.ones_like(m) for m in maps]
    uvt = [(u[ptv], v[ptv], t[ptv]) for u, v, t in terms]
    idx = [np.rint((v - grid[0]) / step).astype(np.int64) * grid.size
           + np.rint((u - grid[0]) / step).astype(np.int64) for u, v, _ in uvt]
    for _ in range(iterations):
        total = sum(w * _bilinear(grid, a * m, u, v) * t
                    for a, m, (u, v, t), w in zip(maps, mods, uvt, weights))
        ratio = np.clip(np.mean(total) / np.maximum(total, 1e-9), 0.8, 1.25)
        for b, (_, _, t) in enumerate(uvt):
            wt = t * maps[b].ravel()[idx[b]]
            num = np.bincount(idx[b], wt * ratio, grid.size ** 2).reshape(maps[b].shape)
            den = np.bincount(idx[b], wt, grid.size ** 2).reshape(maps[b].shape)
            num, den = _smooth2d(num, 3.0), _smooth2d(den, 3.0)
            eps = 0.02 * den.max()
            mods[b] *= ((num + eps) / (den + eps)) ** gain
    return mods


def skin_distance(body, xs, ys, zs, point, gantry_deg, step_mm: float = 0.5) -> float:
    """Geometric depth (mm) of ``point`` below the skin along the beam (for the SSD)."""
    _, d_hat = beam_axes(gantry_deg)
    t = np.arange(0.0, 600.0, step_mm)
    px, py = point[0] - t * d_hat[0], point[1] - t * d_hat[1]
    ix = np.rint((px - xs[0]) / (xs[1] - xs[0])).astype(np.int64)
    iy = np.rint((py - ys[0]) / (ys[1] - ys[0])).astype(np.int64)
    iz = int(np.argmin(np.abs(zs - point[2])))
    ok = (ix >= 0) & (ix < xs.size) & (iy >= 0) & (iy < ys.size)
    inside = np.zeros(t.size, dtype=bool)
    inside[ok] = body[iz, iy[ok], ix[ok]]
    return float(inside.sum() * step_mm)


def _gauss_matrix(coords, sigma):
    d = coords[:, None] - coords[None, :]
    g = np.exp(-0.5 * (d / sigma) ** 2)
    return g / g.sum(axis=1, keepdims=True)


def add_scatter(dose, xs, ys, zs):
    """Mix in a broad Gaussian-blurred copy of the dose (separable, small matrices)."""
    out = dose * (1.0 - sum(f for f, _ in SCATTER))
    nz, ny, nx = dose.shape
    for frac, sigma in SCATTER:  # three plain 2-D matrix products, one per axis
        blur = dose.reshape(nz * ny, nx) @ np.ascontiguousarray(_gauss_matrix(xs, sigma).T)
        blur = blur.reshape(nz, ny, nx).transpose(1, 0, 2).reshape(ny, nz * nx)
        blur = (_gauss_matrix(ys, sigma) @ blur).reshape(ny, nz, nx).transpose(1, 0, 2)
        blur = (_gauss_matrix(zs, sigma) @ blur.reshape(nz, ny * nx)).reshape(nz, ny, nx)
        out += frac * blur
    return out


def density_from_hu(hu: np.ndarray) -> np.ndarray:
    """Relative electron density from CT numbers (a two-segment calibration curve)."""
    return np.where(hu <= 0, np.clip(1.0 + hu / 1000.0, 0.0, None), 1.0 + hu / 1650.0)


def _trilinear_point(vol, xs, ys, zs, p):
    out = vol
    for axis, (coords, c) in enumerate(zip((zs, ys, xs), (p[2], p[1], p[0]))):
        i = int(np.clip(np.searchsorted(coords, c) - 1, 0, coords.size - 2))
        t = (c - coords[i]) / (coords[i + 1] - coords[i])
        out = np.take(out, i, axis=0) * (1 - t) + np.take(out, i + 1, axis=0) * t
    return float(out)


def plan_dose(beams, hu, body, ptv_mask, ptv_points, iso, xs, ys, zs, rx_gy, fractions,
              margin_mm: float, compensation_iterations: int = 8) -> DoseResult:
    """Conform the beams, weight them at the isocentre, compensate, add scatter, and scale so
    the PTV's D95 (voxel sampling) equals the prescription."""
    density = density_from_hu(hu)
    fields, maps, terms, weights = [], [], [], []
    for spec in beams:
        fld = conform(spec, ptv_points, iso, margin_mm)
        grid, fmap = fluence_map(fld)
        u, v, t, depth = beam_terms(fld, density, body, xs, ys, zs, iso)
        at_iso = _trilinear_point(_bilinear(grid, fmap, u, v) * t, xs, ys, zs, iso)
        fld.iso_depth_mm = _trilinear_point(depth, xs, ys, zs, iso)
        fld.geometric_depth_mm = skin_distance(body, xs, ys, zs, iso, spec.gantry_deg)
        fields.append(fld)
        maps.append(fmap)
        terms.append((u, v, t))
        weights.append(spec.weight / at_iso)
    mods = compensate(grid, maps, terms, weights, ptv_mask, compensation_iterations)
    doses = [w * _bilinear(grid, a * m, u, v) * t for a, m, (u, v, t), w in zip(maps, mods, terms, weights)]
    raw = np.sum(doses, axis=0)
    total = add_scatter(raw, xs, ys, zs) * body
    scale = rx_gy / float(np.percentile(total[ptv_mask], 5.0))
    dose = total * scale
    iso_gy = _trilinear_point(dose, xs, ys, zs, iso)
    raw_iso = _trilinear_point(raw, xs, ys, zs, iso)
    for fld, d in zip(fields, doses):
        # The beam's share of the isocentre dose, per fraction.
        fld.beam_dose_gy = iso_gy * _trilinear_point(d, xs, ys, zs, iso) / raw_iso / fractions
        # ~1 cGy/MU at d_max in an SAD set-up: MU = cGy / depth dose at the isocentre depth
        fld.meterset_mu = 100.0 * fld.beam_dose_gy / float(depth_dose(np.array(fld.iso_depth_mm)))
    return DoseResult(dose.astype(np.float32), xs, ys, zs, fields,
                      ptv_d95_gy=float(np.percentile(dose[ptv_mask], 5.0)),
                      max_gy=float(dose.max()), iso_gy=iso_gy)
