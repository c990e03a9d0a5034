"""``rtreview listen``: run the DICOM store SCP until interrupted (Ctrl-C or SIGTERM).

Received instances go to ``--store DIR`` (default: ``$RTREVIEW_STORE`` or
``~/.local/share/rtreview/received``), one folder per patient, indexed in ``DIR/index.sqlite``;
the window's File ▸ Receive from planning system… shows the same store as a worklist. Events
(associations, rejections with their reason, stored and refused instances) are logged on stderr,
without patient identifiers. Exit status: 0 after a clean stop, 1 when the port cannot be bound
or a TLS file cannot be read, 2 for usage errors (bad AE title, non-loopback address without
--allow). Details: docs/clinic.md.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from rtreview.core.node.scp import DEFAULT_AE_TITLE, DEFAULT_PORT, LOOPBACK, ListenerError, ListenerSettings, StoreListener
from rtreview.core.node.settings import default_store_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--ae-title", default=DEFAULT_AE_TITLE, help=f"this node's AE title (default {DEFAULT_AE_TITLE})")
    p.add_argument("--store", metavar="DIR", type=Path, default=None,
                   help="folder received objects are kept in (default: $RTREVIEW_STORE or ~/.local/share/rtreview/received)")
    p.add_argument("--allow", metavar="AE[,AE...]", default="",
                   help="calling AE titles accepted (others are rejected); required with a non-loopback --host")
    p.add_argument("--host", default=LOOPBACK, help=f"address to bind (default {LOOPBACK}: this machine only)")
    p.add_argument("--tls-cert", metavar="PEM", type=Path, help="TLS: this node's certificate (with --tls-key)")
    p.add_argument("--tls-key", metavar="PEM", type=Path, help="TLS: the certificate's private key")
    p.add_argument("--tls-ca", metavar="PEM", type=Path,
                   help="TLS: require client certificates signed by this CA")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    allowed = tuple(a.strip() for a in args.allow.split(",") if a.strip())
    settings = ListenerSettings(store_dir=args.store or default_store_dir(), port=args.port, ae_title=args.ae_title,
                                host=args.host, allowed_aes=allowed, tls_cert=args.tls_cert, tls_key=args.tls_key,
                                tls_ca=args.tls_ca)
    try:
        listener = StoreListener(settings)
    except ListenerError as exc:
        print(f"rtreview listen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"rtreview listen: store folder {settings.store_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        listener.start()
    except ListenerError as exc:
        print(f"rtreview listen: {exc}", file=sys.stderr)
        return EXIT_FAILED
    host, port = listener.address
    print(f"listening on {host}:{port}", flush=True)  # stdout: the bound port, for scripts (port 0)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        listener.stop()
    return EXIT_OK
