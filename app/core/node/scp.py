"""The DICOM store SCP (a review station's "DICOM node"): pynetdicom accepts associations from the
planning system, answers C-ECHO, and hands every C-STORE to :class:`~.store.DicomStore`.

Security: only calling AE titles on the allow-list are accepted (the others are rejected at
association, PS3.8 A-ASSOCIATE-RJ reason 3 "calling AE title not recognized", and the reason is
logged); the listener binds to the loopback address unless another is given, and refuses to
listen beyond it without an allow-list; optional TLS (PS3.15 Annex B.1, the Basic TLS Secure
Transport Connection Profile) with the station's certificate and, when a CA file is given,
client certificates required. Nothing in a C-STORE can crash the listener: every handler
failure becomes a failure status.
"""
from __future__ import annotations

import ipaddress
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pydicom.dataset import Dataset

from .store import OUT_OF_RESOURCES, DicomStore, Stored, StoreRefused

LOG = logging.getLogger("rtreview.node")
DEFAULT_PORT = 11112  # IANA "dicom" port (PS3.8 Annex G)
DEFAULT_AE_TITLE = "RTREVIEW"
LOOPBACK = "127.0.0.1"
MAX_PDU_BYTES = 1 << 20  # fewer, larger P-DATA PDUs: Python's per-PDU cost dominates with the default 16 KiB

# Storage SOP classes accepted (PS3.4 Annex B.5): RT objects, spatial registration, CT / MR / PET.
STORAGE_CLASSES = (
    "CTImageStorage", "EnhancedCTImageStorage", "MRImageStorage", "EnhancedMRImageStorage",
    "PositronEmissionTomographyImageStorage", "EnhancedPETImageStorage",
    "RTImageStorage", "RTDoseStorage", "RTStructureSetStorage", "RTBeamsTreatmentRecordStorage", "RTPlanStorage",
    "RTBrachyTreatmentRecordStorage", "RTTreatmentSummaryRecordStorage", "RTIonPlanStorage",
    "RTIonBeamsTreatmentRecordStorage", "RTPhysicianIntentStorage", "RTSegmentAnnotationStorage",
    "SpatialRegistrationStorage", "DeformableSpatialRegistrationStorage",
)


class ListenerError(ValueError):
    """Settings the listener cannot start with, or the port cannot be bound; the message says which."""


def check_ae_title(title: str, what: str = "AE title") -> str:
    """An AE title: 1-16 characters of the DICOM default repertoire, no backslash, not only spaces
    (PS3.5 Table 6.2-1, VR AE)."""
    stripped = title.strip()
    if not stripped or len(title) > 16 or "\\" in title or not title.isascii() or not title.isprintable():
        raise ListenerError(f"{what} {title!r}: 1 to 16 printable ASCII characters, no backslash")
    return stripped


@dataclass(frozen=True)
class ListenerSettings:
    store_dir: Path
    port: int = DEFAULT_PORT
    ae_title: str = DEFAULT_AE_TITLE
    host: str = LOOPBACK
    allowed_aes: tuple[str, ...] = ()  # empty: any calling AE (only allowed on a loopback address)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None  # when given, peers must present a certificate signed by it

    def checked(self) -> "ListenerSettings":
        """Validated copy (AE titles stripped); raises :class:`ListenerError`."""
        if not 0 <= self.port <= 65535:
            raise ListenerError(f"port {self.port}: expected 0-65535")
        allowed = tuple(check_ae_title(a, "allowed AE title") for a in self.allowed_aes)
        if not allowed and not _is_loopback(self.host):
            raise ListenerError(f"listening on {self.host} needs an allow-list of calling AE titles (--allow): "
                                "without one only the loopback address is served")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ListenerError("TLS needs both a certificate and its private key")
        if self.tls_ca is not None and self.tls_cert is None:
            raise ListenerError("a TLS CA file is only used together with a certificate and key")
        return ListenerSettings(Path(self.store_dir), self.port, check_ae_title(self.ae_title), self.host, allowed,
                                self.tls_cert, self.tls_key, self.tls_ca)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_ssl_context(cert: Path, key: Path, ca: Path | None) -> ssl.SSLContext:
    """TLS 1.2+ server context; client certificates required when ``ca`` is given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
        if ca is not None:
            context.load_verify_locations(str(ca))
            context.verify_mode = ssl.CERT_REQUIRED
    except (OSError, ssl.SSLError) as exc:
        raise ListenerError(f"TLS certificate/key {cert} / {key}: {exc}") from exc
    return context


class StoreListener:
    """A running store SCP. ``on_stored`` is called (from an association thread) after each kept
    instance; ``on_message(level, text)`` with every logged event (logging.INFO/WARNING/ERROR)."""

    def __init__(self, settings: ListenerSettings, *, on_stored: Callable[[Stored], None] | None = None,
                 on_message: Callable[[int, str], None] | None = None):
        self.settings = settings.checked()
        self.store = DicomStore(self.settings.store_dir)
        self._on_stored = on_stored
        self._on_message = on_message
        self._server = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the port the system chose when settings.port was 0."""
        if self._server is None:
            raise RuntimeError("listener not started")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        from pynetdicom import ALL_TRANSFER_SYNTAXES, AE, evt
        from pynetdicom import sop_class

        logging.getLogger("pynetdicom").setLevel(logging.WARNING)  # its INFO lines describe data sets
        s = self.settings
        ae = AE(ae_title=s.ae_title)
        ae.maximum_pdu_size = MAX_PDU_BYTES
        ae.require_calling_aet = list(s.allowed_aes)
        ae.add_supported_context(sop_class.Verification)
        for name in STORAGE_CLASSES:
            ae.add_supported_context(getattr(sop_class, name), ALL_TRANSFER_SYNTAXES)
        context = server_ssl_context(s.tls_cert, s.tls_key, s.tls_ca) if s.tls_cert is not None else None
        handlers = [(evt.EVT_C_ECHO, lambda event: 0x0000), (evt.EVT_C_STORE, self._handle_store),
                    (evt.EVT_REJECTED, self._handle_rejected), (evt.EVT_ACCEPTED, self._handle_accepted),
                    (evt.EVT_ABORTED, self._handle_aborted)]
        try:
            self._server = ae.start_server((s.host, s.port), block=False, evt_handlers=handlers, ssl_context=context)
        except OSError as exc:
            raise ListenerError(f"cannot listen on {s.host}:{s.port}: {exc.strerror or exc}") from exc
        host, port = self.address
        self._say(logging.INFO, f"listening as {s.ae_title} on {host}:{port}{' (TLS)' if context else ''}, "
                                f"store {s.store_dir}; calling AE titles allowed: "
                                f"{', '.join(s.allowed_aes) if s.allowed_aes else 'any (loopback only)'}")

    def stop(self) -> None:
        """Stop accepting, end open associations, close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server = None
            self._say(logging.INFO, "listener stopped")

    def __enter__(self) -> "StoreListener":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _say(self, level: int, text: str) -> None:
        LOG.log(level, text)
        if self._on_message is not None:
            try:
                self._on_message(level, text)
            except Exception:  # a display problem must not stop the listener
                LOG.exception("message callback failed")

    @staticmethod
    def _peer(event) -> str:
        requestor = event.assoc.requestor
        return f"{requestor.ae_title!s} at {requestor.address}:{requestor.port}"

    def _handle_accepted(self, event) -> None:
        self._say(logging.INFO, f"association accepted from {self._peer(event)}")

    def _handle_aborted(self, event) -> None:
        self._say(logging.WARNING, f"association from {self._peer(event)} aborted; nothing partial was kept")

    def _handle_rejected(self, event) -> None:
        calling = str(event.assoc.requestor.ae_title).strip()
        allowed = self.settings.allowed_aes
        if allowed and calling not in allowed:
            reason = f"calling AE title {calling!r} is not in the allow-list ({', '.join(allowed)})"
        else:
            reason = "too many associations or wrong called AE title"
        self._say(logging.WARNING, f"association from {event.assoc.requestor.address} rejected: {reason}")

    def _handle_store(self, event) -> Dataset | int:
        request = event.request
        calling = str(event.assoc.requestor.ae_title).strip()
        try:
            stored = self.store.receive(event.file_meta, request.DataSet.getvalue(),
                                        sop_class_uid=str(request.AffectedSOPClassUID),
                                        sop_instance_uid=str(request.AffectedSOPInstanceUID), calling_ae=calling)
        except StoreRefused as exc:
            self._say(logging.WARNING, f"instance from {calling} refused (status 0x{exc.status:04X}): {exc.reason}")
            return _failure(exc.status, exc.reason)
        except Exception as exc:  # never let a handler error end the listener
            LOG.exception("unexpected error storing an instance")
            self._say(logging.ERROR, f"instance from {calling} refused: internal error {type(exc).__name__}")
            return _failure(OUT_OF_RESOURCES, f"internal error {type(exc).__name__}")
        record = stored.record
        self._say(logging.INFO, f"{'duplicate ' if stored.duplicate else ''}{record.modality or '?'} instance "
                                f"({record.size_bytes} bytes) from {calling} stored")
        if self._on_stored is not None:
            try:
                self._on_stored(stored)
            except Exception:
                LOG.exception("stored callback failed")
        return 0x0000


def _failure(status: int, reason: str) -> Dataset:
    ds = Dataset()
    ds.Status = status
    ds.ErrorComment = reason[:64]  # LO: 64 characters
    return ds
