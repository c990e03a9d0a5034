"""Where each case event goes on the timeline: lanes, rows within a lane, x extents.

Pure layout (no Qt): x is seconds since the Unix epoch (UTC midnight of the date), the
unit pyqtgraph's ``DateAxisItem`` expects; y is in rows (row 0 at the top). Items whose
extents (bar plus label) would overlap go to the next row of their lane.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable

from rtreview.core.timeline.model import CaseTimeline, Event

DAY_S = 86400.0
LANES: list[tuple[str, str]] = [
    ("radiotherapy", "Radiotherapy"),
    ("systemic", "Systemic therapy"),
    ("procedures", "Procedures"),
    ("imaging", "Imaging / response"),
    ("other", "Dx / AE / other"),
]
LANE_GAP_ROWS = 0.35
OPEN_END_TAIL_DAYS = 50  # the faded tail drawn after an ongoing therapy's last follow-up


def date_to_x(day: _dt.date) -> float:
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc).timestamp()


def x_to_date(x: float) -> _dt.date:
    return _dt.datetime.fromtimestamp(x, tz=_dt.timezone.utc).date()


@dataclass
class Placement:
    """An event's place: ``x0``..``x1`` is the bar (``x1`` None for a point event); ``open_end``
    when the bar is an ongoing treatment (solid to the last follow-up, then a fading tail)."""

    event: Event
    lane: str
    row: int
    y: float  # centre of its row
    x0: float
    x1: float | None
    open_end: bool
    label_inside: bool


@dataclass
class Layout:
    placements: list[Placement]
    lane_ticks: list[tuple[float, str]]  # (y centre, lane title)
    lane_bounds: list[tuple[float, float]]  # (top y, bottom y) per lane, for separators
    height_rows: float


def bar_extent(event: Event, open_end_x: float | None) -> tuple[float | None, bool]:
    """(x1, open_end) for ``event``: bars end one day after their end date (a one-day course
    is visible); an ongoing therapy runs to ``open_end_x`` (the last follow-up)."""
    if event.ongoing:
        return (open_end_x if open_end_x is not None else date_to_x(event.start) + DAY_S), True
    if event.end is not None:
        return date_to_x(event.end) + DAY_S, False
    if event.kind in ("rt_course", "systemic_therapy"):
        return date_to_x(event.start) + DAY_S, False
    return None, False


def pack_rows(spans: list[tuple[float, float]], gap: float = 0.0) -> list[int]:
    """First-fit rows for ``spans`` (in the given order): the lowest row whose last span ends
    before this one starts (by ``gap``)."""
    row_ends: list[float] = []
    rows = []
    for start, end in spans:
        for row, row_end in enumerate(row_ends):
            if start >= row_end + gap:
                row_ends[row] = end
                rows.append(row)
                break
        else:
            row_ends.append(end)
            rows.append(len(row_ends) - 1)
    return rows


def layout_case(case: CaseTimeline, label_width_s: Callable[[Event], float], marker_s: float,
                open_end_x: float | None) -> Layout:
    """Lay out every event. ``label_width_s(event)`` is its label's width in x units at the
    current zoom; ``marker_s`` is a point marker's width in x units."""
    placements: list[Placement] = []
    ticks, bounds = [], []
    top = 0.0
    for lane, title in LANES:
        events = [e for e in case.sorted_events() if e.LANE == lane]
        spans, shapes = [], []
        for event in events:
            x0 = date_to_x(event.start)
            x1, open_end = bar_extent(event, open_end_x)
            label = label_width_s(event)
            if x1 is None:
                spans.append((x0 - marker_s / 2, x0 + marker_s + label))
                inside = False
            else:
                tail = OPEN_END_TAIL_DAYS * DAY_S if open_end else 0.0
                inside = label + marker_s <= x1 - x0
                spans.append((x0, x1 + tail if inside else max(x1 + tail, x1 + marker_s / 2 + label)))
            shapes.append((x0, x1, open_end, inside))
        rows = pack_rows(spans, gap=marker_s / 2)
        n_rows = max(rows, default=0) + 1
        for event, row, (x0, x1, open_end, inside) in zip(events, rows, shapes):
            placements.append(Placement(event, lane, row, top + row + 0.5, x0, x1, open_end, inside))
        ticks.append((top + n_rows / 2, title))
        bounds.append((top, top + n_rows))
        top += n_rows + LANE_GAP_ROWS
    return Layout(placements, ticks, bounds, top - LANE_GAP_ROWS)
