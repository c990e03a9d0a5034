"""The receive store without a network: completeness check, refusals, duplicates, folder names, index."""
from __future__ import annotations

import io
import zlib

import pytest
from pydicom import dcmread
from pydicom.dataset import FileMetaDataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

from node_support import dataset_bytes
from rtreview.core.node.integrity import IncompleteDataset, check_complete
from rtreview.core.node.store import (CANNOT_UNDERSTAND, DOES_NOT_MATCH_SOP_CLASS, DicomStore, StoreRefused,
                                      patient_folder_name)
from rtreview.core.node.worklist import read_worklist


def _meta(path):
    meta = dcmread(path, stop_before_pixels=True).file_meta
    out = FileMetaDataset()
    for kw in ("MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID", "TransferSyntaxUID"):
        setattr(out, kw, getattr(meta, kw))
    out.ImplementationClassUID = "1.2.3.4"
    return out


def _receive(store, path, encoded=None, **kw):
    meta = _meta(path)
    return store.receive(meta, dataset_bytes(path) if encoded is None else encoded,
                         sop_class_uid=kw.get("sop_class", meta.MediaStorageSOPClassUID),
                         sop_instance_uid=kw.get("sop_instance", meta.MediaStorageSOPInstanceUID), calling_ae="TPS")


def test_every_sample_and_reference_file_is_complete(sample_dicom, reference_dicom):
    files = sorted(sample_dicom.glob("*.dcm")) + sorted(reference_dicom.rglob("*.dcm"))
    checked = 0
    for path in files:
        try:
            meta = dcmread(path, stop_before_pixels=True).file_meta
            syntax = meta.TransferSyntaxUID
        except Exception:
            continue  # the pydicom test set holds deliberately broken files
        body = dataset_bytes(path)
        if syntax.is_deflated:
            body = zlib.decompress(body, -zlib.MAX_WBITS)
        check_complete(body, implicit_vr=syntax.is_implicit_VR, little_endian=syntax.is_little_endian)
        checked += 1
    assert checked >= len(files) - 1  # one pydicom test file has no DICOM header at all


@pytest.mark.parametrize("name", ["RS_SYNTHETIC.dcm", "RP_LIVER.dcm", "CT_050.dcm", "RD_LIVER.dcm"])
def test_cuts_inside_elements_and_sequences_are_refused(sample_dicom, name):
    body = dataset_bytes(sample_dicom / name)
    # Every cut that does not fall on a top-level element boundary is detected; sample 400 cuts.
    step = max(1, len(body) // 400)
    boundaries = _top_level_boundaries(body)
    for cut in range(1, len(body), step):
        if cut in boundaries:
            continue
        with pytest.raises(IncompleteDataset):
            check_complete(body[:cut], implicit_vr=False, little_endian=True)


def _top_level_boundaries(body: bytes) -> set[int]:
    """Where each top-level element starts (explicit VR little endian), read with pydicom."""
    from pydicom.filereader import data_element_generator
    from rtreview.core.node.integrity import LONG_VRS
    starts = set()
    for raw in data_element_generator(io.BytesIO(body), False, True):
        starts.add(raw.value_tell - (12 if raw.VR.encode() in LONG_VRS else 8))
    return starts


def test_sample_file_stored_byte_equal_and_indexed(sample_dicom, tmp_path):
    store = DicomStore(tmp_path)
    stored = _receive(store, sample_dicom / "RP_LIVER.dcm")
    assert not stored.duplicate
    assert dataset_bytes(stored.path) == dataset_bytes(sample_dicom / "RP_LIVER.dcm")
    assert stored.path.parent.name == "RTR-SAMPLE-001" and stored.path.name == stored.record.sop_instance_uid + ".dcm"
    assert stored.record.label == "LIVER" and stored.record.modality == "RTPLAN"
    again = _receive(store, sample_dicom / "RP_LIVER.dcm")
    assert again.duplicate and again.path == stored.path
    rows = store.index.instances()
    assert len(rows) == 1 and rows[0].copies == 2
    assert list((tmp_path / ".incoming").iterdir()) == []
    (patient,) = read_worklist(tmp_path)
    assert patient.patient_id == "RTR-SAMPLE-001" and [p.label for p in patient.plans] == ["LIVER"]
    assert patient.counts == {"RTPLAN": 1}


def test_truncated_and_undecodable_refused_without_a_file(sample_dicom, tmp_path):
    store = DicomStore(tmp_path)
    body = dataset_bytes(sample_dicom / "RS_SYNTHETIC.dcm")
    for encoded in (body[: len(body) // 2], body[:-3], body + b"\x08\x00"):
        with pytest.raises(StoreRefused) as info:
            _receive(store, sample_dicom / "RS_SYNTHETIC.dcm", encoded)
        assert info.value.status == CANNOT_UNDERSTAND and "malformed" in info.value.reason
    assert [p for p in tmp_path.rglob("*.dcm")] == [] and store.index.instances() == []


def test_identity_mismatch_and_missing_pixels_refused(sample_dicom, tmp_path):
    store = DicomStore(tmp_path)
    with pytest.raises(StoreRefused) as info:
        _receive(store, sample_dicom / "RP_LIVER.dcm", sop_instance="1.2.3.4.5")
    assert info.value.status == DOES_NOT_MATCH_SOP_CLASS
    with pytest.raises(StoreRefused) as info:
        _receive(store, sample_dicom / "RP_LIVER.dcm", sop_instance="../../etc/passwd")
    assert info.value.status == CANNOT_UNDERSTAND and "invalid SOP Instance UID" in info.value.reason
    ct = dcmread(sample_dicom / "CT_001.dcm")
    del ct.PixelData
    path = tmp_path / "ct_no_pixels.dcm"
    ct.save_as(path, enforce_file_format=True)
    with pytest.raises(StoreRefused) as info:
        _receive(store, path)
    assert info.value.status == DOES_NOT_MATCH_SOP_CLASS and "pixel" in info.value.reason
    assert store.index.instances() == []


def test_deflated_data_set_checked_after_inflating(sample_dicom, tmp_path):
    ds = dcmread(sample_dicom / "RP_L_ILIUM.dcm")
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    src = tmp_path / "deflated.dcm"
    ds.save_as(src, enforce_file_format=True)
    store = DicomStore(tmp_path / "store")
    stored = _receive(store, src)
    assert dataset_bytes(stored.path) == dataset_bytes(src)
    assert dcmread(stored.path).RTPlanLabel == "L ILIUM"
    with pytest.raises(StoreRefused):
        _receive(store, src, dataset_bytes(src)[:-40])


@pytest.mark.parametrize("pid, expected", [("RTR-SAMPLE-001", "RTR-SAMPLE-001"), ("", "no_patient_id-"),
                                           ("../x", "_x-"), ("a/b", "a_b-"), ("王 伟", "___-")])
def test_patient_folder_names_are_safe_and_distinct(pid, expected):
    name = patient_folder_name(pid)
    assert name.startswith(expected) and "/" not in name and not name.startswith(".")
    if pid != expected:
        assert len(name) == len(expected) + 8
    assert patient_folder_name("a/b") != patient_folder_name("a_b")


def test_meta_transfer_syntax_must_be_known(sample_dicom, tmp_path):
    store = DicomStore(tmp_path)
    meta = _meta(sample_dicom / "RP_LIVER.dcm")
    meta.TransferSyntaxUID = "1.2.3"
    with pytest.raises(StoreRefused):
        store.receive(meta, dataset_bytes(sample_dicom / "RP_LIVER.dcm"), sop_class_uid=meta.MediaStorageSOPClassUID,
                      sop_instance_uid=meta.MediaStorageSOPInstanceUID, calling_ae="TPS")
    assert ExplicitVRLittleEndian  # the sample's syntax, for the reader of this test


def test_a_killed_listeners_temporary_files_are_removed_when_old(sample_dicom, tmp_path):
    """Writes go through core.atomic with the temporary file in .incoming; one left by a killed
    listener (hours old) is removed when the store opens, a fresh one (a live writer's) is kept."""
    import os
    import time

    DicomStore(tmp_path)
    incoming = tmp_path / ".incoming"
    old, fresh, legacy = incoming / ".X.dcm.abc.tmp", incoming / ".Y.dcm.def.tmp", incoming / "Z.123.part"
    for p in (old, fresh, legacy):
        p.write_bytes(b"half")
    hours_ago = time.time() - 7200
    for p in (old, legacy):
        os.utime(p, (hours_ago, hours_ago))
    store = DicomStore(tmp_path)
    assert sorted(p.name for p in incoming.iterdir()) == [fresh.name]
    stored = _receive(store, sample_dicom / "RP_LIVER.dcm")
    assert stored.path.read_bytes()[128:132] == b"DICM" and sorted(p.name for p in incoming.iterdir()) == [fresh.name]
