"""The light data set the raw reader returns: the subset of pydicom's Dataset rtreview's readers use.

``ds.get(keyword, default)``, ``ds.Keyword``, ``keyword in ds``, ``ds.get_item(keyword)`` (the
element: ``.VR``, ``.value`` raw bytes for ContourData, converted otherwise), ``ds.file_meta``,
``ds.filename``; sequences are lists of RawDataset. Values are what pydicom 3 returns with
rtreview's settings (``reading_validation_mode`` IGNORE, no datetime conversion): str for text,
UI, PN (pydicom: PersonName, equal to its str), float subclass ``DS`` / int subclass ``IS`` that
print as pydicom's DSfloat / IS do (their original text), int / float for binary numbers, bytes
for OB/OW/UN, a ``MultiValue`` list (printed as pydicom's) for several values. Keywords outside
``keywords.KEYWORDS`` raise KeyError (a reader using a new keyword must add it there).
"""
from __future__ import annotations

from typing import Any

from .keywords import BY_TAG, TAG_OF

_MISSING = object()


class MultiValue(list):
    """Several values of one element; ``str``/``repr`` as pydicom's MultiValue."""

    def __str__(self) -> str:
        if not self:
            return ""
        return "[" + ", ".join(repr(x) if isinstance(x, (str, bytes)) else str(x) for x in self) + "]"

    __repr__ = __str__


class _PrintedAsText:
    """Printed as the value's (stripped) text, as pydicom prints DSfloat and IS."""

    __slots__ = ()

    def __str__(self) -> str:
        return self.original

    def __repr__(self) -> str:
        return f"'{self.original}'"


class DS(_PrintedAsText, float):
    """A Decimal String value: the float, printed as its text like pydicom's DSfloat."""

    __slots__ = ("original",)

    def __new__(cls, text: str) -> "DS":
        value = super().__new__(cls, text)
        value.original = text.strip()
        return value


class IS(_PrintedAsText, int):
    """An Integer String value: the int, printed as its text like pydicom's IS."""

    def __new__(cls, text: str) -> "IS":
        value = super().__new__(cls, text)
        value.original = text.strip()
        return value


# The transfer syntaxes the raw reader reads (a data set encoded Little Endian): uid -> (name,
# implicit VR, compressed). Names as in PS3.6 Table A-1 (pydicom's UID.name gives the same).
SYNTAXES = {
    "1.2.840.10008.1.2": ("Implicit VR Little Endian", True, False),
    "1.2.840.10008.1.2.1": ("Explicit VR Little Endian", False, False),
    "1.2.840.10008.1.2.4.50": ("JPEG Baseline (Process 1)", False, True),
    "1.2.840.10008.1.2.4.51": ("JPEG Extended (Process 2 and 4)", False, True),
    "1.2.840.10008.1.2.4.57": ("JPEG Lossless, Non-Hierarchical (Process 14)", False, True),
    "1.2.840.10008.1.2.4.70": ("JPEG Lossless, Non-Hierarchical, First-Order Prediction "
                               "(Process 14 [Selection Value 1])", False, True),
    "1.2.840.10008.1.2.4.80": ("JPEG-LS Lossless Image Compression", False, True),
    "1.2.840.10008.1.2.4.81": ("JPEG-LS Lossy (Near-Lossless) Image Compression", False, True),
    "1.2.840.10008.1.2.4.90": ("JPEG 2000 Image Compression (Lossless Only)", False, True),
    "1.2.840.10008.1.2.4.91": ("JPEG 2000 Image Compression", False, True),
    "1.2.840.10008.1.2.5": ("RLE Lossless", False, True),
}


class UID(str):
    """A transfer syntax UID with the properties rtreview reads from pydicom's UID."""

    @property
    def name(self) -> str:
        return SYNTAXES[self][0] if self in SYNTAXES else str(self)

    @property
    def is_implicit_VR(self) -> bool:
        return SYNTAXES[self][1]

    @property
    def is_little_endian(self) -> bool:
        return True

    @property
    def is_compressed(self) -> bool:
        return SYNTAXES[self][2]


class RawElement:
    """One element: tag, VR and value (``value`` stays the raw bytes for lazily converted ones)."""

    __slots__ = ("tag", "VR", "value", "_convert")

    def __init__(self, tag: int, vr: str, value: Any, convert=None):
        self.tag, self.VR, self.value, self._convert = tag, vr, value, convert

    def converted(self) -> Any:
        if self._convert is not None:
            return self._convert(self.value)
        return self.value


class RawDataset:
    """A data set (or sequence item) read by the raw reader; see the module docstring."""

    __slots__ = ("_elements", "file_meta", "filename", "pixel_offset", "__weakref__")

    def __init__(self, elements: dict[int, RawElement] | None = None):
        self._elements = elements if elements is not None else {}
        self.file_meta: RawDataset | None = None
        self.filename: str | None = None
        self.pixel_offset: int | None = None

    @staticmethod
    def _tag(keyword: str) -> int:
        try:
            return TAG_OF[keyword]
        except KeyError:
            raise KeyError(f"{keyword} is not in rtreview.core.dicom.raw.keywords (add it with its PS3.6 tag and VR)") \
                from None

    def get(self, keyword: str, default: Any = None) -> Any:
        element = self._elements.get(self._tag(keyword))
        return default if element is None else element.converted()

    def get_item(self, keyword: str) -> RawElement | None:
        return self._elements.get(self._tag(keyword))

    def __contains__(self, keyword: object) -> bool:
        return isinstance(keyword, str) and self._tag(keyword) in self._elements

    def __getattr__(self, keyword: str) -> Any:
        if keyword.startswith("_") or keyword not in TAG_OF:
            raise AttributeError(keyword)
        element = self._elements.get(TAG_OF[keyword])
        if element is None:
            raise AttributeError(f"'RawDataset' object has no attribute '{keyword}'")
        return element.converted()

    def keywords(self) -> list[str]:
        """The keywords of the (known) elements present, in tag order."""
        return [BY_TAG[tag][0] for tag in sorted(self._elements)]

    def with_element(self, tag: int, vr: str, value: Any) -> "RawDataset":
        """A new data set: these elements plus one (the element objects are shared)."""
        out = RawDataset(dict(self._elements))
        out._elements[tag] = RawElement(tag, vr, value)
        out.file_meta, out.filename = self.file_meta, self.filename
        return out

    def __repr__(self) -> str:
        return f"RawDataset({', '.join(self.keywords())})"
