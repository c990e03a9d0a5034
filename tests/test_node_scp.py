"""The store SCP over a real loopback association: pynetdicom's store SCU and dcmtk's storescu send
the sample patient; rejected AE titles, an abort mid-transfer, a truncated data set, TLS, restarts,
concurrent associations, and the `rtreview listen` command."""
from __future__ import annotations

import logging
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.uid import generate_uid

import dicom_builders as b
from conftest import REPO
from node_support import chunked_send, dataset_bytes, listening, scu
from rtreview.core.node.scp import ListenerError, ListenerSettings, StoreListener
from rtreview.core.node.worklist import read_worklist


def _sample_files(sample_dicom):
    return sorted(sample_dicom.glob("*.dcm"))


def _assert_sample_received(sample_dicom, store, calling="TPS"):
    files = _sample_files(sample_dicom)
    (patient,) = read_worklist(store)
    assert patient.patient_id == "RTR-SAMPLE-001"
    assert patient.counts == {"CT": 117, "RTSTRUCT": 1, "RTPLAN": 2, "RTDOSE": 2}
    assert sorted(p.label for p in patient.plans) == ["L ILIUM", "LIVER"]
    assert all(p.calling_ae == calling for p in patient.plans)
    for src in files:
        uid = dcmread(src, stop_before_pixels=True).SOPInstanceUID
        kept = patient.folder / f"{uid}.dcm"
        assert dataset_bytes(kept) == dataset_bytes(src), src.name
    assert len(list(patient.folder.glob("*.dcm"))) == len(files)
    assert list((store / ".incoming").iterdir()) == []


def test_sample_patient_from_pynetdicom_scu(sample_dicom, tmp_path):
    files = _sample_files(sample_dicom)
    with listening(tmp_path / "store") as (listener, messages), chunked_send():
        host, port = listener.address
        assoc = scu(files).associate(host, port, ae_title="RTREVIEW")
        assert assoc.is_established
        assert assoc.send_c_echo().Status == 0x0000
        statuses = [assoc.send_c_store(path).Status for path in files]
        assoc.release()
    assert statuses == [0x0000] * len(files)
    _assert_sample_received(sample_dicom, tmp_path / "store")
    assert any("association accepted from TPS" in text for _, text in messages)
    assert not any("RTR-SAMPLE" in text for _, text in messages)  # no patient identifiers in the log


@pytest.mark.skipif(shutil.which("storescu") is None, reason="dcmtk's storescu is not installed "
                    "(Debian package dcmtk; tools/bootstrap.sh installs it for the tests)")
def test_sample_patient_from_dcmtk_storescu(sample_dicom, tmp_path):
    with listening(tmp_path / "store") as (listener, _):
        host, port = listener.address
        out = subprocess.run(["storescu", "-aet", "TPS", "-aec", "RTREVIEW", "+sd", "+sp", "*.dcm", host, str(port),
                              str(sample_dicom)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    _assert_sample_received(sample_dicom, tmp_path / "store")


def test_calling_ae_not_allowed_is_rejected_and_logged(sample_dicom, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="rtreview.node")
    with listening(tmp_path / "store", allowed=("TPS", "ECLIPSE")) as (listener, messages):
        host, port = listener.address
        assoc = scu(_sample_files(sample_dicom)[:1], ae_title="INTRUDER").associate(host, port, ae_title="RTREVIEW")
        assert not assoc.is_established and assoc.is_rejected
        ok = scu([], ae_title="ECLIPSE").associate(host, port, ae_title="RTREVIEW")  # the allow-list works
        assert ok.is_established and ok.send_c_echo().Status == 0
        ok.release()
    reason = "calling AE title 'INTRUDER' is not in the allow-list (TPS, ECLIPSE)"
    assert any(reason in text for level, text in messages if level == logging.WARNING)
    assert reason in caplog.text
    assert list((tmp_path / "store").rglob("*.dcm")) == []


def _big_dose(tmp_path):
    """A 38 MB RT Dose: many 1 MiB P-DATA PDUs, so an abort surely falls inside the transfer."""
    dose = np.fromfunction(lambda k, j, i: (k + j + i) % 50, (160, 240, 500), dtype=np.float64)
    ds = b.rtdose(dose, scaling=1e-3, patient_id="ABORT-TEST")
    return b.save(ds, tmp_path / "big_dose.dcm"), ds.SOPInstanceUID


# The test's own SCU reactor thread raises pynetdicom's InvalidEventError after its abort (it still
# holds P-DATA to send in state Sta13); the listener's side is checked by the assertions below.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_abort_mid_transfer_leaves_nothing_and_listener_goes_on(sample_dicom, tmp_path):
    from pynetdicom import evt
    from pynetdicom.pdu import P_DATA_TF
    path, uid = _big_dose(tmp_path)
    sent = threading.Event()
    pdus = []

    def on_pdu_sent(event):
        if isinstance(event.pdu, P_DATA_TF):
            pdus.append(event.pdu)
            sent.set()

    with listening(tmp_path / "store") as (listener, messages), chunked_send():
        host, port = listener.address
        sender = scu([path])
        sender.dimse_timeout = 3  # after its abort the SCU waits this long for a response that cannot come
        assoc = sender.associate(host, port, ae_title="RTREVIEW", evt_handlers=[(evt.EVT_PDU_SENT, on_pdu_sent)])
        assert assoc.is_established
        aborter = threading.Thread(target=lambda: (sent.wait(30), assoc.abort()))
        aborter.start()
        status = assoc.send_c_store(path)
        aborter.join()
        assert assoc.is_aborted and "Status" not in status
        # 38 MB at 1 MiB per PDU would take 37 PDUs; the abort came after the first few.
        assert 1 <= len(pdus) < 30, len(pdus)
        # The listener is still serving: the sample plan goes through on a new association.
        plan = sample_dicom / "RP_LIVER.dcm"
        again = scu([plan]).associate(host, port, ae_title="RTREVIEW")
        assert again.send_c_store(plan).Status == 0x0000
        again.release()
        deadline = time.monotonic() + 10
        while not any("aborted" in text for _, text in messages) and time.monotonic() < deadline:
            time.sleep(0.05)
    store = tmp_path / "store"
    assert not list(store.rglob(f"{uid}*")) and list((store / ".incoming").iterdir()) == []
    assert {p.patient_id for p in read_worklist(store)} == {"RTR-SAMPLE-001"}
    assert any("aborted; nothing partial was kept" in text for _, text in messages)


def test_truncated_and_mismatched_data_sets_get_failure_statuses(sample_dicom, tmp_path):
    src = sample_dicom / "RS_SYNTHETIC.dcm"
    raw = src.read_bytes()
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(raw[: len(raw) * 2 // 3])
    with listening(tmp_path / "store") as (listener, messages), chunked_send():
        host, port = listener.address
        assoc = scu([src]).associate(host, port, ae_title="RTREVIEW")
        status = assoc.send_c_store(truncated)
        assert status.Status == 0xC000 and "malformed" in status.ErrorComment
        assert assoc.send_c_echo().Status == 0x0000  # same association still served
        assert assoc.send_c_store(src).Status == 0x0000
        assoc.release()
    assert any("refused (status 0xC000)" in text for _, text in messages)
    assert len(list((tmp_path / "store").rglob("*.dcm"))) == 1


def test_worklist_survives_a_restart_and_duplicates_are_not_kept_twice(sample_dicom, tmp_path):
    plans = [sample_dicom / "RP_LIVER.dcm", sample_dicom / "RP_L_ILIUM.dcm"]
    store = tmp_path / "store"
    for _ in range(2):  # two listener lifetimes on the same store, the same plans each time
        with listening(store) as (listener, _), chunked_send():
            assoc = scu(plans).associate(*listener.address, ae_title="RTREVIEW")
            assert [assoc.send_c_store(p).Status for p in plans] == [0, 0]
            assoc.release()
        (patient,) = read_worklist(store)
        assert sorted(p.label for p in patient.plans) == ["L ILIUM", "LIVER"]
    assert len(list(store.rglob("*.dcm"))) == 2


def _send_concurrently(host, port, template, uids, associations):
    """Send a copy of the CT file ``template`` under each SOP Instance UID of ``uids``, spread over
    ``associations`` concurrent associations; return every C-STORE status."""
    from io import BytesIO

    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage
    raw = template.read_bytes()
    results: list[int] = []
    lock = threading.Lock()

    def worker(chunk):
        ae = AE("TPS")
        # The senders share this process (and its GIL) with the listener: on a loaded 2-core machine
        # a response can take longer than pynetdicom's 30 s default; a loss would still show.
        ae.dimse_timeout = 300
        ae.maximum_pdu_size = 1 << 20
        ae.add_requested_context(CTImageStorage, "1.2.840.10008.1.2.1")
        assoc = ae.associate(host, port, ae_title="RTREVIEW")
        statuses = []
        for uid in chunk:
            ds = dcmread(BytesIO(raw))
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
            statuses.append(assoc.send_c_store(ds).get("Status", -1))  # -1: no response (timeout, abort)
        assoc.release()
        with lock:
            results.extend(statuses)

    threads = [threading.Thread(target=worker, args=(uids[i::associations],)) for i in range(associations)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("count, associations", [
    pytest.param(120, 4, id="ci"),
    pytest.param(3000, 8, id="load", marks=pytest.mark.slow),
])
def test_concurrent_associations_lose_nothing(sample_dicom, tmp_path, count, associations):
    uids = [generate_uid() for _ in range(count)]
    with listening(tmp_path / "store") as (listener, _):
        statuses = _send_concurrently(*listener.address, sample_dicom / "CT_050.dcm", uids, associations)
    assert statuses == [0] * count
    (patient,) = read_worklist(tmp_path / "store")
    assert patient.counts == {"CT": count}
    assert {p.stem for p in patient.folder.glob("*.dcm")} == set(uids)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a self-signed certificate for the TLS test")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "node.pem", folder / "node.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_tls_association(sample_dicom, tmp_path, certificate):
    cert, key = certificate
    plan = sample_dicom / "RP_LIVER.dcm"
    with listening(tmp_path / "store", tls_cert=cert, tls_key=key) as (listener, messages), chunked_send():
        host, port = listener.address
        client = ssl.create_default_context(cafile=str(cert))
        assoc = scu([plan]).associate(host, port, ae_title="RTREVIEW", tls_args=(client, "localhost"))
        assert assoc.is_established
        assert assoc.send_c_store(plan).Status == 0x0000
        assoc.release()
        plain = scu([plan]).associate(host, port, ae_title="RTREVIEW")  # no TLS: no association
        assert not plain.is_established
    assert any("(TLS)" in text for _, text in messages)
    assert len(list((tmp_path / "store").rglob("*.dcm"))) == 1


def test_settings_refused_before_listening(tmp_path):
    for settings, words in [
        (ListenerSettings(tmp_path, host="0.0.0.0"), "needs an allow-list"),
        (ListenerSettings(tmp_path, ae_title="A" * 17), "1 to 16"),
        (ListenerSettings(tmp_path, allowed_aes=("BAD\\AE",)), "allowed AE title"),
        (ListenerSettings(tmp_path, tls_cert=tmp_path / "c.pem"), "both a certificate"),
    ]:
        with pytest.raises(ListenerError, match=words):
            StoreListener(settings)


def test_port_in_use_is_a_clear_error(tmp_path):
    with listening(tmp_path / "a") as (first, _):
        second = StoreListener(ListenerSettings(tmp_path / "b", port=first.address[1]))
        with pytest.raises(ListenerError, match="cannot listen on 127.0.0.1"):
            second.start()


def test_listen_command(sample_dicom, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "rtreview", "listen", "--port", "0", "--store", str(tmp_path / "s"),
                             "--allow", "TPS"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else line
        port = int(line.rsplit(":", 1)[1])
        plan = sample_dicom / "RP_L_ILIUM.dcm"
        with chunked_send():
            assoc = scu([plan]).associate("127.0.0.1", port, ae_title="RTREVIEW")
            assert assoc.send_c_store(plan).Status == 0
            assoc.release()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "RTPLAN instance" in err and "listener stopped" in err
    assert [p.label for p in read_worklist(tmp_path / "s")[0].plans] == ["L ILIUM"]
    bad = subprocess.run([sys.executable, "-m", "rtreview", "listen", "--host", "0.0.0.0", "--store", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--allow" in bad.stderr
