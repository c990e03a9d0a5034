"""Helpers for the DICOM node tests: a running listener on a free loopback port, a store SCU, the
data-set bytes of a file (what C-STORE carries)."""
from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

from pydicom import dcmread
from pydicom.filereader import _read_file_meta_info, read_preamble

from rtreview.core.node.scp import ListenerSettings, StoreListener


def dataset_bytes(path: Path) -> bytes:
    """The encoded data set of a DICOM file (everything after the File Meta Information)."""
    raw = Path(path).read_bytes()
    fp = io.BytesIO(raw)
    read_preamble(fp, False)
    _read_file_meta_info(fp)
    return raw[fp.tell():]


@contextmanager
def listening(store: Path, allowed=("TPS",), **kw):
    """A started listener on 127.0.0.1 and a free port; yields (listener, messages); always stopped."""
    messages: list[tuple[int, str]] = []
    listener = StoreListener(ListenerSettings(store, port=0, allowed_aes=tuple(allowed), **kw),
                             on_message=lambda level, text: messages.append((level, text)))
    listener.start()
    try:
        yield listener, messages
    finally:
        listener.stop()


@contextmanager
def chunked_send():
    """pynetdicom's SCU sends a file path's data set bytes as they are in the file (not re-encoded)."""
    from pynetdicom import _config
    old = _config.STORE_SEND_CHUNKED_DATASET
    _config.STORE_SEND_CHUNKED_DATASET = True
    try:
        yield
    finally:
        _config.STORE_SEND_CHUNKED_DATASET = old


def scu(paths, ae_title="TPS", extra_classes=()):
    """A pynetdicom AE requesting the storage contexts of ``paths`` (in their transfer syntaxes)."""
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification
    ae = AE(ae_title)
    ae.maximum_pdu_size = 1 << 20
    contexts = set()
    for p in paths:
        ds = dcmread(p, stop_before_pixels=True)
        contexts.add((str(ds.SOPClassUID), str(ds.file_meta.TransferSyntaxUID)))
    for sop_class, syntax in sorted(contexts) + [(c, "1.2.840.10008.1.2.1") for c in extra_classes]:
        ae.add_requested_context(sop_class, syntax)
    ae.add_requested_context(Verification)
    return ae
