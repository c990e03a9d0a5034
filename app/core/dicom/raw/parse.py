"""Parse a DICOM file's bytes (Part 10: preamble, 'DICM', File Meta) without pydicom.

Reads data sets encoded Explicit VR Little Endian or Implicit VR Little Endian (PS3.5 7.1),
sequences and items of defined or undefined length with their delimiters (PS3.5 7.5), and
stops before Pixel Data when asked (as pydicom's ``stop_before_pixels``). Elements listed in
``keywords`` are converted (``values``); the others are parsed for their length and dropped.

Everything else raises Unsupported and the caller reads the file with pydicom: no preamble or
no 'DICM', a File Meta without Transfer Syntax, Big Endian or Deflated data sets, a syntax
whose VR encoding contradicts the data (pydicom guesses then), tags out of ascending order,
undefined length other than on a sequence (encapsulated pixel data in a full read), an element
longer than the file (truncation), bytes left over, a character set other than the default,
ISO_IR 100 or ISO_IR 192, or any value ``values.convert`` does not convert with certainty.
"""
from __future__ import annotations

import struct

from .dataset import SYNTAXES, UID, RawDataset, RawElement
from .keywords import BY_TAG
from .values import ENCODINGS, LAZY, Unsupported, convert

PREAMBLE = 128
UNDEFINED = 0xFFFFFFFF
ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
PIXEL_TAGS = (0x7FE00008, 0x7FE00009, 0x7FE00010)  # Float / Double Float / Pixel Data: pydicom stops at these
CHARSET = 0x00080005
TRANSFER_SYNTAX = 0x00020010
# Explicit VR: VRs with a 2-byte reserved field and a 4-byte length (PS3.5 Table 7.1-1).
LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"})
SHORT_VRS = frozenset({b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"PN",
                       b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL", b"US"})
_SHORT_NAMES = {vr: vr.decode() for vr in SHORT_VRS}
_LONG_NAMES = {vr: vr.decode() for vr in LONG_VRS}
_HEAD = struct.Struct("<HH2sH")  # group, element, VR, 2-byte length (explicit); or tag + 4-byte length
_TAG_LENGTH = struct.Struct("<II")
_LENGTH = struct.Struct("<I")


class NeedMore(Exception):
    """The bytes given end before the header does (the caller reads the rest of the file)."""


def parse_file(data: bytes, stop_before_pixels: bool, complete: bool) -> RawDataset:
    """The data set of a Part 10 file. ``complete``: ``data`` is the whole file (else a head of
    it: NeedMore when the header goes on past it)."""
    if len(data) < PREAMBLE + 4 or data[PREAMBLE:PREAMBLE + 4] != b"DICM":
        if not complete and len(data) < PREAMBLE + 4:
            raise NeedMore
        raise Unsupported("no preamble and 'DICM'")
    parser = _Parser(data, complete)
    meta, position = parser.meta(PREAMBLE + 4)
    syntax = meta.get("TransferSyntaxUID")
    if not isinstance(syntax, str) or syntax not in SYNTAXES:
        raise Unsupported(f"transfer syntax {syntax!r}")
    syntax = UID(syntax)
    meta._elements[TRANSFER_SYNTAX].value = syntax
    compressed = SYNTAXES[syntax][2]
    if compressed and not stop_before_pixels:
        raise Unsupported("encapsulated pixel data")
    parser.implicit = syntax.is_implicit_VR
    parser.check_encoding(position)
    ds, end = parser.dataset(position, len(data), "latin_1", stop_before_pixels, top=True)
    ds.file_meta = meta
    ds.pixel_offset = end if stop_before_pixels else None
    return ds


class _Parser:
    def __init__(self, data: bytes, complete: bool):
        self.data, self.complete, self.implicit = data, complete, False

    def _need(self, end: int) -> None:
        if end > len(self.data):
            if not self.complete:
                raise NeedMore
            raise Unsupported("truncated")

    def meta(self, position: int) -> tuple[RawDataset, int]:
        """The File Meta group (always Explicit VR Little Endian), up to the first other group."""
        self.implicit = False
        elements: dict[int, RawElement] = {}
        data = self.data
        while True:
            self._need(position + 4)
            if struct.unpack_from("<H", data, position)[0] != 2:
                break
            tag, vr, start, length = self._header(position)
            self._need(start + length)
            if length == UNDEFINED or vr == "SQ":
                raise Unsupported("sequence in the File Meta")
            if tag in BY_TAG:
                elements[tag] = RawElement(tag, vr, convert(vr, data[start:start + length], "latin_1"))
            position = start + length
        return RawDataset(elements), position

    def check_encoding(self, position: int) -> None:
        """pydicom guesses the VR encoding when the first element contradicts the transfer syntax;
        such files are left to it."""
        if position + 6 > len(self.data):
            return
        explicit_looking = self.data[position + 4:position + 6] in SHORT_VRS | LONG_VRS
        if explicit_looking == self.implicit:
            raise Unsupported("VR encoding differs from the transfer syntax")

    def _header(self, position: int) -> tuple[int, str, int, int]:
        """(tag, VR, value start, value length) of the element at ``position``."""
        data = self.data
        if self.implicit:
            self._need(position + 8)
            tag, length = _TAG_LENGTH.unpack_from(data, position)
            tag = ((tag & 0xFFFF) << 16) | (tag >> 16)
            known = BY_TAG.get(tag)
            vr = known[1] if known is not None else ""
            return tag, vr, position + 8, length
        self._need(position + 8)
        group, element, vr_bytes, short = _HEAD.unpack_from(data, position)
        tag = (group << 16) | element
        if group == 0xFFFE:  # item and delimiters: no VR
            return tag, "", position + 8, _LENGTH.unpack_from(data, position + 4)[0]
        if vr_bytes in SHORT_VRS:
            return tag, vr_bytes.decode(), position + 8, short
        if vr_bytes in LONG_VRS:
            self._need(position + 12)
            if short != 0:
                raise Unsupported("reserved bytes of a long VR are not zero")
            return tag, vr_bytes.decode(), position + 12, _LENGTH.unpack_from(data, position + 8)[0]
        raise Unsupported(f"unknown VR {vr_bytes!r}")

    def dataset(self, position: int, end: int, encoding: str, stop_before_pixels: bool = False,
                top: bool = False) -> tuple[RawDataset, int]:
        """Elements from ``position`` to ``end`` (an item of undefined length: to its delimiter,
        ``end`` then bounds the search). Returns the data set and the position after it.
        (The element header is parsed inline, as ``_header`` does: this loop is the hot path.)"""
        data, complete, implicit = self.data, self.complete, self.implicit
        size = len(data)
        elements: dict[int, RawElement] = {}
        previous = -1
        undefined_item = end < 0
        limit = size if undefined_item else end
        by_tag, short_vrs, long_vrs, lazy = BY_TAG, _SHORT_NAMES, _LONG_NAMES, LAZY
        while position < limit:
            if position + 8 > limit:
                if not complete and limit == size:
                    raise NeedMore
                raise Unsupported("bytes left over at the end" if top else "element runs past its item")
            if implicit:
                tag, length = _TAG_LENGTH.unpack_from(data, position)
                tag = ((tag & 0xFFFF) << 16) | (tag >> 16)
                known = by_tag.get(tag)
                vr = known[1] if known is not None else ""
                start = position + 8
            else:
                group, number, vr_bytes, length = _HEAD.unpack_from(data, position)
                tag = (group << 16) | number
                known = by_tag.get(tag)
                start = position + 8
                vr = short_vrs.get(vr_bytes)
                if vr is None:
                    if group == 0xFFFE:
                        vr, length = "", _LENGTH.unpack_from(data, position + 4)[0]
                    else:
                        vr = long_vrs.get(vr_bytes)
                        if vr is None:
                            raise Unsupported(f"unknown VR {vr_bytes!r}")
                        if length != 0:
                            raise Unsupported("reserved bytes of a long VR are not zero")
                        start = position + 12
                        if start > size:
                            if not complete:
                                raise NeedMore
                            raise Unsupported("truncated")
                        length = _LENGTH.unpack_from(data, position + 8)[0]
            if tag >= 0xFFFEE000:
                if tag == ITEM_END and undefined_item and length == 0:
                    return RawDataset(elements), start
                raise Unsupported("unexpected item or delimiter")
            if tag <= previous:
                raise Unsupported("tags out of order")
            previous = tag
            if vr == "SQ" or (implicit and length == UNDEFINED):
                if top and stop_before_pixels and tag in PIXEL_TAGS:
                    return RawDataset(elements), position
                if known is not None and known[1] != "SQ":
                    raise Unsupported("a sequence where the dictionary has another VR")
                items, position = self.sequence(start, length, encoding)
                if known is not None:
                    elements[tag] = RawElement(tag, "SQ", items)
                continue
            if length == UNDEFINED:
                if top and stop_before_pixels and tag in PIXEL_TAGS:
                    return RawDataset(elements), position
                raise Unsupported(f"undefined length on VR {vr or '?'}")
            value_end = start + length
            if value_end > size:
                if top and stop_before_pixels and tag in PIXEL_TAGS:
                    return RawDataset(elements), position
                if not complete:
                    raise NeedMore
                raise Unsupported("truncated")
            if known is None:
                position = value_end
                continue
            if tag in PIXEL_TAGS:
                if top and stop_before_pixels:
                    return RawDataset(elements), position
                if tag == 0x7FE00010 and vr not in ("OB or OW", "OB", "OW"):
                    raise Unsupported(f"Pixel Data written as {vr}")
                # implicit VR: 'OB or OW' (bytes either way); empty: None, as pydicom
                elements[tag] = RawElement(tag, vr, data[start:value_end] if length else None)
            elif vr == "UN" or known[1] == "SQ":
                raise Unsupported(f"{known[0]} written as {vr}")
            elif tag in lazy and vr == "DS" and length:  # (empty: None, as pydicom's raw element)
                elements[tag] = RawElement(tag, vr, data[start:value_end], lazy[tag])
            else:
                if tag == CHARSET:
                    value = convert("CS", data[start:value_end], "latin_1")
                    encoding = ENCODINGS.get(value.strip() if isinstance(value, str) else None, None)
                    if encoding is None:
                        raise Unsupported(f"character set {value!r}")
                elements[tag] = RawElement(tag, vr, convert(vr, data[start:value_end], encoding))
            position = value_end
        if undefined_item or (top and not complete):
            if not complete:
                raise NeedMore
            raise Unsupported("item without delimiter")
        if position != limit:
            raise Unsupported("element runs past its item")
        return RawDataset(elements), position

    def sequence(self, position: int, length: int, encoding: str) -> tuple[list[RawDataset], int]:
        """The items of a sequence whose value starts at ``position``; (items, position after)."""
        items: list[RawDataset] = []
        undefined = length == UNDEFINED
        end = len(self.data) if undefined else position + length
        if not undefined:
            self._need(end)
        while position < end:
            self._need(position + 8)
            tag, item_length = _TAG_LENGTH.unpack_from(self.data, position)
            tag = ((tag & 0xFFFF) << 16) | (tag >> 16)
            position += 8
            if tag == SEQUENCE_END:
                if not undefined or item_length != 0:
                    raise Unsupported("unexpected sequence delimiter")
                return items, position
            if tag != ITEM:
                raise Unsupported("a sequence holds something other than items")
            if item_length == UNDEFINED:
                item, position = self.dataset(position, -1, encoding)
            else:
                item_end = position + item_length
                if item_end > end:
                    raise Unsupported("item runs past its sequence")
                self._need(item_end)
                item, position = self.dataset(position, item_end, encoding)
            items.append(item)
        if undefined:
            if not self.complete:
                raise NeedMore
            raise Unsupported("sequence without delimiter")
        if position != end:
            raise Unsupported("item runs past its sequence")
        return items, position
