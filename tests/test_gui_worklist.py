"""File ▸ Receive from planning system…: the listener started from the window receives the sample
from a real store SCU, the worklist updates live, survives a restart, opens a plan on double-click;
File ▸ Export anonymised… writes the export off the GUI thread."""
from __future__ import annotations

import json
import logging

import pytest
from PySide6 import QtCore

from gui_helpers import wait_idle, window_with
from node_support import chunked_send, scu
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
