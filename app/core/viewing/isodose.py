"""Isodose levels (% of prescription or Gy), their colours, and the dose colour wash (no Qt).

Levels: ``IsodoseLevel(value, unit)`` with unit ``"%"`` (of the prescription) or ``"Gy"``. The
default set (``DEFAULT_LEVELS``) is Eclipse-like: the hot-to-cold % of Rx set planning systems
show — hot spots 107 / 105, the prescription 100, coverage 95 / 90, fall-off 80 / 70 / 50 / 30 —
our default, not a copy of any vendor's configuration; the user edits it (the window keeps it in
its settings). A % level needs the prescription: with Rx unknown it has no dose (``dose_gy``
returns None) and views say "needs Rx"; Gy levels are drawn regardless.

Colours: ``ISODOSE_COLORS`` is the conventional hot-to-cold ordering; ``curve_styles.isodose_palette``
moves each level's colour away from the structure colours on show (CIEDE2000, see
``colour_distance``) and isodose lines are dashed where contours are solid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# % of prescription -> RGB, the conventional hot-to-cold ordering of planning systems.
ISODOSE_COLORS: dict[float, tuple[int, int, int]] = {
    110.0: (255, 0, 160),
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
DEFAULT_LEVELS_PCT: tuple[float, ...] = (107.0, 105.0, 100.0, 95.0, 90.0, 80.0, 70.0, 50.0, 30.0)


@dataclass(frozen=True)
class IsodoseLevel:
    """One isodose line: ``value`` in ``unit`` ('%' of the prescription, or 'Gy')."""

    value: float
    unit: str = "%"

    def dose_gy(self, rx_gy: float | None) -> float | None:
        """The line's dose; None for a % level without a prescription ("needs Rx")."""
        if self.unit == "Gy":
            return self.value
        return rx_gy * self.value / 100.0 if rx_gy else None

    def pct_of(self, rx_gy: float | None) -> float | None:
        """The level in % of ``rx_gy`` (a Gy level converted), None without a prescription."""
        if self.unit == "%":
            return self.value
        return 100.0 * self.value / rx_gy if rx_gy else None

    @property
    def needs_rx(self) -> bool:
        return self.unit == "%"

    def __str__(self) -> str:
        return f"{self.value:g} Gy" if self.unit == "Gy" else f"{self.value:g}%"


DEFAULT_LEVELS: tuple[IsodoseLevel, ...] = tuple(IsodoseLevel(v) for v in DEFAULT_LEVELS_PCT)


def isodose_color(pct: float) -> tuple[int, int, int]:
    """Conventional colour of an isodose level; levels without their own colour take the nearest one's."""
    if pct in ISODOSE_COLORS:
        return ISODOSE_COLORS[pct]
    nearest = min(ISODOSE_COLORS, key=lambda k: abs(k - pct))
    return ISODOSE_COLORS[nearest]


def level_color(level: IsodoseLevel, rx_gy: float | None) -> tuple[int, int, int]:
    """Conventional colour of ``level`` (a Gy level by its % of Rx; without Rx, by its order)."""
    pct = level.pct_of(rx_gy)
    return isodose_color(pct if pct is not None else 100.0)


def parse_level_spec(text: str) -> list[IsodoseLevel]:
    """'107, 100;95 50%, 45 Gy' -> levels, % first (descending), then Gy (descending); a bare
    number is % of Rx. ValueError naming the bad item."""
    items = text.replace(";", ",").replace("%", "% ").replace("gy", "Gy").replace("GY", "Gy")
    tokens = [t for t in items.replace(",", " ").split() if t]
    levels: set[IsodoseLevel] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        unit = "%"
        if token.endswith("Gy"):
            token, unit = token[:-2], "Gy"
        elif token.endswith("%"):
            token = token[:-1]
        if i + 1 < len(tokens) and tokens[i + 1] in ("Gy", "%"):
            unit = tokens[i + 1]
            i += 1
        i += 1
        if not token:
            raise ValueError(f"'{unit}' without a number")
        try:
            value = float(token)
        except ValueError:
            raise ValueError(f"{token!r} is not a number") from None
        if not np.isfinite(value) or value <= 0 or (unit == "%" and value > 1000) or (unit == "Gy" and value > 1000):
            raise ValueError(f"{value:g} {unit} is outside 0-1000 {unit}")
        levels.add(IsodoseLevel(value, unit))
    return sorted(levels, key=lambda lv: (lv.unit != "%", -lv.value))


def format_levels(levels) -> str:
    """The text ``parse_level_spec`` reads back: '107, 100, 45 Gy'."""
    return ", ".join(f"{lv.value:g} Gy" if lv.unit == "Gy" else f"{lv.value:g}" for lv in levels)


def parse_levels(text: str) -> list[float]:
    """'107, 100;95 50%' -> [107.0, 100.0, 95.0, 50.0] (% levels only; positive, unique,
    descending); ValueError naming the bad item or a Gy level."""
    levels = parse_level_spec(text)
    gy = [lv for lv in levels if lv.unit == "Gy"]
    if gy:
        raise ValueError(f"{gy[0]} is not a % level")
    return [lv.value for lv in levels]


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
