"""Element values converted from their bytes exactly as pydicom 3 converts them (pydicom.values,
with rtreview's settings: reading validation IGNORE, no datetime conversion, DS as float).

Only what is certain to match is converted here; anything pydicom would treat specially (a DS
or IS that is not a plain number, an empty value inside several, bytes not valid in the
character set, a binary value whose length is no multiple of its size, an unknown VR) raises
Unsupported, and the whole file is then read by pydicom (``source.read_stream``), so damaged
elements behave as they always did.
"""
from __future__ import annotations

import re
import struct
from typing import Any, Callable

from .dataset import DS, IS, MultiValue


class Unsupported(Exception):
    """This file (or element) is not read by the raw reader; pydicom reads it instead."""


# SpecificCharacterSet value -> Python codec (pydicom.charset.python_encoding for these three);
# no value: pydicom's default_encoding 'iso8859' (Latin-1).
ENCODINGS = {"": "latin_1", "ISO_IR 6": "latin_1", "ISO_IR 100": "latin_1", "ISO_IR 192": "utf_8"}

_DS_TEXT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_IS_TEXT = re.compile(r"\s*[+-]?\d+\s*")
_NUMBER_FORMATS = {"US": "H", "SS": "h", "UL": "I", "SL": "i", "FL": "f", "FD": "d", "SV": "q", "UV": "Q"}
TEXT_VRS = ("SH", "LO", "UC")  # decoded with the character set, split, each value rstripped
SINGLE_TEXT_VRS = ("ST", "LT", "UT")  # decoded with the character set, not split
STRING_VRS = ("AS", "CS", "DA", "DT", "TM")  # Latin-1, rstripped as a whole, split
BYTES_VRS = ("OB", "OW", "OD", "OF", "OL", "OV", "UN")
EMPTY_TEXT_VRS = TEXT_VRS + SINGLE_TEXT_VRS + STRING_VRS + ("AE", "PN", "UI", "UR")


def _one_or_many(items: list) -> Any:
    return items[0] if len(items) == 1 else MultiValue(items)


def _ds(data: bytes) -> Any:
    text = data.decode("latin_1").strip().rstrip(" \x00")
    items = text.split("\\")
    for item in items:
        if _DS_TEXT.fullmatch(item) is None:
            raise Unsupported(f"DS value {item!r}")
    return _one_or_many([DS(item) for item in items])


def _is(data: bytes) -> Any:
    items = data.decode("latin_1").rstrip(" \x00").split("\\")
    for item in items:
        if _IS_TEXT.fullmatch(item) is None:
            raise Unsupported(f"IS value {item!r}")
    return _one_or_many([IS(item) for item in items])


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Unsupported(f"bytes not valid in {encoding}") from exc


def convert(vr: str, data: bytes, encoding: str) -> Any:
    """The value of an element of VR ``vr`` whose bytes are ``data`` (not a sequence)."""
    if not data:
        if vr == "SQ":
            return []
        return "" if vr in EMPTY_TEXT_VRS else None
    if vr == "UI":
        return _one_or_many(data.decode("latin_1").rstrip("\0 ").split("\\"))
    if vr in STRING_VRS:
        return _one_or_many(data.decode("latin_1").rstrip(" \x00").split("\\"))
    if vr in TEXT_VRS:
        return _one_or_many([v.rstrip("\0 ") for v in _decode(data, encoding).split("\\")])
    if vr in SINGLE_TEXT_VRS:
        return _decode(data, encoding).rstrip("\0 ")
    if vr == "PN":
        items = _decode(data.rstrip(b"\x00 "), encoding).split("\\")
        if len(items) != 1:
            raise Unsupported("several person names")  # pydicom prints them unquoted
        return items[0]
    if vr == "DS":
        return _ds(data)
    if vr == "IS":
        return _is(data)
    if vr in _NUMBER_FORMATS:
        code = _NUMBER_FORMATS[vr]
        size = struct.calcsize(code)
        if len(data) % size:
            raise Unsupported(f"{vr} value of {len(data)} bytes")
        values = struct.unpack(f"<{len(data) // size}{code}", data)
        return values[0] if len(values) == 1 else MultiValue(values)
    if vr in BYTES_VRS:
        return data
    raise Unsupported(f"VR {vr}")


def lazy_ds(data: bytes) -> Any:
    """ContourData's value when it is asked for (rtstruct parses the raw bytes itself): pydicom's
    DS conversion, or, for text that is not numbers, what pydicom falls back to (the SH text)."""
    if not data:
        return None
    try:
        return _ds(data)
    except Unsupported:
        return _one_or_many([v.rstrip("\0 ") for v in data.decode("latin_1").split("\\")])


LAZY: dict[int, Callable[[bytes], Any]] = {0x30060050: lazy_ds}  # ContourData (DS)
