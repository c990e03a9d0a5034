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
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # (imported where used: the window imports this module's settings at start-up,
    # and .store imports pydicom, which the window does not need until a listener starts)
    from pydicom.dataset import Dataset

    from .store import Stored

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
    """TLS 1.2+ server context; client certificates required when ``ca`` is given. A missing or
    unreadable file, a file that is not PEM or lacks the expected block, an encrypted or damaged
    key, or a key that does not match the certificate is a :class:`ListenerError` naming the file
    and the problem (tests/test_node_scp.py::test_bad_tls_files_are_named)."""
    for what, path in (("certificate", cert), ("private key", key), ("client CA", ca)):
        if path is None:
            continue
        try:
            with open(path, "rb") as f:
                head = f.read(1 << 16)
        except OSError as exc:
            raise ListenerError(f"TLS {what} {path}: {exc.strerror or exc}") from exc
        if b"-----BEGIN " not in head:
            raise ListenerError(f"TLS {what} {path}: not a PEM file (expected a '-----BEGIN ...' block)")
        if what == "private key":
            if b"ENCRYPTED" in head:
                raise ListenerError(f"TLS private key {path}: encrypted with a passphrase, which the listener "
                                    "cannot ask for; use an unencrypted key readable only by this user")
            if not _PEM_KEY.search(head):
                raise ListenerError(f"TLS private key {path}: no private key in it (a '-----BEGIN PRIVATE KEY-----' "
                                    "block)")
        elif b"-----BEGIN CERTIFICATE-----" not in head:
            raise ListenerError(f"TLS {what} {path}: no certificate in it (a '-----BEGIN CERTIFICATE-----' block)")
    context = _ServerContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key), password=lambda: b"")  # never prompt on a terminal
    except (OSError, ssl.SSLError) as exc:
        raise ListenerError(f"TLS certificate {cert} with key {key}: {_ssl_reason(exc)}") from exc
    if ca is not None:
        try:
            context.load_verify_locations(str(ca))
        except (OSError, ssl.SSLError) as exc:
            raise ListenerError(f"TLS client CA {ca}: {_ssl_reason(exc)}") from exc
        context.verify_mode = ssl.CERT_REQUIRED
    return context


HANDSHAKE_TIMEOUT_S = 30.0  # a sender that connects and then says nothing is dropped after this


class _DeferredHandshakeSocket(ssl.SSLSocket):
    """A server-side TLS socket whose handshake runs on first use, i.e. in the association's own
    thread. pynetdicom's server wraps each accepted socket in its single accept loop; with the
    handshake there, one connection that never sends a ClientHello (a port scan, a half-open
    link) would stall every later association (measured: an idle TCP connection blocked TLS
    associations until it closed). A failed handshake is reported with the peer's address."""

    _rtreview_pending = False
    _rtreview_peer = "?"
    _rtreview_report: Callable[[str, Exception], None] | None = None

    def _rtreview_handshake(self) -> None:
        if not self._rtreview_pending:
            return
        self._rtreview_pending = False
        timeout = self.gettimeout()
        self.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            self.do_handshake()
        except OSError as exc:
            if self._rtreview_report is not None:
                self._rtreview_report(self._rtreview_peer, exc)
            raise
        finally:
            self.settimeout(timeout)

    def recv(self, *args, **kwargs):
        self._rtreview_handshake()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args, **kwargs):
        self._rtreview_handshake()
        return super().recv_into(*args, **kwargs)

    def send(self, *args, **kwargs):
        self._rtreview_handshake()
        return super().send(*args, **kwargs)

    def sendall(self, *args, **kwargs):
        self._rtreview_handshake()
        return super().sendall(*args, **kwargs)


class _ServerContext(ssl.SSLContext):
    """The listener's SSL context: server sockets get the deferred handshake above, and failed
    handshakes are reported to ``on_handshake_failure(peer, error)`` (socketserver would drop
    them silently: a sender without TLS or with an untrusted certificate left no trace)."""

    sslsocket_class = _DeferredHandshakeSocket
    on_handshake_failure: Callable[[str, Exception], None] | None = None

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, *args, **kwargs):
        if not server_side:
            return super().wrap_socket(sock, server_side, do_handshake_on_connect, *args, **kwargs)
        try:
            peer = "%s:%s" % sock.getpeername()[:2]
        except OSError:
            peer = "?"
        wrapped = super().wrap_socket(sock, True, False, *args, **kwargs)
        wrapped._rtreview_pending, wrapped._rtreview_peer = True, peer
        wrapped._rtreview_report = self.on_handshake_failure
        return wrapped


_PEM_KEY = re.compile(rb"-----BEGIN (RSA |EC |DSA )?PRIVATE KEY-----")


def _ssl_reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    if reason == "KEY_VALUES_MISMATCH":
        return "the private key does not belong to the certificate"
    if reason in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "UNSUPPORTED_PROTOCOL"):
        return "the sender did not speak TLS 1.2 or later (a plain DICOM association?)"
    if isinstance(exc, ssl.SSLError) and reason is None and "PEM lib" in str(exc):
        return "the PEM data cannot be decoded (a damaged or truncated certificate or key)"
    return str(reason).replace("_", " ").lower() if reason else str(exc)


class StoreListener:
    """A running store SCP. ``on_stored`` is called (from an association thread) after each kept
    instance; ``on_message(level, text)`` with every logged event (logging.INFO/WARNING/ERROR)."""

    def __init__(self, settings: ListenerSettings, *, on_stored: Callable[[Stored], None] | None = None,
                 on_message: Callable[[int, str], None] | None = None):
        self.settings = settings.checked()
        from .store import DicomStore

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
        if context is not None:
            context.on_handshake_failure = lambda peer, exc: self._say(
                logging.WARNING, f"TLS handshake with {peer} failed, connection closed: {_ssl_reason(exc)}")
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
        from .store import OUT_OF_RESOURCES, StoreRefused

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
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.Status = status
    ds.ErrorComment = reason[:64]  # LO: 64 characters
    return ds
