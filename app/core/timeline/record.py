"""Base of everything read from a case file: known fields as attributes, plus the original dict.

Every object keeps the dict it was read from (``raw``); saving overlays the known fields
on it, so fields this program does not know survive a round trip unchanged.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import itertools
from dataclasses import dataclass, field
from typing import ClassVar

_ids = itertools.count(1)


def new_event_id(prefix: str = "event") -> str:
    """A fresh id for an event created in the program (files may omit ids)."""
    return f"{prefix}-new-{next(_ids)}"


def _to_python(value: object, type_name: str) -> object:
    """Convert a JSON value to the field's Python type (dates from ISO text)."""
    if value is None:
        return None
    if "date" in type_name and "datetime" not in type_name:
        return _dt.date.fromisoformat(value) if isinstance(value, str) else value
    if type_name.startswith("float"):
        return float(value)
    return value


def _to_json(value: object) -> object:
    return value.isoformat() if isinstance(value, _dt.date) else value


@dataclass(eq=False)
class Record:
    """Base of everything read from a case file: known fields + the original dict."""

    raw: dict = field(default_factory=dict, repr=False, compare=False)
    _SKIP: ClassVar[frozenset[str]] = frozenset({"raw"})

    @classmethod
    def _known_fields(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if f.name not in cls._SKIP]

    @classmethod
    def from_dict(cls, data: dict, **extra):
        values = {f.name: _to_python(data[f.name], str(f.type))
                  for f in cls._known_fields() if f.name in data and data[f.name] is not None}
        values.update(extra)
        return cls(raw=dict(data), **values)

    def to_dict(self) -> dict:
        """The original dict with the known fields overlaid. A field that is empty now is
        written only if the file had it (so an untouched file round-trips byte-for-byte in meaning)."""
        out = dict(self.raw)
        for f in self._known_fields():
            value = getattr(self, f.name)
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            if f.name in out or (value is not None and value != default and value != ""):
                new = _to_json(value)
                if not (f.name in self.raw and self.raw[f.name] == new and type(new) is not bool):
                    out[f.name] = new  # else keep the file's spelling (e.g. 50, not 50.0)
        return out
