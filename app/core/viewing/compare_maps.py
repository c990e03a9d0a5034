"""Colour maps of the comparison views (RGBA uint8 images, no Qt).

Dose difference: diverging, blue (A < B) through transparent (0) to red (A > B), symmetric
about 0 up to ``limit_gy``; opacity grows with |difference| so the CT shows where plans agree.
Gamma: transparent where not evaluated; green (0) to yellow (1) for passing points; orange to
red (1 -> 2 and above) for failing ones, opaque, so failures stand out.
"""
from __future__ import annotations

import numpy as np

BLUE = np.array([40, 90, 230], float)
RED = np.array([220, 40, 40], float)
WHITE = np.array([255, 255, 255], float)


def difference_limit_gy(diff_gy: np.ndarray) -> float:
    """A symmetric colour range: the 99.5th percentile of |difference| (at least 0.1 Gy)."""
    finite = np.abs(diff_gy[np.isfinite(diff_gy)])
    return max(float(np.percentile(finite, 99.5)) if finite.size else 0.0, 0.1)


def diverging_rgba(diff_gy: np.ndarray, limit_gy: float, opacity: float = 0.85) -> np.ndarray:
    t = np.clip(np.nan_to_num(diff_gy, nan=0.0) / max(limit_gy, 1e-9), -1.0, 1.0)
    a = np.abs(t)[..., None]
    colour = np.where(t[..., None] >= 0, WHITE + (RED - WHITE) * a, WHITE + (BLUE - WHITE) * a)
    out = np.empty(diff_gy.shape + (4,), np.uint8)
    out[..., :3] = np.clip(colour, 0, 255).astype(np.uint8)
    alpha = np.where(np.isfinite(diff_gy), np.clip(np.abs(t) * 1.5, 0, 1) * opacity * 255, 0)
    out[..., 3] = alpha.astype(np.uint8)
    return out


GAMMA_STOPS = ((0.0, (30, 170, 60)), (1.0, (235, 215, 40)), (1.0001, (255, 140, 0)), (2.0, (200, 0, 0)))


def gamma_rgba(gamma: np.ndarray, opacity: float = 0.8) -> np.ndarray:
    g = np.nan_to_num(gamma, nan=-1.0)
    out = np.zeros(gamma.shape + (4,), np.uint8)
    xs = np.array([s[0] for s in GAMMA_STOPS])
    for ch in range(3):
        out[..., ch] = np.interp(np.clip(g, 0, 2), xs, [s[1][ch] for s in GAMMA_STOPS]).astype(np.uint8)
    alpha = np.where(g < 0, 0, np.where(g <= 1.0, 0.45 * opacity, opacity)) * 255
    out[..., 3] = alpha.astype(np.uint8)
    return out
