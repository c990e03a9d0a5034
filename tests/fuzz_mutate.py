"""Seeded mutations of DICOM files for the fuzz harness (tests/fuzz_harness.py).

``mutate(data, rng)`` applies one mutation chosen by ``rng`` (a ``random.Random``): byte flips,
truncation, byte insertion/deletion, tag removal, wrong VR, wrong VM, absurd values. Element
edits are written as raw elements (``_raw``) so pydicom's own validation cannot refuse them.
"""
from __future__ import annotations

import io
import random
import warnings

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

# keyword -> VR of the attributes whose absurd values we try (present ones are replaced,
# absent ones added at the top level).
TARGETS = {
    "PixelSpacing": "DS", "ImagePositionPatient": "DS", "ImageOrientationPatient": "DS",
    "GridFrameOffsetVector": "DS", "DoseGridScaling": "DS", "SliceThickness": "DS", "RescaleSlope": "DS",
    "RescaleIntercept": "DS", "NumberOfFrames": "IS", "Rows": "US", "Columns": "US", "BitsAllocated": "US",
    "BitsStored": "US", "HighBit": "US", "PixelRepresentation": "US", "SamplesPerPixel": "US",
    "NumberOfFractionsPlanned": "IS", "TargetPrescriptionDose": "DS", "ContourData": "DS", "ROINumber": "IS",
    "ReferencedROINumber": "IS", "ROIDisplayColor": "IS", "NumberOfContourPoints": "IS", "DVHData": "DS",
    "DVHDoseScaling": "DS", "DVHNumberOfBins": "IS", "BeamDose": "DS", "DoseUnits": "CS",
    "DoseSummationType": "CS", "ContourGeometricType": "CS", "SOPClassUID": "UI",
    "PhotometricInterpretation": "CS",
}
ABSURD_TEXT = [b"0", b"-1", b"nan", b"NaN\\NaN", b"inf", b"-inf\\1", b"1e308", b"1e6", b"1000000", b"",
               b"abc", b"0\\0", b"-2.5\\-2.5", b"1e-300\\1e-300", b"0\\0\\0\\0\\0\\0", b"1\\0\\0\\0\\0\\0",
               b"65535", b"-0", b"999999999999", b"1\\2\\3\\4\\5\\6\\7\\8\\9\\10\\11"]
ABSURD_US = [b"\x00\x00", b"\xff\xff", b"\x01\x00", b"\x00\x80", b"\x07\x00", b"\x20\x00", b"\x00"]
OTHER_VRS = ["US", "UL", "SS", "FD", "FL", "OB", "CS", "DS", "IS", "UI", "LO", "SQ"]


def _elements(ds, depth: int = 0, out=None):
    """(dataset, tag) of every element, sequences included (not the File Meta)."""
    out = [] if out is None else out
    for elem in list(ds):
        out.append((ds, elem.tag, elem.keyword))
        if elem.VR == "SQ" and depth < 4:
            for item in elem.value or []:
                _elements(item, depth + 1, out)
    return out


def _raw(ds, tag, vr: str, value: bytes) -> None:
    if len(value) % 2:
        value += b"\x00" if vr in ("UI", "OB", "US", "UL", "SS") else b" "
    ds._dict[Tag(tag)] = RawDataElement(Tag(tag), vr, len(value), value, 0, False, True)


def _save(ds) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(out)
    return out.getvalue()


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutation of ``data``: (mutated bytes, description)."""
    with warnings.catch_warnings():  # pydicom warns about the damage it reads
        warnings.simplefilter("ignore")
        return _mutate(data, rng)


def _mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    kind = rng.choice(["flip", "flip_header", "truncate", "splice", "remove", "vr", "vm", "absurd", "absurd",
                       "absurd"])
    if kind in ("flip", "flip_header"):
        buf = bytearray(data)
        span = min(len(buf), 4096) if kind == "flip_header" else len(buf)
        n = rng.randint(1, 8)
        for _ in range(n):
            buf[rng.randrange(span)] ^= 1 << rng.randrange(8)
        return bytes(buf), f"{kind} x{n}"
    if kind == "truncate":
        at = rng.randrange(len(data))
        return data[:at], f"truncate at {at}"
    if kind == "splice":
        at = rng.randrange(len(data))
        if rng.random() < 0.5:
            n = rng.randint(1, 64)
            return data[:at] + data[at + n:], f"delete {n} bytes at {at}"
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        return data[:at] + junk + data[at:], f"insert {len(junk)} bytes at {at}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(io.BytesIO(data), force=True)
        elements = [e for e in _elements(ds) if e[1] != 0x7FE00010]
        if not elements:
            raise ValueError("no elements")
        if kind == "remove":
            owner, tag, keyword = rng.choice(elements)
            del owner[tag]
            desc = f"remove {keyword or hex(tag)}"
        elif kind == "vr":
            owner, tag, keyword = rng.choice(elements)
            vr = rng.choice(OTHER_VRS)
            value = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 2, 4, 8, 13])))
            _raw(owner, tag, vr, value)
            desc = f"{keyword or hex(tag)} as VR {vr} ({value.hex()})"
        elif kind == "vm":
            numeric = [e for e in elements if ds_vr(e) in ("DS", "IS")] or elements
            owner, tag, keyword = rng.choice(numeric)
            count = rng.choice([0, 1, 2, 4, 7, 100])
            value = b"\\".join(b"%g" % rng.uniform(-500, 500) for _ in range(count))
            _raw(owner, tag, ds_vr((owner, tag, keyword)) or "DS", value)
            desc = f"{keyword or hex(tag)} with {count} values"
        else:
            present = [e for e in elements if e[2] in TARGETS]
            if present and rng.random() < 0.85:
                owner, tag, keyword = rng.choice(present)
            else:
                keyword = rng.choice(sorted(TARGETS))
                owner, tag = ds, Tag(keyword)
            vr = TARGETS[keyword]
            value = rng.choice(ABSURD_US if vr == "US" else ABSURD_TEXT)
            _raw(owner, tag, vr, value)
            desc = f"{keyword} = {value!r}"
        return _save(ds), f"{kind}: {desc}"
    except Exception as exc:  # seed not writable by pydicom after the edit: fall back to a byte flip
        buf = bytearray(data)
        buf[rng.randrange(len(buf))] ^= 0xFF
        return bytes(buf), f"flip x1 (fallback from {kind}: {type(exc).__name__})"


def ds_vr(element) -> str:
    owner, tag, _ = element
    try:
        return owner.get_item(tag).VR or ""
    except Exception:
        return ""
