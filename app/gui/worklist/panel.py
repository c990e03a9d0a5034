"""WorklistPanel: the listener's settings and Start/Stop, the worklist of received patients and
plans (newest first, updated live from the store's index: this window's listener or any other
`rtreview listen` on the same folder), and the listener's log. Double-click opens."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from rtreview.core.node.index import INDEX_NAME, StoreIndex  # (not from store: it imports pydicom)
from rtreview.core.node.worklist import read_worklist

from .listener import ListenerController, ReceiveSettings

FOLDER_ROLE = QtCore.Qt.ItemDataRole.UserRole
PLAN_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
POLL_MS = 1000
LOG_LINES = 500


def local_time(iso_utc: str) -> str:
    """'2026-12-04T15:22:58.123+00:00' -> local '2026-12-04 16:22'."""
    try:
        return datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso_utc


class WorklistPanel(QtWidgets.QWidget):
    open_requested = QtCore.Signal(str, str)  # patient folder, plan SOP Instance UID ('' = the whole patient)

    def __init__(self, settings: QtCore.QSettings, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.controller = ListenerController(self)
        self._state: tuple | None = None
        self._build(ReceiveSettings.load(settings))
        self.controller.message.connect(self._log)
        self.controller.stored.connect(self.refresh)
        self.controller.running_changed.connect(self._show_running)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self._show_running(False)
        self.refresh()

    # --- layout -------------------------------------------------------------------------------
    def _build(self, s: ReceiveSettings) -> None:
        self.store_edit = QtWidgets.QLineEdit(s.store_dir)
        browse = QtWidgets.QPushButton("…")
        self._file_buttons = [browse]  # disabled with the fields while listening
        browse.setToolTip("Choose the folder received plans are kept in")
        browse.clicked.connect(self._browse)
        store_row = QtWidgets.QHBoxLayout()
        store_row.addWidget(self.store_edit, 1)
        store_row.addWidget(browse)
        self.port_spin = QtWidgets.QSpinBox()
        self.port_spin.setRange(0, 65535)
        self.port_spin.setValue(s.port)
        self.ae_edit = QtWidgets.QLineEdit(s.ae_title)
        self.ae_edit.setMaxLength(16)
        self.allowed_edit = QtWidgets.QLineEdit(s.allowed_aes)
        self.allowed_edit.setPlaceholderText("calling AE titles, comma-separated (empty: any, this machine only)")
        self.host_edit = QtWidgets.QLineEdit(s.host)
        self.host_edit.setToolTip("127.0.0.1: only this machine. Another address needs allowed AE titles.")
        # TLS (PS3.15 Annex B.1): the station's certificate and key; a CA makes client certificates required.
        self.tls_cert_edit, cert_row = self._file_row(s.tls_cert, "PEM certificate (empty: no TLS)",
                                                      "This station's TLS certificate (PEM)")
        self.tls_key_edit, key_row = self._file_row(s.tls_key, "its private key (PEM, unencrypted)",
                                                    "The certificate's private key (PEM)")
        self.tls_ca_edit, ca_row = self._file_row(s.tls_ca, "optional: require client certificates signed by this CA",
                                                  "CA certificate(s) the senders' client certificates must be signed by")
        form = QtWidgets.QFormLayout()
        form.addRow("Store folder", store_row)
        form.addRow("Port", self.port_spin)
        form.addRow("AE title", self.ae_edit)
        form.addRow("Allowed callers", self.allowed_edit)
        form.addRow("Listen on", self.host_edit)
        form.addRow("TLS certificate", cert_row)
        form.addRow("TLS key", key_row)
        form.addRow("TLS client CA", ca_row)
        self.start_button = QtWidgets.QPushButton("Start listening")
        self.start_button.clicked.connect(self.toggle)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.status, 1)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["Patient / plan", "Name / from", "Arrived", "Received"])
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(self._open_item)
        self.tree.setToolTip("Double-click a patient or a plan to open it")
        self.log_view = QtWidgets.QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setMaximumHeight(110)
        browse.setFixedWidth(32)
        self.setMinimumWidth(520)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.log_view)

    def _file_row(self, text: str, placeholder: str, title: str) -> tuple[QtWidgets.QLineEdit, QtWidgets.QHBoxLayout]:
        edit = QtWidgets.QLineEdit(text)
        edit.setPlaceholderText(placeholder)
        browse = QtWidgets.QPushButton("…")
        browse.setFixedWidth(32)
        browse.setToolTip(title)

        def choose() -> None:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(self, title, edit.text() or str(Path.home()),
                                                            "PEM files (*.pem *.crt *.cer *.key);;All files (*)")
            if path:
                edit.setText(path)
        browse.clicked.connect(choose)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(browse)
        self._file_buttons.append(browse)
        return edit, row

    def current_settings(self) -> ReceiveSettings:
        return ReceiveSettings(store_dir=self.store_edit.text().strip(), port=self.port_spin.value(),
                               ae_title=self.ae_edit.text(), allowed_aes=self.allowed_edit.text(),
                               host=self.host_edit.text().strip(), tls_cert=self.tls_cert_edit.text().strip(),
                               tls_key=self.tls_key_edit.text().strip(), tls_ca=self.tls_ca_edit.text().strip())

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Store folder for received plans",
                                                            self.store_edit.text())
        if folder:
            self.store_edit.setText(folder)
            self.refresh()

    # --- listener -----------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.controller.running:
            self.controller.stop()
            return
        settings = self.current_settings()
        error = self.controller.start(settings)
        if error is not None:
            self.status.setText(f"Not listening: {error}")
            self._log(logging.WARNING, f"not started: {error}")
            return
        settings.save(self.settings)
        self.refresh()

    def _show_running(self, running: bool) -> None:
        self.start_button.setText("Stop listening" if running else "Start listening")
        for w in (self.store_edit, self.port_spin, self.ae_edit, self.allowed_edit, self.host_edit,
                  self.tls_cert_edit, self.tls_key_edit, self.tls_ca_edit, *self._file_buttons):
            w.setEnabled(not running)
        if running:
            host, port = self.controller.address
            tls = self.controller.tls
            self.status.setText(f"Listening as {self.ae_edit.text().strip()} on {host}:{port}"
                                + (" (TLS, client certificates required)" if tls == "client" else
                                   " (TLS)" if tls else ""))
        elif not self.status.text().startswith("Not listening:"):
            self.status.setText("Not listening")

    def _log(self, level: int, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.log_view.appendPlainText(f"{stamp} {'!' if level >= logging.WARNING else ' '} {text}")

    def set_polling(self, on: bool) -> None:
        """Watch the store's index for arrivals (while the panel is shown)."""
        if on:
            self.timer.start()
            self.refresh()
        else:
            self.timer.stop()

    def shutdown(self) -> None:
        self.timer.stop()
        self.controller.stop()

    # --- worklist -----------------------------------------------------------------------------
    def store_dir(self) -> Path:
        return Path(self.store_edit.text().strip() or ".")

    def _poll(self) -> None:
        index = self.store_dir() / INDEX_NAME
        state = StoreIndex(index, create=False).state() if index.is_file() else None
        if state != self._state:
            self.refresh()

    def refresh(self) -> None:
        """Rebuild the worklist from the store's index (keeps the selection by folder/plan)."""
        root = self.store_dir()
        index = root / INDEX_NAME
        self._state = StoreIndex(index, create=False).state() if index.is_file() else None
        selected = self._selected_key()
        self.tree.clear()
        for patient in read_worklist(root):
            item = QtWidgets.QTreeWidgetItem([patient.patient_id or "(no Patient ID)", patient.patient_name,
                                              local_time(patient.last_received), patient.summary()])
            item.setData(0, FOLDER_ROLE, str(patient.folder))
            item.setData(0, PLAN_ROLE, "")
            for plan in patient.plans:
                child = QtWidgets.QTreeWidgetItem([plan.label or "(no label)", f"from {plan.calling_ae}",
                                                   local_time(plan.received_at), "RT Plan"])
                child.setData(0, FOLDER_ROLE, str(patient.folder))
                child.setData(0, PLAN_ROLE, plan.sop_instance_uid)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
            for candidate in (item, *(item.child(i) for i in range(item.childCount()))):
                if selected == (candidate.data(0, FOLDER_ROLE), candidate.data(0, PLAN_ROLE)):
                    self.tree.setCurrentItem(candidate)
        for column in range(4):
            self.tree.resizeColumnToContents(column)

    def _selected_key(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        return (item.data(0, FOLDER_ROLE), item.data(0, PLAN_ROLE)) if item is not None else None

    def patient_items(self) -> list[QtWidgets.QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def _open_item(self, item: QtWidgets.QTreeWidgetItem, _column: int = 0) -> None:
        self.open_requested.emit(item.data(0, FOLDER_ROLE), item.data(0, PLAN_ROLE) or "")
