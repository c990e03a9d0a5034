"""Placing markers and their labels on a plot so that none hides another (no Qt; pixels).

``layout_markers(anchors, marker_px, label_sizes, bounds)``:

1. Markers whose squares would overlap are spread sideways around their mean position, one
   marker width apart (``Placed.marker`` differs from ``Placed.anchor``: draw a thin leader line
   from the marker to the true point).
2. Each label takes the first of several positions around its marker (right, left, above,
   below, the diagonals, then the same farther out) whose box overlaps no marker, no label
   placed before and stays inside ``bounds``; if none is free, the least overlapping one.

Rectangles are (left, top, width, height) in pixels, y down (as painters draw).
"""
from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[float, float, float, float]


@dataclass
class Placed:
    anchor: tuple[float, float]  # the true point (dose, volume) in px
    marker: tuple[float, float]  # where the marker is drawn (centre)
    label: Rect  # where its label is drawn

    @property
    def far(self) -> bool:
        """The label is not beside its marker: draw a leader line to it."""
        x, y, w, h = self.label
        mx, my = self.marker
        dx = max(x - mx, 0.0, mx - (x + w))
        dy = max(y - my, 0.0, my - (y + h))
        return (dx * dx + dy * dy) ** 0.5 > 14.0

    def label_anchor(self) -> tuple[float, float]:
        """The point of the label box nearest its marker (where a leader line ends)."""
        x, y, w, h = self.label
        mx, my = self.marker
        return min(max(mx, x), x + w), min(max(my, y), y + h)

    @property
    def displaced(self) -> bool:
        return abs(self.anchor[0] - self.marker[0]) > 0.5 or abs(self.anchor[1] - self.marker[1]) > 0.5


def overlap(a: Rect, b: Rect) -> float:
    """Area shared by two rectangles (0 when they only touch)."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _inside(r: Rect, bounds: Rect | None) -> bool:
    if bounds is None:
        return True
    return (r[0] >= bounds[0] and r[1] >= bounds[1] and r[0] + r[2] <= bounds[0] + bounds[2]
            and r[1] + r[3] <= bounds[1] + bounds[3])


def spread_markers(anchors: list[tuple[float, float]], marker_px: float) -> list[tuple[float, float]]:
    """Marker centres: overlapping ones spread sideways (see module docstring)."""
    centres = [tuple(map(float, a)) for a in anchors]
    for _round in range(20):  # clusters can merge after spreading; a few rounds settle it
        groups: list[list[int]] = []
        for i in sorted(range(len(centres)), key=lambda k: (centres[k][0], centres[k][1], k)):
            for group in groups:
                if any(abs(centres[i][0] - centres[j][0]) < marker_px - 1e-6
                       and abs(centres[i][1] - centres[j][1]) < marker_px - 1e-6 for j in group):
                    group.append(i)
                    break
            else:
                groups.append([i])
        if all(len(g) == 1 for g in groups):
            break
        for group in groups:
            if len(group) == 1:
                continue
            mean_x = sum(anchors[i][0] for i in group) / len(group)
            y = sum(centres[i][1] for i in group) / len(group)
            order = sorted(group, key=lambda k: (anchors[k][0], k))
            start = mean_x - marker_px * (len(group) - 1) / 2.0
            for n, i in enumerate(order):
                centres[i] = (start + n * marker_px * 1.05, y)
    return centres


def _label_candidates(cx: float, cy: float, w: float, h: float, gap: float, bounds: Rect | None = None):
    """Around the marker, nearest first; then a sweep up and down beside it (the label is then
    joined to its marker by a leader line, see ``Placed.far``)."""
    for scale in (1.0, 2.2, 3.6, 5.0):
        g = gap * scale
        yield (cx + g, cy - h / 2, w, h)            # right
        yield (cx - g - w, cy - h / 2, w, h)        # left
        yield (cx - w / 2, cy - g - h, w, h)        # above
        yield (cx - w / 2, cy + g, w, h)            # below
        yield (cx + g * 0.7, cy - g * 0.7 - h, w, h)  # upper right
        yield (cx - g * 0.7 - w, cy - g * 0.7 - h, w, h)  # upper left
        yield (cx + g * 0.7, cy + g * 0.7, w, h)    # lower right
        yield (cx - g * 0.7 - w, cy + g * 0.7, w, h)  # lower left
    top, bottom = (bounds[1], bounds[1] + bounds[3]) if bounds is not None else (cy - 40 * h, cy + 40 * h)
    for k in range(1, 200):
        moved = False
        for sign in (-1, 1):
            y = cy - h / 2 + sign * k * (h + 1)
            if top <= y <= bottom - h:
                moved = True
                for x in (cx + gap, cx - gap - w, cx - w / 2, cx + 3 * gap, cx - 3 * gap - w):
                    yield (x, y, w, h)
        if not moved:
            break


def layout_markers(anchors: list[tuple[float, float]], marker_px: float, label_sizes: list[tuple[float, float]],
                   bounds: Rect | None = None, avoid: list[Rect] | None = None) -> list[Placed]:
    """Markers and labels placed as the module docstring says; ``avoid``: rectangles labels
    should keep off too (e.g. a legend drawn inside the plot)."""
    centres = spread_markers(anchors, marker_px)
    half = marker_px / 2.0
    marker_boxes = [(x - half, y - half, marker_px, marker_px) for x, y in centres]
    taken: list[Rect] = list(marker_boxes) + list(avoid or [])
    out = []
    for (ax, ay), (cx, cy), (w, h) in zip(anchors, centres, label_sizes):
        best, best_cost = None, None
        for rect in _label_candidates(cx, cy, w, h, half + 2.0, bounds):
            cost = sum(overlap(rect, t) for t in taken) + (0.0 if _inside(rect, bounds) else 1e6)
            if cost == 0.0:
                best = rect
                break
            if best_cost is None or cost < best_cost:
                best, best_cost = rect, cost
        taken.append(best)
        out.append(Placed((float(ax), float(ay)), (cx, cy), best))
    return out
