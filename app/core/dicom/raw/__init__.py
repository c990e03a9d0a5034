"""A DICOM reader without pydicom for the files rtreview reads most (CT, RT Structure Set, RT
Plan, RT Dose, Spatial Registration), so that loading neither imports pydicom (~0.2 s) nor pays
its per-element cost. ``source.read_stream`` uses it first and reads with pydicom whenever it
raises Unsupported (anything unusual: see ``parse``), so messages about bad files are pydicom's
path's, unchanged. ``RTREVIEW_DICOM_READER=pydicom`` in the environment (or ``ENABLED = False``)
turns it off: every file is then read by pydicom, as before.

Modules: ``keywords`` (the elements read, from PS3.6), ``values`` (conversions as pydicom's),
``dataset`` (RawDataset), ``parse`` (the byte parser), ``pixels`` (native pixel data).
"""
from __future__ import annotations

import os
from typing import BinaryIO

from .dataset import RawDataset
from .parse import NeedMore, parse_file
from .pixels import check_layout, pixel_array
from .values import Unsupported

ENABLED = os.environ.get("RTREVIEW_DICOM_READER", "").strip().lower() != "pydicom"
HEAD_BYTES = 64 * 1024  # a CT slice's header fits: the rest (pixels) is not read for a header
# The objects whose pixel data rtreview decodes (CT Image, RT Dose): their pixel description must
# be one ``pixels.pixel_array`` decodes as pydicom does, else pydicom reads the file. (Other
# objects may carry odd Pixel Data, e.g. the Nelms benchmark's structure sets: never decoded.)
PIXEL_CLASSES = ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.481.2")

__all__ = ["ENABLED", "RawDataset", "Unsupported", "pixel_array", "read_raw"]


def read_raw(stream: BinaryIO, *, stop_before_pixels: bool = False) -> RawDataset:
    """The data set of the Part 10 file in ``stream`` (from its current position), or
    Unsupported (the stream is then at an unspecified position: the caller seeks back)."""
    if stop_before_pixels:
        head = stream.read(HEAD_BYTES)
        complete = len(head) < HEAD_BYTES
        try:
            ds = parse_file(head, True, complete)
            return ds
        except NeedMore:
            data = head + stream.read()
    else:
        data = stream.read()
    try:
        ds = parse_file(data, stop_before_pixels, True)
    except NeedMore:  # cannot happen with the whole file; be safe
        raise Unsupported("incomplete") from None
    if not stop_before_pixels and ds.get("SOPClassUID") in PIXEL_CLASSES:
        check_layout(ds)
    return ds
