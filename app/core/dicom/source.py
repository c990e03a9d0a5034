"""Open one DICOM input (a path or an already-read data set) read-only, with clear errors.

Every reader takes ``source`` = a filesystem path or an already-read data set (a
``pydicom.Dataset`` or a ``raw.RawDataset``); ``path`` names the input in messages (for zip
members, ``archive.zip/inner/path``). Files are only ever opened with mode ``'rb'``.

``fast=True`` (the readers and the scan): the file is read by ``raw`` (no pydicom) when it can
be, else by pydicom exactly as with ``fast=False`` (callers that need a pydicom Dataset, e.g. to
write it, leave ``fast`` False). pydicom is imported only when a file is read with it.
"""
from __future__ import annotations

import io
import math
import os
from typing import TYPE_CHECKING, Any, BinaryIO, Union

from . import raw
from .errors import DicomReadError
from .pixel_element import note_pixel_offset

if TYPE_CHECKING:
    import numpy as np
    from pydicom.dataset import Dataset

Source = Union[str, "os.PathLike[str]", "Dataset", raw.RawDataset]
_pydicom_ready = False


def pydicom_module():
    """pydicom, imported on first use with rtreview's reading settings.

    pydicom's per-value validation on reading logs and warns with the offending value quoted
    ("Invalid value for VR DA: '1960-13-45'"): a malformed birth date or ID would reach logs and
    stderr. Our readers check every value they use and report problems without identifiers, so
    that validation is off for the process (values are converted exactly as in the default mode).
    """
    global _pydicom_ready
    import pydicom
    import pydicom.config
    if not _pydicom_ready:
        pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
        _pydicom_ready = True
    return pydicom


def is_dataset(source: Any) -> bool:
    """True for an already-read data set (anything but a path)."""
    return not isinstance(source, (str, bytes, os.PathLike))


# First bytes of a data set written without preamble and File Meta: the group of its first
# element, 0002 (meta) or 0008 (identification; SOP Class UID is required), either byte order.
RAW_STARTS = (b"\x02\x00", b"\x08\x00", b"\x00\x02", b"\x00\x08")


def display_path(source: Source, path: str | None = None) -> str:
    """The name used for ``source`` in messages."""
    if path:
        return str(path)
    if is_dataset(source):
        name = getattr(source, "filename", None)
        return str(name) if isinstance(name, (str, os.PathLike)) else "<dataset>"
    return os.fspath(source)


class _TruncationDetector:
    """Wraps a binary stream and notes reads cut short by the end of the file.

    pydicom stops quietly at end of file; a value read that comes back short means the file
    was truncated. Not counted: a read of <= 8 bytes returning nothing (the normal end of the
    data set: pydicom asks for the next element header), and pydicom's chunked scan for a
    delimiter (reads of CHUNK bytes and their retry), which raises EOFError itself when the
    delimiter is missing.
    """

    CHUNK = 1024 * 8  # pydicom.fileutil.read_undefined_length_value's read_size

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._previous_short = False
        self.truncated = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        short = size is not None and size > 0 and len(data) < size
        if short and (data or size > 8) and size != self.CHUNK and not self._previous_short:
            self.truncated = True
        self._previous_short = short
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def read_stream(stream: BinaryIO, path: str, *, stop_before_pixels: bool = False,
                fast: bool = False) -> "Dataset | raw.RawDataset":
    """Read a DICOM dataset from an open binary stream.

    ``fast``: a RawDataset when ``raw`` reads the file (see the module docstring).

    Files with a preamble and File Meta are read strictly, as are files whose File Meta lacks
    only the 128-byte preamble (they start with 'DICM'); files without either (e.g. the
    pydicom-testdata RTSTRUCT) are read with ``force=True`` and accepted only when they look
    like DICOM (they have a SOP Class UID). Raises DicomReadError otherwise, and for files
    that end in the middle of an element (truncated).
    """
    start = stream.tell()
    head = stream.read(132)
    stream.seek(start)
    if head[128:132] != b"DICM" and head[:4] != b"DICM" and head[:2] not in RAW_STARTS:
        # Fast path for the many non-DICOM files beside exports (no pydicom parse at all).
        raise DicomReadError(path, "not a DICOM file (no DICOM header and no SOP Class UID)")
    if fast and raw.ENABLED:
        try:
            ds = raw.read_raw(stream, stop_before_pixels=stop_before_pixels)
            name = getattr(stream, "name", None)
            ds.filename = name if isinstance(name, str) else None
            return ds
        except raw.Unsupported:
            stream.seek(start)  # pydicom reads it (and reports what is wrong with it)
    pydicom = pydicom_module()
    from pydicom.errors import InvalidDicomError
    try:
        watched = _TruncationDetector(stream)
        ds = pydicom.dcmread(watched, stop_before_pixels=stop_before_pixels)
        if watched.truncated:
            raise DicomReadError(path, "truncated DICOM file (it ends in the middle of an element)")
        if stop_before_pixels:  # pydicom stopped at the Pixel Data element (or the end)
            note_pixel_offset(ds, stream.tell() - start)
        return ds
    except InvalidDicomError:
        pass  # no preamble / 'DICM' marker: try the raw data set below
    except (EOFError, OSError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            NotImplementedError) as exc:
        raise DicomReadError(path, f"truncated or corrupt DICOM file ({_why(exc)})") from exc
    stream.seek(start)
    if stream.read(4) == b"DICM":  # File Meta without the 128-byte preamble (some writers omit it)
        return read_stream(io.BytesIO(bytes(128) + b"DICM" + stream.read()), path,
                           stop_before_pixels=stop_before_pixels)
    stream.seek(start)
    watched = _TruncationDetector(stream)
    try:
        ds = pydicom.dcmread(watched, force=True, stop_before_pixels=stop_before_pixels)
        sop_class = ds.get("SOPClassUID", None)
    except Exception as exc:  # force=True on arbitrary bytes can fail in many ways
        stream.seek(start)
        if stream.read(2) in (b"\x08\x00", b"\x02\x00"):  # starts like a raw data set (group 0008/0002)
            raise DicomReadError(path, f"truncated or corrupt DICOM file without header ({_why(exc)})") from exc
        raise DicomReadError(path, f"not a DICOM file ({_why(exc)})") from exc
    if not sop_class:
        raise DicomReadError(path, "not a DICOM file (no DICOM header and no SOP Class UID)")
    if watched.truncated:
        raise DicomReadError(path, "truncated DICOM file (it ends in the middle of an element)")
    return ds


def read_dataset(source: Source, path: str | None = None, *, stop_before_pixels: bool = False,
                 fast: bool = False) -> tuple[Any, str]:
    """``(dataset, display path)`` for a path or a data set (returned as is)."""
    name = display_path(source, path)
    if is_dataset(source):
        return source, name
    try:
        with open(os.fspath(source), "rb") as stream:
            return read_stream(stream, name, stop_before_pixels=stop_before_pixels, fast=fast), name
    except PermissionError as exc:
        raise DicomReadError(name, "cannot read the file: permission denied") from exc
    except IsADirectoryError as exc:
        raise DicomReadError(name, "is a directory, not a file") from exc
    except FileNotFoundError as exc:
        raise DicomReadError(name, "file not found") from exc
    except OSError as exc:
        raise DicomReadError(name, f"cannot read the file ({exc.strerror or exc})") from exc


def require(ds: Dataset, keyword: str, path: str, what: str) -> Any:
    """The value of a required attribute; DicomReadError naming the tag when absent or empty."""
    value = ds.get(keyword, None)
    if value is None or (hasattr(value, "__len__") and len(value) == 0 and not isinstance(value, (int, float))):
        tag = raw.keywords.TAG_OF.get(keyword)
        if tag is None:
            tag = pydicom_module().datadict.tag_for_keyword(keyword)
        tag_text = f" ({tag >> 16:04X},{tag & 0xFFFF:04X})" if tag is not None else ""
        raise DicomReadError(path, f"{what} is missing required tag {keyword}{tag_text}")
    return value


def text(ds: Dataset, keyword: str, default: str = "") -> str:
    """A string attribute, stripped (``default`` when absent or when its bytes cannot be
    decoded, e.g. a damaged element written with a wrong VR)."""
    try:
        value = ds.get(keyword, None)
    except Exception:  # pydicom converts raw values lazily; damaged ones raise here
        return default
    if value is None:
        return default
    return str(value).strip()


def _why(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def floats(value: Any) -> list[float]:
    """A numeric attribute as a list of floats (pydicom gives a bare number for one value)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return [float(value)]
    return [float(v) for v in value]


def finite_floats(ds: Dataset, keyword: str, path: str, what: str, count: int) -> list[float]:
    """A required numeric attribute with exactly ``count`` finite values; DicomReadError naming
    the tag and the values otherwise (NaN / inf / wrong number of values)."""
    raw = require(ds, keyword, path, what)
    try:
        values = floats(raw)
    except (TypeError, ValueError) as exc:
        raise DicomReadError(path, f"{what} {keyword} is not numeric ({raw!r})") from exc
    if len(values) != count:
        raise DicomReadError(path, f"{what} {keyword} has {len(values)} value(s), {count} expected")
    if not all(math.isfinite(v) for v in values):
        raise DicomReadError(path, f"{what} {keyword} is not finite ({', '.join(f'{v:g}' for v in values)})")
    return values


def finite_float(ds: Dataset, keyword: str, default: float, path: str, what: str) -> float:
    """An optional single numeric attribute (``default`` when absent or empty); DicomReadError
    when it is present but not a finite number."""
    raw = ds.get(keyword, None)
    if raw is None or raw == "":
        return default
    try:
        values = floats(raw)
    except (TypeError, ValueError) as exc:
        raise DicomReadError(path, f"{what} {keyword} is not numeric ({raw!r})") from exc
    if len(values) != 1 or not math.isfinite(values[0]):
        raise DicomReadError(path, f"{what} {keyword} is not a finite number ({raw!r})")
    return values[0]


def check_decodable(ds: Dataset, path: str, what: str) -> None:
    """DicomReadError naming the transfer syntax and the install extra when the pixel data is
    compressed in a form this installation has no decoder for (``codecs``)."""
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID", None) if meta is not None else None
    if not syntax or not getattr(syntax, "is_compressed", False):
        return  # (codecs.can_decode says True for these: pydicom is not imported for them)
    from .codecs import can_decode, missing_decoder_message

    if can_decode(syntax):
        return
    raise DicomReadError(path, missing_decoder_message(syntax, what))


def pixel_array(ds: Any) -> "np.ndarray":
    """The stored pixel values of a data set read with its pixel data: ``raw.pixel_array`` for a
    RawDataset (native data only, as pydicom's), else pydicom's ``pixel_array`` (the function
    form: no copy cached on the data set)."""
    if isinstance(ds, raw.RawDataset):
        return raw.pixel_array(ds)
    pydicom_module()
    from pydicom.pixels import pixel_array as decode

    return decode(ds)
