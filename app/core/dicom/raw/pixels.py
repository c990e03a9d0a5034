"""Native (uncompressed, little endian) Pixel Data as a numpy array, as pydicom's ``pixel_array``.

pydicom 3 (pydicom.pixels, native decoder) returns for one sample per pixel, BitsAllocated 8, 16
or 32: the values as uint or int of that size (PixelRepresentation 0 / 1), shape (rows, columns)
for one frame and (frames, rows, columns) for several; when BitsStored < BitsAllocated the bits
above BitsStored are cleared (unsigned) or replaced by the sign bit (signed). ``check_layout``
accepts only data sets where that is the whole story (the pixel bytes exactly the size the
header states, no float pixel data); the others are left to pydicom (``Unsupported``).
tests/test_dicom_raw_reader.py compares the arrays with pydicom's for every test file.
"""
from __future__ import annotations

import numpy as np

from .dataset import RawDataset
from .values import Unsupported


def _layout(ds: RawDataset) -> tuple[int, int, int, int, int, int]:
    """(frames, rows, cols, bits allocated, bits stored, signed) or Unsupported."""
    if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        raise Unsupported("float pixel data")
    rows, cols = ds.get("Rows"), ds.get("Columns")
    bits, stored = ds.get("BitsAllocated"), ds.get("BitsStored")
    signed, samples = ds.get("PixelRepresentation"), ds.get("SamplesPerPixel")
    frames = ds.get("NumberOfFrames", 1)
    photometric = ds.get("PhotometricInterpretation")
    if not all(isinstance(v, int) for v in (rows, cols, bits, stored, signed, samples, frames)):
        raise Unsupported("pixel description missing or several-valued")
    if (bits not in (8, 16, 32) or not 0 < stored <= bits or signed not in (0, 1) or samples != 1
            or rows <= 0 or cols <= 0 or frames <= 0 or photometric not in ("MONOCHROME1", "MONOCHROME2")):
        raise Unsupported("pixel layout")
    return frames, rows, cols, bits, stored, signed


def check_layout(ds: RawDataset) -> None:
    """Unsupported unless ``pixel_array(ds)`` gives what pydicom's would (see module docstring)."""
    if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        raise Unsupported("float pixel data")
    if "PixelData" not in ds:
        return
    frames, rows, cols, bits, _stored, _signed = _layout(ds)
    data = ds.get("PixelData")
    if not isinstance(data, bytes) or len(data) != frames * rows * cols * bits // 8:
        raise Unsupported("pixel data size")


def pixel_array(ds: RawDataset) -> np.ndarray:
    """The pixel values (a new array; see module docstring)."""
    frames, rows, cols, bits, stored, signed = _layout(ds)
    dtype = np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")
    array = np.frombuffer(ds.get("PixelData"), dtype=dtype).copy()
    if stored < bits:
        if signed:
            shift = bits - stored
            array <<= shift
            array >>= shift  # arithmetic: the sign bit of BitsStored spreads up
        else:
            array &= dtype.type((1 << stored) - 1)
    return array.reshape((frames, rows, cols) if frames > 1 else (rows, cols))
