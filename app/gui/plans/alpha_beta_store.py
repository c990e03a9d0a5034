"""Where the user's α/β values live: in memory, or with the case in its timeline file.

The values are overrides per ROI name, per structure set (keyed by its SOP Instance UID), exactly
what ``rtreview.core.constraints.alpha_beta`` takes. In the case file they sit under the extra
top-level key ``alpha_beta_overrides`` = ``{structure set SOP Instance UID: {ROI name: Gy}}``
(the case file keeps fields it does not know); a change marks the case modified and File ▸ Save
case timeline writes it, as the hand structure mappings.
"""
from __future__ import annotations

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


class MemoryAlphaBetaStore:
    """Overrides kept for the session only (no case timeline around)."""

    def __init__(self):
        self._data: dict[str, dict[str, float]] = {}

    def load(self, structure_set_uid: str) -> dict[str, float]:
        return dict(self._data.get(structure_set_uid, {}))

    def save(self, structure_set_uid: str, values: dict[str, float]) -> None:
        self._data[structure_set_uid] = dict(values)


class CaseFileAlphaBetaStore:
    """Overrides kept in the case timeline shown by a ``TimelineView`` (see module docstring)."""

    def __init__(self, timeline_view):
        self.view = timeline_view

    def _all(self) -> dict:
        value = self.view.case().raw.get(CASE_KEY)
        return value if isinstance(value, dict) else {}

    def load(self, structure_set_uid: str) -> dict[str, float]:
        return _clean(self._all().get(structure_set_uid, {}))

    def save(self, structure_set_uid: str, values: dict[str, float]) -> None:
        values = _clean(values)
        if self.load(structure_set_uid) == values:
            return
        everything = dict(self._all())
        if values:
            everything[structure_set_uid] = dict(values)
        else:
            everything.pop(structure_set_uid, None)
        raw = self.view.case().raw
        if everything:
            raw[CASE_KEY] = everything
        else:
            raw.pop(CASE_KEY, None)
        self.view.mark_modified()
