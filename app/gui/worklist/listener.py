"""ListenerController: runs the core store SCP inside the window and turns its thread callbacks
into Qt signals (queued to the GUI thread). Settings are kept in the window's QSettings."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore

from rtreview.core.node.scp import (DEFAULT_AE_TITLE, DEFAULT_PORT, LOOPBACK, ListenerError, ListenerSettings,
                                    StoreListener)
from rtreview.core.node.settings import default_store_dir

KEY = "receive/"


@dataclass
class ReceiveSettings:
    """What the dock edits (strings as typed; checked by ListenerSettings on start)."""
    store_dir: str
    port: int = DEFAULT_PORT
    ae_title: str = DEFAULT_AE_TITLE
    allowed_aes: str = ""  # comma-separated
    host: str = LOOPBACK

    @classmethod
    def load(cls, settings: QtCore.QSettings) -> "ReceiveSettings":
        def value(name, default):
            v = settings.value(KEY + name, default)
            return default if v is None or v == "" and default != "" else v
        try:
            port = int(value("port", DEFAULT_PORT))
        except (TypeError, ValueError):
            port = DEFAULT_PORT
        return cls(store_dir=str(value("store_dir", str(default_store_dir()))), port=port,
                   ae_title=str(value("ae_title", DEFAULT_AE_TITLE)), allowed_aes=str(value("allowed_aes", "")),
                   host=str(value("host", LOOPBACK)))

    def save(self, settings: QtCore.QSettings) -> None:
        for name in ("store_dir", "port", "ae_title", "allowed_aes", "host"):
            settings.setValue(KEY + name, getattr(self, name))
        settings.sync()

    def listener_settings(self) -> ListenerSettings:
        allowed = tuple(a.strip() for a in self.allowed_aes.split(",") if a.strip())
        return ListenerSettings(store_dir=Path(self.store_dir), port=int(self.port), ae_title=self.ae_title,
                                host=self.host.strip() or LOOPBACK, allowed_aes=allowed)


class ListenerController(QtCore.QObject):
    """Start/stop the listener; ``message(level, text)`` for every logged event, ``stored()`` after
    each kept instance (both emitted from association threads, delivered in the GUI thread)."""

    message = QtCore.Signal(int, str)
    stored = QtCore.Signal()
    running_changed = QtCore.Signal(bool)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._listener: StoreListener | None = None

    @property
    def running(self) -> bool:
        return self._listener is not None

    @property
    def address(self) -> tuple[str, int] | None:
        return self._listener.address if self._listener is not None else None

    def start(self, settings: ReceiveSettings) -> str | None:
        """Start listening; None, or the reason it could not start."""
        self.stop()
        try:
            listener = StoreListener(settings.listener_settings(), on_stored=lambda _s: self.stored.emit(),
                                     on_message=lambda level, text: self.message.emit(level, text))
            listener.start()
        except ListenerError as exc:
            return str(exc)
        except OSError as exc:
            return f"store folder {settings.store_dir}: {exc.strerror or exc}"
        self._listener = listener
        self.running_changed.emit(True)
        return None

    def stop(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            listener.stop()
            self.running_changed.emit(False)
