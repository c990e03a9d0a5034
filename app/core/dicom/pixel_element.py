"""The Pixel Data of a file whose header was read already, without parsing the file again.

The scan reads every file's header (``stop_before_pixels``); pydicom leaves the file at the Pixel
Data element then, and ``source.read_stream`` notes that offset on the header. Reading a CT slice
used to parse the whole file a second time (about 0.7 ms of a slice's ~3 ms); for native
(uncompressed, little endian) pixel data ``with_pixel_data`` instead reads the one element at
that offset and returns the header with it: the same data set the full read gives (the same
elements, the same pixel bytes), so decoding and every check after it are unchanged. Anything
else (compressed or big endian data, an unexpected element at the offset, undefined length, a
file shorter than the element says, a read error) returns None: the caller reads the whole file
as before and reports what is wrong with it.

Headers read by the raw reader (``raw.RawDataset``) carry the offset as ``pixel_offset``; they get
the element the same way and must then pass ``raw.check_layout`` (else None, as above).
"""
from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from . import raw

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

PIXEL_DATA = (0x7FE0, 0x0010)
# transfer syntax -> explicit VR (native little endian only)
NATIVE = {"1.2.840.10008.1.2": False, "1.2.840.10008.1.2.1": True}
OFFSET_ATTRIBUTE = "_rtreview_pixel_offset"


def note_pixel_offset(header: "Dataset", offset: int) -> None:
    """Remember where the header read stopped (the Pixel Data element, if any)."""
    object.__setattr__(header, OFFSET_ATTRIBUTE, int(offset))


def with_pixel_data(path: str, header: Any) -> Any:
    """``header`` plus its file's native Pixel Data element (a new data set; the header itself is
    not changed), or None when that cannot be done safely (see module docstring)."""
    is_raw = isinstance(header, raw.RawDataset)
    offset = header.pixel_offset if is_raw else getattr(header, OFFSET_ATTRIBUTE, None)
    meta = getattr(header, "file_meta", None)
    syntax = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    if offset is None or syntax not in NATIVE:
        return None
    explicit = NATIVE[syntax]
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            head = stream.read(12 if explicit else 8)
            if len(head) < (12 if explicit else 8) or struct.unpack("<HH", head[:4]) != PIXEL_DATA:
                return None
            if explicit:
                vr = head[4:6].decode("ascii", "replace")
                if vr not in ("OB", "OW") or head[6:8] != b"\x00\x00":
                    return None
                length = struct.unpack("<I", head[8:12])[0]
            else:
                bits = header.get("BitsAllocated", None)
                vr = "OW" if isinstance(bits, int) and bits > 8 else "OB"
                length = struct.unpack("<I", head[4:8])[0]
            if length == 0xFFFFFFFF:  # encapsulated (compressed) data
                return None
            data = stream.read(length)
    except OSError:
        return None
    if len(data) != length:
        return None
    if is_raw:
        full = header.with_element(0x7FE00010, vr, data)
        try:
            raw.check_layout(full)
        except raw.Unsupported:
            return None
        return full
    from pydicom.dataset import Dataset

    full = Dataset()
    full.update(header)  # the same element objects; the header itself gets no pixel data
    full.file_meta = meta
    full.set_original_encoding(not explicit, True)
    full.add_new(0x7FE00010, vr, data)
    return full
