"""Is an encoded DICOM data set complete? A byte-level walk of its element structure.

pydicom reads a data set cut short without complaint (a cut inside an element header ends the
read as if the file ended; a cut inside a value gives a short value), so a store that must refuse
truncated objects checks the encoding itself: every element's header and value lie inside the
buffer, every sequence and item of undefined length is closed by its delimiter, encapsulated
pixel data ends with its sequence delimiter, and the walk ends exactly at the last byte.
Covers implicit and explicit VR, little and big endian (PS3.5 §7.1-7.5, §A.4); deflated data sets
are inflated by the caller first.
"""
from __future__ import annotations

import struct

from pydicom.datadict import dictionary_VR

ITEM = 0xFFFEE000
ITEM_END = 0xFFFEE00D
SEQUENCE_END = 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
PIXEL_DATA = 0x7FE00010
# Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 Table 7.1-1).
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
MAX_DEPTH = 64


class IncompleteDataset(ValueError):
    """The encoded data set is truncated or its structure is broken; the message says where."""


def check_complete(buf: bytes, *, implicit_vr: bool, little_endian: bool) -> None:
    """Raise :class:`IncompleteDataset` unless ``buf`` is a whole encoded data set."""
    walker = _Walker(buf, "<" if little_endian else ">")
    end = walker.dataset(0, len(buf), implicit_vr, depth=0, delimited=False)
    if end != len(buf):
        raise IncompleteDataset(f"data set structure ends at byte {end} of {len(buf)}")


def _is_sequence(tag: int) -> bool:
    try:
        return dictionary_VR(tag) == "SQ"
    except KeyError:  # private or unknown tag
        return False


class _Walker:
    def __init__(self, buf: bytes, order: str):
        self.buf = buf
        self.order = order

    def _unpack(self, fmt: str, pos: int, end: int) -> tuple:
        size = struct.calcsize(fmt)
        if pos + size > end:
            raise IncompleteDataset(f"data set cut short at byte {pos} (an element header needs {size} bytes)")
        return struct.unpack_from(self.order + fmt, self.buf, pos)

    def _tag(self, pos: int, end: int) -> int:
        group, element = self._unpack("HH", pos, end)
        return (group << 16) | element

    def dataset(self, pos: int, end: int, implicit: bool, depth: int, delimited: bool) -> int:
        """Walk elements from ``pos``; return the position after the last one (after the item
        delimiter when ``delimited``)."""
        if depth > MAX_DEPTH:
            raise IncompleteDataset(f"sequences nested deeper than {MAX_DEPTH} levels")
        while pos < end:
            tag = self._tag(pos, end)
            if tag == ITEM_END:
                if not delimited:
                    raise IncompleteDataset(f"unexpected item delimiter at byte {pos}")
                return pos + 8
            if tag >> 16 == 0xFFFE:
                raise IncompleteDataset(f"unexpected item tag ({tag:08X}) at byte {pos}")
            if implicit:
                (length,) = self._unpack("I", pos + 4, end)
                vr, pos = None, pos + 8
            else:
                vr = self.buf[pos + 4:pos + 6]
                if vr in LONG_VRS:
                    (length,) = self._unpack("I", pos + 8, end)
                    pos += 12
                else:
                    (length,) = self._unpack("H", pos + 6, end)
                    pos += 8
            sequence = vr == b"SQ" or (vr is None and _is_sequence(tag))
            if length == UNDEFINED:
                if tag == PIXEL_DATA and vr != b"SQ":
                    pos = self.fragments(pos, end)
                elif sequence or vr in (None, b"UN"):
                    # Undefined-length UN holds implicit VR little endian (PS3.5 §6.2.2).
                    pos = self.items(pos, end, implicit or vr == b"UN", depth, None)
                else:
                    raise IncompleteDataset(f"undefined length on ({tag >> 16:04X},{tag & 0xFFFF:04X}) VR {vr!r}")
                continue
            if pos + length > end:
                raise IncompleteDataset(f"value of ({tag >> 16:04X},{tag & 0xFFFF:04X}) needs {length} bytes, "
                                        f"{end - pos} left: data set truncated")
            if sequence:
                self.items(pos, pos + length, implicit, depth, pos + length)
            pos += length
        if delimited:
            raise IncompleteDataset("item of undefined length not closed: data set truncated")
        return pos

    def items(self, pos: int, end: int, implicit: bool, depth: int, stop: int | None) -> int:
        """Walk sequence items; ``stop`` is the end of a defined-length sequence, None for undefined."""
        while stop is None or pos < stop:
            tag = self._tag(pos, end)
            (length,) = self._unpack("I", pos + 4, end)
            pos += 8
            if tag == SEQUENCE_END and stop is None:
                return pos
            if tag != ITEM:
                raise IncompleteDataset(f"expected a sequence item at byte {pos - 8}, found ({tag:08X})")
            if length == UNDEFINED:
                pos = self.dataset(pos, end, implicit, depth + 1, delimited=True)
            else:
                if pos + length > end:
                    raise IncompleteDataset(f"sequence item of {length} bytes at byte {pos} truncated")
                if self.dataset(pos, pos + length, implicit, depth + 1, delimited=False) != pos + length:
                    raise IncompleteDataset(f"sequence item at byte {pos} has a broken structure")
                pos += length
        if pos != stop:
            raise IncompleteDataset("sequence length does not match its items")
        return pos

    def fragments(self, pos: int, end: int) -> int:
        """Encapsulated pixel data: items of defined length, then the sequence delimiter."""
        while True:
            tag = self._tag(pos, end)
            (length,) = self._unpack("I", pos + 4, end)
            pos += 8
            if tag == SEQUENCE_END:
                return pos
            if tag != ITEM or length == UNDEFINED or pos + length > end:
                raise IncompleteDataset(f"encapsulated pixel data broken or truncated at byte {pos - 8}")
            pos += length
