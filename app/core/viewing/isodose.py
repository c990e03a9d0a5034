"""Isodose levels (% of prescription), their colours, and the dose colour wash (no Qt)."""
from __future__ import annotations

import numpy as np

# % of prescription -> RGB, the conventional hot-to-cold ordering of planning systems.
ISODOSE_COLORS: dict[float, tuple[int, int, int]] = {
    107.0: (255, 0, 255),
    105.0: (255, 96, 208),
    100.0: (255, 0, 0),
    95.0: (255, 140, 0),
    90.0: (255, 230, 0),
    80.0: (0, 220, 0),
    70.0: (0, 200, 160),
    50.0: (0, 200, 255),
    30.0: (64, 96, 255),
    20.0: (150, 110, 255),
    10.0: (170, 170, 170),
}
DEFAULT_LEVELS_PCT: tuple[float, ...] = (107.0, 100.0, 95.0, 80.0, 50.0, 30.0)


def isodose_color(pct: float) -> tuple[int, int, int]:
    """Colour of an isodose level; levels without their own colour take the nearest one's."""
    if pct in ISODOSE_COLORS:
        return ISODOSE_COLORS[pct]
    nearest = min(ISODOSE_COLORS, key=lambda k: abs(k - pct))
    return ISODOSE_COLORS[nearest]


def parse_levels(text: str) -> list[float]:
    """'107, 100 95;50' -> [107.0, 100.0, 95.0, 50.0] (positive, unique, descending);
    ValueError naming the bad item."""
    levels: set[float] = set()
    for item in text.replace(";", ",").replace(" ", ",").split(","):
        if not item.strip():
            continue
        try:
            value = float(item.strip().rstrip("%"))
        except ValueError:
            raise ValueError(f"{item.strip()!r} is not a number") from None
        if not 0 < value <= 1000:
            raise ValueError(f"{value:g} % is outside 0-1000 %")
        levels.add(value)
    return sorted(levels, reverse=True)


def _wash_lut() -> np.ndarray:
    """256 x 3 uint8, blue -> cyan -> green -> yellow -> red (a 'jet'-like ramp)."""
    stops = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    rgb = np.array([[0, 0, 255], [0, 200, 255], [0, 220, 0], [255, 230, 0], [255, 0, 0]], dtype=float)
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, stops, rgb[:, c]) for c in range(3)], axis=1).astype(np.uint8)


WASH_LUT = _wash_lut()


def wash_range_gy(rx_gy: float, threshold_pct: float, top_pct: float = 110.0) -> tuple[float, float]:
    """Dose range (Gy) the colour ramp spans: from the threshold to ``top_pct`` of Rx."""
    low = rx_gy * threshold_pct / 100.0
    return low, max(low + 1e-6, rx_gy * top_pct / 100.0)


def colorwash_rgba(dose_gy: np.ndarray, rx_gy: float, threshold_pct: float, opacity: float,
                   top_pct: float = 110.0) -> np.ndarray:
    """RGBA uint8 image of ``dose_gy``: transparent below ``threshold_pct`` of Rx, then the ramp
    from the threshold to ``top_pct`` of Rx (clamped), with alpha ``opacity`` (0-1)."""
    low, high = wash_range_gy(rx_gy, threshold_pct, top_pct)
    index = np.clip((dose_gy - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
    out = np.empty(dose_gy.shape + (4,), dtype=np.uint8)
    out[..., :3] = WASH_LUT[index]
    out[..., 3] = np.where(dose_gy >= low, np.uint8(round(255 * min(max(opacity, 0.0), 1.0))), np.uint8(0))
    return out
