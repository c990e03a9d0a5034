"""How the DVH plot draws a structure's curve: whether it has one (``has_curve``), the order its
line styles are assigned in (``style_order``: targets first) and its pen (``curve_pen``)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

TARGET_TYPES = ("PTV", "CTV", "ITV", "GTV")


def has_curve(dvh) -> bool:
    """The structure has dose in this plan's grid (a structure outside the grid has no curve)."""
    return dvh.covered_volume_cc > 0 and np.isfinite(dvh.max_gy)


def style_order(dvhs: dict, order: dict) -> tuple:
    """``((roi_number, rgb), ...)`` of the curves of ``dvhs``: targets first, then structure order
    (``order``: ROI number -> position), as ``core.viewing.curve_styles`` takes them."""
    shown = sorted((n for n, d in dvhs.items() if has_curve(d)),
                   key=lambda n: (not dvhs[n].type.upper() in TARGET_TYPES, order.get(n, n)))
    return tuple((n, tuple(dvhs[n].color_rgb)) for n in shown)


def curve_pen(dvh, highlighted: bool, style=None):
    """The structure's pen (its curve style: colour and dash); none for a structure outside the dose
    grid (its all-zero "curve" would draw a stray dot at the origin)."""
    if not has_curve(dvh):
        return None
    rgb = style.rgb if style is not None else tuple(dvh.color_rgb)
    width = 3 if highlighted else 1.8
    if style is not None and style.dash:
        return pg.mkPen(rgb, width=width, dash=list(style.dash))
    return pg.mkPen(rgb, width=width)
