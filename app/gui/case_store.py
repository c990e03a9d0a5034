"""Per-structure-set values the user sets by hand, kept for the session or with the case.

Both stores map a structure set's SOP Instance UID to a ``{name: value}`` dictionary. The memory
store forgets them when the window closes; the case-file store keeps them in the case timeline
shown by a ``TimelineView``, under one extra top-level key of the case file (which keeps fields
it does not know): a change marks the case modified and File ▸ Save case timeline writes it.
Used for the hand structure mappings (``constraints.structure_mapping``) and the α/β overrides
(``plans.alpha_beta_store``); ``clean`` turns what a case file holds into valid values.
"""
from __future__ import annotations

from typing import Any, Callable

Clean = Callable[[Any], dict]


class MemoryStore:
    """Values kept for the session only (no case timeline around)."""

    def __init__(self) -> None:
        self._data: dict[str, dict] = {}

    def load(self, structure_set_uid: str) -> dict:
        return dict(self._data.get(structure_set_uid, {}))

    def save(self, structure_set_uid: str, values: dict) -> None:
        self._data[structure_set_uid] = dict(values)


class CaseFileStore:
    """Values kept in the case timeline of ``timeline_view`` under the top-level ``key``."""

    def __init__(self, timeline_view, key: str, clean: Clean):
        self.view, self.key, self.clean = timeline_view, key, clean

    def _all(self) -> dict:
        value = self.view.case().raw.get(self.key)
        return value if isinstance(value, dict) else {}

    def load(self, structure_set_uid: str) -> dict:
        return self.clean(self._all().get(structure_set_uid, {}))

    def save(self, structure_set_uid: str, values: dict) -> None:
        values = self.clean(values)
        if self.load(structure_set_uid) == values:
            return
        everything = dict(self._all())
        if values:
            everything[structure_set_uid] = dict(values)
        else:
            everything.pop(structure_set_uid, None)
        raw = self.view.case().raw
        if everything:
            raw[self.key] = everything
        else:
            raw.pop(self.key, None)
        self.view.mark_modified()
