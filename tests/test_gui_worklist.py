"""File ▸ Receive from planning system…: the listener started from the window receives the sample
from a real store SCU, the worklist updates live, survives a restart, opens a plan on double-click;
File ▸ Export anonymised… writes the export off the GUI thread."""
from __future__ import annotations

import json
import logging
import ssl

import pytest
from pydicom import dcmread
from PySide6 import QtCore

from gui_helpers import wait_idle, window_with
from node_support import chunked_send, make_certificate, scu
from rtreview.core.anonymize.export import anonymize_paths
from rtreview.gui.export.anonymize import AnonymizeDialog, AnonymizeOptions


def _window(qtbot, tmp_path):
    from rtreview.gui.main_window import MainWindow
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    return w


def _start(panel, store, allowed="TPS"):
    panel.store_edit.setText(str(store))
    panel.port_spin.setValue(0)
    panel.allowed_edit.setText(allowed)
    panel.toggle()
    assert panel.controller.running, panel.status.text()
    return panel.controller.address


def test_receive_sample_then_open_a_plan_from_the_worklist(qtbot, tmp_path, sample_dicom):
    w = _window(qtbot, tmp_path)
    w.receive.show()
    panel = w.receive.panel
    store = tmp_path / "store"
    try:
        host, port = _start(panel, store)
        assert panel.status.text() == f"Listening as RTREVIEW on 127.0.0.1:{port}"
        files = sorted(sample_dicom.glob("*.dcm"))
        with chunked_send():
            assoc = scu(files).associate(host, port, ae_title="RTREVIEW")
            assert [assoc.send_c_store(p).Status for p in files] == [0] * len(files)
            assoc.release()
        qtbot.waitUntil(lambda: len(panel.patient_items()) == 1 and panel.patient_items()[0].childCount() == 2,
                        timeout=20_000)
        patient = panel.patient_items()[0]
        assert patient.text(0) == "RTR-SAMPLE-001" and patient.text(3) == "CT 117, RTSTRUCT 1, RTPLAN 2, RTDOSE 2"
        plans = {patient.child(i).text(0): patient.child(i) for i in range(2)}
        assert set(plans) == {"LIVER", "L ILIUM"}
        assert "association accepted from TPS" in panel.log_view.toPlainText()
        with qtbot.waitSignal(w.case_loaded, timeout=60_000):
            panel.tree.itemDoubleClicked.emit(plans["L ILIUM"], 0)
        wait_idle(qtbot, w)
        assert w.session.link is not None and w.session.link.label == "L ILIUM"
        assert str(store) in w.session.link.dose.path
        assert len(w.session.case.links) == 2
    finally:
        panel.shutdown()
    assert not panel.controller.running
    # Another window (a restart) shows the same worklist from the index, without listening.
    w2 = _window(qtbot, tmp_path)
    w2.receive.panel.store_edit.setText(str(store))
    w2.receive.show()
    assert [i.text(0) for i in w2.receive.panel.patient_items()] == ["RTR-SAMPLE-001"]
    assert not w2.receive.panel.controller.running


def test_rejected_caller_is_logged_in_the_panel(qtbot, tmp_path, sample_dicom):
    w = _window(qtbot, tmp_path)
    w.receive.show()
    panel = w.receive.panel
    try:
        host, port = _start(panel, tmp_path / "store", allowed="TPS")
        assoc = scu([sample_dicom / "RP_LIVER.dcm"], ae_title="STRANGER").associate(host, port, ae_title="RTREVIEW")
        assert not assoc.is_established
        qtbot.waitUntil(lambda: "not in the allow-list" in panel.log_view.toPlainText(), timeout=10_000)
        assert "'STRANGER'" in panel.log_view.toPlainText()
    finally:
        panel.shutdown()


def test_tls_from_the_dock(qtbot, tmp_path, sample_dicom):
    """The dock's TLS fields: a real TLS association over loopback stores a plan; a plain one is
    refused; with a client CA a sender without a client certificate is refused and one with a
    certificate signed by that CA gets through; the fields are saved and restored."""
    cert, key = make_certificate(tmp_path, "node")
    client_cert, client_key = make_certificate(tmp_path, "tps")  # self-signed: it is its own CA
    plan, other = sample_dicom / "RP_LIVER.dcm", sample_dicom / "RP_L_ILIUM.dcm"
    w = _window(qtbot, tmp_path)
    w.receive.show()
    panel = w.receive.panel
    store = tmp_path / "store"
    panel.tls_cert_edit.setText(str(cert))
    panel.tls_key_edit.setText(str(key))
    try:
        host, port = _start(panel, store)
        assert panel.status.text() == f"Listening as RTREVIEW on 127.0.0.1:{port} (TLS)"
        assert not panel.tls_cert_edit.isEnabled() and not panel.tls_key_edit.isEnabled()
        trusting = ssl.create_default_context(cafile=str(cert))
        with chunked_send():
            assoc = scu([plan]).associate(host, port, ae_title="RTREVIEW", tls_args=(trusting, "localhost"))
            assert assoc.is_established
            assert assoc.send_c_store(plan).Status == 0x0000
            assoc.release()
        assert not scu([plan]).associate(host, port, ae_title="RTREVIEW").is_established  # plain TCP
        qtbot.waitUntil(lambda: len(panel.patient_items()) == 1, timeout=20_000)
        assert panel.patient_items()[0].child(0).text(0) == "LIVER"
        assert "(TLS)" in panel.log_view.toPlainText()
        qtbot.waitUntil(lambda: "a plain DICOM association?" in panel.log_view.toPlainText(), timeout=10_000)
        panel.toggle()  # stop
        assert not panel.controller.running and panel.tls_ca_edit.isEnabled()

        panel.tree.setCurrentItem(panel.patient_items()[0].child(0))  # the plan stays selected across updates
        panel.tls_ca_edit.setText(str(client_cert))
        host, port = _start(panel, store)
        assert panel.status.text().endswith("(TLS, client certificates required)")
        anonymous = scu([other]).associate(host, port, ae_title="RTREVIEW", tls_args=(trusting, "localhost"))
        assert not anonymous.is_established
        qtbot.waitUntil(lambda: "failed, connection closed: peer did not return a certificate"
                        in panel.log_view.toPlainText(), timeout=10_000)
        identified = ssl.create_default_context(cafile=str(cert))
        identified.load_cert_chain(str(client_cert), str(client_key))
        with chunked_send():
            assoc = scu([other]).associate(host, port, ae_title="RTREVIEW", tls_args=(identified, "localhost"))
            assert assoc.is_established
            assert assoc.send_c_store(other).Status == 0x0000
            assoc.release()
        qtbot.waitUntil(lambda: panel.patient_items()[0].childCount() == 2, timeout=20_000)
        assert panel.tree.currentItem().text(0) == "LIVER" and panel.tree.currentItem().parent() is not None
    finally:
        panel.shutdown()
    assert sorted(p.name for p in store.rglob("*.dcm")) == sorted(
        f"{dcmread(p, stop_before_pixels=True).SOPInstanceUID}.dcm" for p in (plan, other))
    # Saved with the other settings: a new window shows the same TLS files.
    w2 = _window(qtbot, tmp_path)
    fields = w2.receive.panel
    assert (fields.tls_cert_edit.text(), fields.tls_key_edit.text(), fields.tls_ca_edit.text()) == (
        str(cert), str(key), str(client_cert))


def test_bad_tls_file_shown_in_the_dock_not_raised(qtbot, tmp_path):
    w = _window(qtbot, tmp_path)
    panel = w.receive.panel
    panel.store_edit.setText(str(tmp_path / "s"))
    panel.port_spin.setValue(0)
    (tmp_path / "notes.txt").write_text("hello\n")
    panel.tls_cert_edit.setText(str(tmp_path / "notes.txt"))
    panel.tls_key_edit.setText(str(tmp_path / "notes.txt"))
    panel.toggle()
    assert not panel.controller.running
    assert panel.status.text() == f"Not listening: TLS certificate {tmp_path / 'notes.txt'}: not a PEM file " \
                                  "(expected a '-----BEGIN ...' block)"
    assert "not started: TLS certificate" in panel.log_view.toPlainText()
    panel.tls_cert_edit.setText("")  # a key without a certificate
    panel.toggle()
    assert not panel.controller.running and "both a certificate and its private key" in panel.status.text()


def test_settings_errors_shown_not_raised(qtbot, tmp_path):
    w = _window(qtbot, tmp_path)
    panel = w.receive.panel
    panel.store_edit.setText(str(tmp_path / "s"))
    panel.host_edit.setText("0.0.0.0")
    panel.allowed_edit.setText("")
    panel.toggle()
    assert not panel.controller.running and "needs an allow-list" in panel.status.text()
    panel.host_edit.setText("127.0.0.1")
    panel.port_spin.setValue(0)
    panel.toggle()
    try:
        assert panel.controller.running
        saved = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
        assert saved.value("receive/store_dir") == str(tmp_path / "s")
    finally:
        panel.shutdown()


def test_export_anonymised_from_the_window(qtbot, tmp_path, sample_dicom, monkeypatch):
    w = window_with(qtbot, tmp_path, [sample_dicom])
    out, key = tmp_path / "anon", tmp_path / "key.json"
    monkeypatch.setattr(AnonymizeDialog, "ask", classmethod(
        lambda cls, parent, default: AnonymizeOptions(str(out), str(key), retain_dates=True)))
    with qtbot.waitSignal(w.anonymized_export.exported, timeout=120_000) as signal:
        w.anonymized_export.ask_and_start()
    result = signal.args[0]
    assert len(result.written) == 122 and result.key_path == key
    assert json.loads(key.read_text())["patients"][0]["patient_id"] == "RTR-SAMPLE-001"
    assert "Anonymised export: 122 DICOM file(s)" in w.statusBar().currentMessage()


def test_cancelled_export_leaves_nothing(tmp_path, sample_dicom):
    calls = []
    result = anonymize_paths([sample_dicom], tmp_path / "out", cancelled=lambda: len(calls) > 5,
                             progress=lambda done, total: calls.append(done))
    assert result.cancelled and result.written == [] and not (tmp_path / "out").exists()
