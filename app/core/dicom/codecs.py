"""Decoders for compressed CT pixel data, and what to say when one is missing.

pydicom decodes JPEG, JPEG-LS and JPEG 2000 through plugins. rtreview's ``codecs`` install extra
(``pip install 'rtreview[codecs]'``; ``./run.sh`` and ``./test.sh`` install it) brings only
permissively licensed ones (licences as their packages declare them):

| package | licence | decodes |
|---|---|---|
| pillow | MIT-CMU (HPND) | JPEG Baseline 8-bit, JPEG 2000 |
| python-gdcm (GDCM) | Apache-2.0 (GDCM itself: BSD) | JPEG Baseline, Extended 12-bit (below), Lossless (process 14, SV1), JPEG-LS, JPEG 2000 |
| pyjpegls (CharLS) | MIT (CharLS: BSD-3) | JPEG-LS lossless and near-lossless |
| pylibjpeg + pylibjpeg-openjpeg (OpenJPEG) | MIT (OpenJPEG: BSD-2) | JPEG 2000 |

pylibjpeg-libjpeg is GPL-3 and is not used. JPEG Lossless (the most common compressed CT) and
JPEG Extended 12-bit have no other permissive decoder here than GDCM. pydicom 3.0's GDCM plugin
refuses 12-bit JPEG Extended; GDCM decodes it, so ``register()`` adds a plugin of our own for that
one syntax (``decode_jpeg_extended``), tested against slices we compress ourselves.
"""
from __future__ import annotations

import threading

from pydicom import uid

EXTRA = "codecs"
INSTALL_HINT = f"install rtreview's '{EXTRA}' extra: pip install 'rtreview[{EXTRA}]' (./run.sh installs it)"

try:
    import gdcm  # type: ignore[import-not-found]
    HAVE_GDCM = tuple(int(x) for x in gdcm.Version.GetVersion().split(".")[:2]) >= (3, 0)
except ImportError:  # the codecs extra is not installed
    gdcm = None
    HAVE_GDCM = False

# The pydicom decoder-plugin interface of this module (pydicom.pixels.decoders: "decoder plugins").
DECODER_DEPENDENCIES = {uid.JPEGExtended12Bit: ("python-gdcm>=3.0",)}
PLUGIN_LABEL = "rtreview-gdcm-12bit"
_lock = threading.Lock()
_registered = False


def is_available(syntax: str) -> bool:
    """pydicom plugin interface: can this module decode ``syntax``?"""
    return HAVE_GDCM and syntax in DECODER_DEPENDENCIES


def decode_jpeg_extended(src: bytes, runner) -> bytes:
    """pydicom plugin interface: one JPEG Extended (process 2 and 4) frame of 8 or 12 bits,
    decoded by GDCM; returns the frame's pixel bytes (native byte order)."""
    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())
    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((runner.columns, runner.rows, 1))
    image.SetDataElement(element)
    pi = gdcm.PhotometricInterpretation.GetPIType(str(runner.photometric_interpretation))
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(pi))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGExtendedProcess2_4))
    bits = runner.bits_stored
    image.SetPixelFormat(gdcm.PixelFormat(runner.samples_per_pixel, runner.bits_allocated, bits, bits - 1,
                                          runner.pixel_representation))
    # GDCM hands char* back as str: its bytes are recovered by the surrogate escape.
    return image.GetBuffer().encode("utf-8", "surrogateescape")


def register() -> None:
    """Add the 12-bit JPEG Extended plugin to pydicom's decoder (once; thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from pydicom.pixels import get_decoder
        decoder = get_decoder(uid.JPEGExtended12Bit)
        if PLUGIN_LABEL not in decoder._available and PLUGIN_LABEL not in decoder._unavailable:
            decoder.add_plugin(PLUGIN_LABEL, (__name__, "decode_jpeg_extended"))
        _registered = True


def can_decode(syntax) -> bool:
    """True when pixel data in transfer syntax ``syntax`` can be decoded here (uncompressed too)."""
    if not getattr(syntax, "is_compressed", False):
        return True
    register()
    try:
        from pydicom.pixels import get_decoder
        return bool(get_decoder(syntax).is_available)
    except (NotImplementedError, ValueError):  # no decoder exists for this syntax at all
        return False


def missing_decoder_message(syntax, what: str) -> str:
    """What the load report says when ``what`` (e.g. "CT image") is compressed as ``syntax`` and
    no decoder is installed."""
    return (f"{what} pixel data is compressed as {syntax.name} ({syntax}), and no decoder for it is "
            f"installed: {INSTALL_HINT}; or export the images uncompressed")
