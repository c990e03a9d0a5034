"""Line numbers of the values in a JSON text, keyed by their path, for error messages.

``json`` gives no positions, so after ``json.loads`` has accepted the text we scan it once
more with a small recursive descent that reuses ``json``'s own string and number scanners
(so it agrees with ``json`` on every valid document). A path is a tuple of object keys
and array indices, e.g. ``("events", 3, "dose_gy")``; the empty tuple is the document.
"""
from __future__ import annotations

import bisect
import json
from json.decoder import scanstring
from json.scanner import NUMBER_RE

JsonPath = tuple[str | int, ...]

_WS = " \t\n\r"
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


def parse_with_lines(text: str) -> tuple[object, dict[JsonPath, int]]:
    """Parse ``text`` (raises ``json.JSONDecodeError``) and map every path to its 1-based line.

    For an object member the line is the line of its key, which is where an editor
    user looks; for the document and array items it is where the value starts.
    """
    value = json.loads(text, parse_constant=_reject_constant)
    return value, _LineScanner(text).scan()


def _reject_constant(name: str) -> object:
    """NaN and Infinity are not JSON (Python accepts them); other programs could not read them back."""
    raise ValueError(f"{name} is not allowed in JSON")


def line_for(lines: dict[JsonPath, int], path: JsonPath) -> int | None:
    """Line of ``path``, else of its nearest ancestor that has one (None for an empty map)."""
    path = tuple(path)
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


def format_path(path: JsonPath) -> str:
    """``("events", 3, "dose_gy")`` -> ``events[3].dose_gy``; the document is ``(root)``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


class _LineScanner:
    def __init__(self, text: str):
        self.text = text
        self.lines: dict[JsonPath, int] = {}
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def scan(self) -> dict[JsonPath, int]:
        self._value(self._ws(0), ())
        return self.lines

    def _line(self, pos: int) -> int:
        return bisect.bisect_right(self._line_starts, pos)

    def _ws(self, pos: int) -> int:
        text = self.text
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        return pos

    def _value(self, pos: int, path: JsonPath) -> int:
        """Record ``path`` (unless a key already did) and return the position after the value."""
        self.lines.setdefault(path, self._line(pos))
        ch = self.text[pos]
        if ch == "{":
            return self._object(pos + 1, path)
        if ch == "[":
            return self._array(pos + 1, path)
        if ch == '"':
            return scanstring(self.text, pos + 1)[1]
        match = NUMBER_RE.match(self.text, pos)
        if match:
            return match.end()
        for literal in _LITERALS:
            if self.text.startswith(literal, pos):
                return pos + len(literal)
        raise ValueError(f"unexpected character {ch!r} at offset {pos}")  # json.loads accepted it: a bug

    def _object(self, pos: int, path: JsonPath) -> int:
        pos = self._ws(pos)
        if self.text[pos] == "}":
            return pos + 1
        while True:
            key_line = self._line(pos)
            key, pos = scanstring(self.text, pos + 1)
            member = path + (key,)
            self.lines[member] = key_line  # a duplicate key: the last one wins, as in json
            pos = self._ws(self._ws(pos) + 1)  # skip ':'
            pos = self._ws(self._value(pos, member))
            if self.text[pos] == "}":
                return pos + 1
            pos = self._ws(pos + 1)  # skip ','

    def _array(self, pos: int, path: JsonPath) -> int:
        pos = self._ws(pos)
        if self.text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = self._ws(self._value(pos, path + (index,)))
            index += 1
            if self.text[pos] == "]":
                return pos + 1
            pos = self._ws(pos + 1)
