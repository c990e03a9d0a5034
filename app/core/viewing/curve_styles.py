"""Telling drawn curves apart (no Qt): line styles for curves of near-identical colour, and
isodose colours that keep clear of the structure colours.

- ``curve_styles(items)``: the structure set's colours are kept; where two curves on one plot are
  closer than ``DISTINCT_DE00`` (CIEDE2000, see ``colour_distance``), the later one gets another
  line style (solid, dashed, dotted, dash-dot, dash-dot-dot; greedy, in drawing order). When all
  styles are taken by close neighbours, its colour is adjusted (lightness stepped) until it
  keeps the threshold from them (``adjusted=True``: views may say so in a tooltip).
- ``isodose_palette(levels, structure_rgbs)``: each isodose level starts from its conventional
  colour's hue and takes the nearest light tint that keeps ``DISTINCT_DE00`` from every structure
  colour given and from the other isodose colours; isodose lines are drawn dashed
  (``ISODOSE_DASH``) where contours are solid. With colours everywhere (a structure set using
  dozens of hues) the farthest candidate is used and the dash still tells them apart.
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import lru_cache

from .colour_distance import DISTINCT_DE00, ciede2000, srgb_to_lab

# Dash patterns in units of the pen width (Qt's setDashPattern / pyqtgraph's dash=); () = solid.
LINE_STYLES: dict[str, tuple[float, ...]] = {
    "solid": (),
    "dash": (6.0, 3.0),
    "dot": (1.0, 2.5),
    "dashdot": (6.0, 2.5, 1.0, 2.5),
    "dashdotdot": (6.0, 2.0, 1.0, 2.0, 1.0, 2.0),
}
STYLE_ORDER = tuple(LINE_STYLES)
ISODOSE_DASH: tuple[float, ...] = (5.0, 3.0)  # isodose lines; contours are always solid


@dataclass(frozen=True)
class CurveStyle:
    rgb: tuple[int, int, int]
    style: str = "solid"
    adjusted: bool = False  # the colour was changed from the structure set's

    @property
    def dash(self) -> tuple[float, ...]:
        return LINE_STYLES[self.style]


@lru_cache(maxsize=4096)
def _lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return srgb_to_lab(rgb)


def distance(rgb1, rgb2) -> float:
    """ΔE00 of two 8-bit sRGB colours (Lab values cached)."""
    return ciede2000(_lab(tuple(int(c) for c in rgb1[:3])), _lab(tuple(int(c) for c in rgb2[:3])))


def _lightness_steps(rgb: tuple[int, int, int]):
    """The colour made lighter and darker in HLS steps, nearest first."""
    h, lum, s = colorsys.rgb_to_hls(*(c / 255.0 for c in rgb))
    for step in range(1, 10):
        for sign in (1, -1):
            value = lum + sign * 0.07 * step
            if 0.12 <= value <= 0.9:
                yield tuple(int(round(255 * c)) for c in colorsys.hls_to_rgb(h, value, s))


def curve_styles(items: list[tuple[object, tuple[int, int, int]]],
                 threshold: float = DISTINCT_DE00) -> dict[object, CurveStyle]:
    """``{key: CurveStyle}`` for ``items`` = [(key, rgb)] in drawing order (see module docstring)."""
    out: dict[object, CurveStyle] = {}
    for key, rgb in items:
        rgb = tuple(int(c) for c in rgb[:3])
        near = [s for s in out.values() if distance(s.rgb, rgb) < threshold]
        taken = {s.style for s in near}
        free = [name for name in STYLE_ORDER if name not in taken]
        if free:
            out[key] = CurveStyle(rgb, free[0])
            continue
        for candidate in _lightness_steps(rgb):  # every style taken: move the colour instead
            if all(distance(s.rgb, candidate) >= threshold for s in out.values()):
                out[key] = CurveStyle(candidate, "solid", adjusted=True)
                break
        else:
            best = max(STYLE_ORDER, key=lambda name: min(
                (distance(s.rgb, rgb) for s in near if s.style == name), default=1e9))
            out[key] = CurveStyle(rgb, best)
    return out


def close_pairs(rgbs: dict[object, tuple[int, int, int]], threshold: float = DISTINCT_DE00) -> list[tuple]:
    """[(key1, key2, ΔE00)] of the colours closer than ``threshold`` (for tests and tooltips)."""
    keys = list(rgbs)
    return [(a, b, distance(rgbs[a], rgbs[b])) for i, a in enumerate(keys) for b in keys[i + 1:]
            if distance(rgbs[a], rgbs[b]) < threshold]


# Candidate isodose colours: light tints first (they read on dark CT and differ from the
# saturated colours structure sets mostly use), then fuller ones.
_TINTS = ((0.45, 1.0), (0.35, 1.0), (0.6, 1.0), (0.25, 1.0), (0.8, 1.0), (1.0, 1.0), (0.6, 0.8), (1.0, 0.75))


# An isodose line is drawn over CT, mostly dark grey to black: a colour below this CIE L* would
# hardly show there (a dark magenta, L* 43, was chosen for 105 % on the sample); such candidates
# are used only when no lighter one keeps clear of the structures.
MIN_ISODOSE_LIGHTNESS = 55.0


def _candidates(hue_deg: float):
    for offset in (0, 10, -10, 20, -20, 30, -30, 45, -45, 60, -60, 90, -90, 120, -120, 180):
        h = ((hue_deg + offset) % 360.0) / 360.0
        for s, v in _TINTS:
            yield abs(offset), tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(h, s, v))


def _hue_deg(rgb: tuple[int, int, int]) -> float:
    h, _s, _v = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    return 360.0 * h


def isodose_palette(base_rgbs: list[tuple[int, int, int]], structure_rgbs,
                    threshold: float = DISTINCT_DE00) -> list[tuple[int, int, int]]:
    """One colour per isodose level (``base_rgbs``: the levels' conventional colours, hottest
    first), each ≥ ``threshold`` ΔE00 from every structure colour and from the other levels'
    colours where any candidate allows (see module docstring)."""
    return list(_palette(tuple(tuple(int(c) for c in rgb[:3]) for rgb in base_rgbs),
                         tuple(sorted({tuple(int(c) for c in rgb[:3]) for rgb in structure_rgbs})), float(threshold)))


@lru_cache(maxsize=64)
def _palette(base_rgbs: tuple, structure_rgbs: tuple, threshold: float) -> tuple:
    chosen: list[tuple[int, int, int]] = []
    for base in base_rgbs:
        others = list(structure_rgbs) + chosen
        best, best_score = None, -1.0
        for _offset, candidate in _candidates(_hue_deg(base)):
            nearest = min((distance(candidate, o) for o in others), default=1e9)
            light = _lab(candidate)[0] >= MIN_ISODOSE_LIGHTNESS
            if nearest >= threshold and light:
                best = candidate
                break
            # then: a dark colour that keeps clear, else a light one, else the farthest
            score = nearest + (2000.0 if nearest >= threshold else 0.0) + (1000.0 if light else 0.0)
            if score > best_score:
                best, best_score = candidate, score
        chosen.append(best)
    return tuple(chosen)
