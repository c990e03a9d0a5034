"""Where the user's α/β values live: in memory, or with the case in its timeline file.

The values are overrides per ROI name, per structure set (keyed by its SOP Instance UID), exactly
what ``rtreview.core.constraints.alpha_beta`` takes. In the case file they sit under the extra
top-level key ``alpha_beta_overrides`` = ``{structure set SOP Instance UID: {ROI name: Gy}}``
(the case file keeps fields it does not know); a change marks the case modified and File ▸ Save
case timeline writes it, as the hand structure mappings.
"""
from __future__ import annotations

from rtreview.gui.case_store import CaseFileStore, MemoryStore

CASE_KEY = "alpha_beta_overrides"


def _clean(values) -> dict[str, float]:
    out = {}
    if isinstance(values, dict):
        for name, value in values.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if number > 0:
                out[str(name)] = number
    return out


class MemoryAlphaBetaStore(MemoryStore):
    """Overrides kept for the session only (no case timeline around)."""


class CaseFileAlphaBetaStore(CaseFileStore):
    """Overrides kept in the case timeline shown by a ``TimelineView`` (see module docstring)."""

    def __init__(self, timeline_view):
        super().__init__(timeline_view, CASE_KEY, _clean)
