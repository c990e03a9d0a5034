"""Anonymised export: no identifier left in any element of any file (sequences and File Meta
included), references still link (identical DVHs), dates, the case timeline, the key file, real
planning-system exports, the command line."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from conftest import REPO
from rtreview.cli.main import main
from rtreview.core.anonymize.export import ExportError, anonymize_paths
from rtreview.core.timeline.case_file import load_case

CASE = REPO / "resources" / "cases" / "hcc_lenalidomide.case.json"
TEXT_VRS = {"PN", "LO", "SH", "LT", "ST", "UT", "UC", "DA", "DT", "TM", "AS", "UI", "CS", "AE"}


def _elements(ds: Dataset):
    """Every element of a data set, sequence items included, and of its File Meta."""
    yield from ds.iterall()
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        yield from meta.iterall()


def _values(elem) -> list[str]:
    if elem.VR not in TEXT_VRS:  # numbers, pixel and contour data cannot hold names, IDs or dates
        return []
    value = elem.value
    if value is None:
        return []
    if isinstance(value, (bytes, bytearray)):
        return []
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [str(v) for v in value]
    return [str(value)]


def _identifiers(files) -> dict[str, set[str]]:
    """What must not survive, read from the inputs: names, IDs, dates, UIDs (except the standard's),
    institution and people, descriptions and labels."""
    found: dict[str, set[str]] = {"text": set(), "date": set(), "uid": set()}
    for path in files:
        ds = dcmread(path)
        for elem in _elements(ds):
            if elem.tag.is_private:
                continue
            for v in _values(elem):
                v = v.strip()
                if not v:
                    continue
                if elem.VR == "UI" and not v.startswith("1.2.840.10008.") and elem.keyword != "ImplementationClassUID":
                    found["uid"].add(v)
                elif elem.VR in ("DA", "DT") and elem.keyword != "PatientBirthDate" or elem.keyword == "PatientBirthDate":
                    found["date"].add(v[:8])
                elif elem.VR == "PN" or elem.keyword in (
                        "PatientID", "InstitutionName", "InstitutionalDepartmentName", "StationName", "StudyID",
                        "DeviceSerialNumber", "RTPlanName", "StructureSetName",
                        "StudyDescription", "SeriesDescription", "AccessionNumber", "OtherPatientIDs") and len(v) >= 4:
                    found["text"].add(v)  # shorter values ('1', 'RT') are not identifying and occur anywhere
    return found


def _check_nothing_left(outputs, identifiers, *, dates_allowed: bool):
    assert outputs
    for path in outputs:
        ds = dcmread(path)
        raw = Path(path).read_bytes()
        numeric = {t for t in identifiers["text"] if t.replace(".", "").isdigit()}
        for text in identifiers["text"] - numeric:  # anywhere in the file's bytes
            assert text.encode() not in raw, (path, text)
        for elem in _elements(ds):
            assert not elem.tag.is_private, (path, elem)
            assert elem.tag.group not in (0x0032, 0x0038, 0x0040) and not 0x6000 <= elem.tag.group <= 0x60FF
            if elem.VR == "PN" and str(elem.value or ""):  # type-2 names stay present, empty
                assert elem.keyword == "PatientName" and str(elem.value).startswith("ANON-"), (path, elem)
            assert elem.VR not in ("LT", "ST", "UT", "UC", "AS"), (path, elem)
            if elem.keyword in ("RTPlanLabel", "StructureSetLabel"):  # D: numbered dummies (ROI names stay)
                assert str(elem.value)[:-1] in ("PLAN", "SS") and str(elem.value)[-1].isdigit(), (path, elem)
            for v in _values(elem):
                v = v.strip()
                assert v not in identifiers["text"] or v == "", (path, elem)
                if elem.VR != "UI":  # numeric IDs (e.g. '123456') can occur by chance inside new UIDs
                    assert not any(n in v for n in numeric), (path, elem)
                if elem.VR == "UI":
                    assert v not in identifiers["uid"], (path, elem)
                if elem.VR in ("DA", "DT") and v:
                    assert dates_allowed or (v == "19000101"), (path, elem)
                    assert v[:8] not in identifiers["date"], (path, elem)


def _dvh_json(capsys, folder):
    assert main(["dvh", str(folder), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["doses"]


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory, sample_dicom):
    out = tmp_path_factory.mktemp("anon")
    result = anonymize_paths([sample_dicom, CASE], out / "export", key_path=out / "key.json")
    return result, out


def test_no_identifier_left_in_any_element_of_the_sample(sample_export, sample_dicom):
    result, _ = sample_export
    inputs = sorted(sample_dicom.glob("*.dcm"))
    assert len(result.written) == len(inputs) and len(result.cases) == 1
    identifiers = _identifiers(inputs)
    assert "SYNTHETIC^SAMPLE" in identifiers["text"] and "RTR-SAMPLE-001" in identifiers["text"]
    assert "19660301" in identifiers["date"] and len(identifiers["uid"]) > 120
    _check_nothing_left(result.written, identifiers, dates_allowed=False)
    for path in result.written:
        ds = dcmread(path)
        assert ds.PatientIdentityRemoved == "YES" and ds.LongitudinalTemporalInformationModified == "REMOVED"
        assert [c.CodeValue for c in ds.DeidentificationMethodCodeSequence] == ["113100"]
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert path.name == f"{ds.Modality}.{ds.SOPInstanceUID}.dcm"


def test_anonymised_sample_has_identical_dvhs(sample_export, sample_dicom, capsys):
    result, out = sample_export
    key = json.loads((out / "key.json").read_text())
    labels = key["labels"]["RTPlanLabel"]
    before = {d["plan_label"]: d for d in _dvh_json(capsys, sample_dicom)}
    after = {d["plan_label"]: d for d in _dvh_json(capsys, out / "export")}
    assert sorted(after) == sorted(labels[label] for label in before) == ["PLAN1", "PLAN2"]
    for label, dose in before.items():
        twin = after[labels[label]]
        assert (twin["fractions"], twin["prescription_gy"]) == (dose["fractions"], dose["prescription_gy"])
        assert twin["structures"] == dose["structures"]  # every value and curve, exactly
        assert len(dose["structures"]) == 18


def test_key_file_maps_old_to_new(sample_export, sample_dicom):
    result, out = sample_export
    key = json.loads((out / "key.json").read_text())
    (patient,) = key["patients"]
    assert patient["patient_id"] == "RTR-SAMPLE-001" and patient["patient_name"] == "SYNTHETIC^SAMPLE"
    plan = dcmread(sample_dicom / "RP_LIVER.dcm")
    twin = dcmread(next(p for p in result.written if p.name.startswith("RTPLAN")
                        and dcmread(p).RTPlanLabel == key["labels"]["RTPlanLabel"]["LIVER"]))
    assert key["uids"][plan.SOPInstanceUID] == twin.SOPInstanceUID
    assert key["uids"][plan.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID] == \
        twin.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID
    assert key["date_offset_days"] % 7 == 0 and -3650 <= key["date_offset_days"] <= -365
    assert result.key_path == out / "key.json"


def test_case_timeline_shifted_by_the_same_offset_without_free_text(tmp_path, sample_dicom):
    result = anonymize_paths([sample_dicom], tmp_path / "x", key_path=tmp_path / "key.json", case_paths=[CASE],
                             retain_dates=True)
    offset = result.date_offset_days
    original = json.loads(CASE.read_text())
    (case_path,) = result.cases
    text = case_path.read_text()
    document = json.loads(text)
    for word in ("RTR-SAMPLE-001", "case report", "illustrative:", "Large mass", "fonc", "pr-2020-09",
                 "age_at_diagnosis_years", '"sex"', '"notes"', '"source"', '"title": "HCC'):
        assert word not in text, word
    moved = {e["id"]: e for e in document["events"]}
    for event, twin in zip(original["events"], document["events"]):
        for k in ("date", "start_date", "end_date"):
            if event.get(k):
                assert twin[k] == (date.fromisoformat(event[k]) + timedelta(days=offset)).isoformat()
    case = load_case(case_path)  # still a valid case file
    plans = {dcmread(p).RTPlanLabel: dcmread(p) for p in result.written if p.name.startswith("RTPLAN")}
    courses = [e for e in moved.values() if e["kind"] == "rt_course"]
    assert sorted(c["plan_label"] for c in courses) == sorted(plans) == ["PLAN1", "PLAN2"]
    # The plan dates moved by the same offset: the timeline's course still starts after its plan.
    original_plan = dcmread(sample_dicom / "RP_LIVER.dcm")
    key = json.loads((tmp_path / "key.json").read_text())
    twin = plans[key["labels"]["RTPlanLabel"]["LIVER"]]
    assert twin.RTPlanDate == (date(2020, 6, 24) + timedelta(days=offset)).strftime("%Y%m%d")
    assert original_plan.RTPlanDate == "20200624"
    assert twin.LongitudinalTemporalInformationModified == "MODIFIED"
    assert [c.CodeValue for c in twin.DeidentificationMethodCodeSequence] == ["113100", "113107"]
    assert case.events and case.patient.patient_id == twin.PatientID
    identifiers = _identifiers(sorted(sample_dicom.glob("*.dcm")))
    _check_nothing_left(result.written, identifiers, dates_allowed=True)


def test_no_key_file_unless_asked_and_never_inside_the_export(tmp_path, sample_dicom):
    plan = sample_dicom / "RP_LIVER.dcm"
    result = anonymize_paths([plan], tmp_path / "a")
    assert result.key_path is None
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [result.written[0].name]
    with pytest.raises(ExportError, match="must not be inside"):
        anonymize_paths([plan], tmp_path / "b", key_path=tmp_path / "b" / "key.json")
    with pytest.raises(ExportError, match="not empty"):
        anonymize_paths([plan], tmp_path / "a")
    assert not (tmp_path / "b").exists()


def _registration(ct: Dataset) -> Dataset:
    """A minimal Spatial Registration: identity from the CT's frame to a second frame."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.66.1"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Modality = "REG"
    ds.PatientID, ds.PatientName = ct.PatientID, ct.PatientName
    ds.StudyInstanceUID, ds.SeriesInstanceUID = ct.StudyInstanceUID, generate_uid()
    ds.FrameOfReferenceUID = ct.FrameOfReferenceUID
    ds.ContentDate, ds.ContentTime = "20200620", "101010"
    items = []
    for frame in (ct.FrameOfReferenceUID, generate_uid()):
        item = Dataset()
        item.FrameOfReferenceUID = frame
        ref = Dataset()
        ref.ReferencedSOPClassUID = ct.SOPClassUID
        ref.ReferencedSOPInstanceUID = ct.SOPInstanceUID
        item.ReferencedImageSequence = Sequence([ref])
        matrix = Dataset()
        matrix.FrameOfReferenceTransformationMatrix = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        matrix.FrameOfReferenceTransformationMatrixType = "RIGID"
        item.MatrixRegistrationSequence = Sequence([Dataset()])
        item.MatrixRegistrationSequence[0].MatrixSequence = Sequence([matrix])
        items.append(item)
    ds.RegistrationSequence = Sequence(items)
    return ds


def test_registration_references_link_after_export(tmp_path, sample_dicom):
    ct = dcmread(sample_dicom / "CT_001.dcm")
    reg = _registration(ct)
    reg.save_as(tmp_path / "reg.dcm", enforce_file_format=True)
    result = anonymize_paths([sample_dicom / "CT_001.dcm", tmp_path / "reg.dcm"], tmp_path / "out")
    out = {dcmread(p).Modality: dcmread(p) for p in result.written}
    new_ct, new_reg = out["CT"], out["REG"]
    assert new_reg.FrameOfReferenceUID == new_ct.FrameOfReferenceUID != ct.FrameOfReferenceUID
    first, second = new_reg.RegistrationSequence
    assert first.FrameOfReferenceUID == new_ct.FrameOfReferenceUID
    assert second.FrameOfReferenceUID not in (reg.RegistrationSequence[1].FrameOfReferenceUID, new_ct.FrameOfReferenceUID)
    assert first.ReferencedImageSequence[0].ReferencedSOPInstanceUID == new_ct.SOPInstanceUID
    assert first.ReferencedImageSequence[0].ReferencedSOPClassUID == ct.SOPClassUID  # standard UIDs stay
    assert new_reg.StudyInstanceUID == new_ct.StudyInstanceUID
    # Content Date/Time are type 1 in Spatial Registration: a dummy, not an empty value.
    assert (new_reg.ContentDate, new_reg.ContentTime) == ("19000101", "000000")


def test_declared_burned_in_annotation_is_not_exported(tmp_path, sample_dicom):
    ct = dcmread(sample_dicom / "CT_001.dcm")
    ct.BurnedInAnnotation = "YES"
    ct.save_as(tmp_path / "ct.dcm", enforce_file_format=True)
    result = anonymize_paths([tmp_path / "ct.dcm"], tmp_path / "out")
    assert result.written == [] and "burned-in" in result.skipped[0][1]


@pytest.mark.parametrize("name", ["dicompyler-core-example", "pinnacle-hn-anon99185", "raystation-brain-srs"])
def test_real_exports_leave_no_identifier(reference_dicom, tmp_path, name):
    folder = reference_dicom / name
    inputs = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".dcm", "")]
    result = anonymize_paths([folder], tmp_path / "out")
    assert len(result.written) >= 3
    identifiers = _identifiers([p for p in inputs if p.stat().st_size > 132 and _is_dicom(p)])
    _check_nothing_left(result.written, identifiers, dates_allowed=False)


def _is_dicom(path: Path) -> bool:
    try:
        dcmread(path, stop_before_pixels=True)
        return True
    except Exception:
        return False


def test_real_plan_keeps_its_dvhs(reference_dicom, tmp_path, capsys):
    folder = reference_dicom / "dicompyler-core-example"
    anonymize_paths([folder], tmp_path / "out")
    (before,) = _dvh_json(capsys, folder)
    (after,) = _dvh_json(capsys, tmp_path / "out")
    assert after["structures"] == before["structures"] and after["prescription_gy"] == before["prescription_gy"]


def test_command_line(tmp_path, sample_dicom, capsys):
    out = tmp_path / "out"
    status = main(["anonymize", str(sample_dicom / "RP_LIVER.dcm"), str(sample_dicom / "RS_SYNTHETIC.dcm"),
                   "-o", str(out), "--key", str(tmp_path / "key.json"), "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert status == 0 and len(report["written"]) == 2 and report["key"] == str(tmp_path / "key.json")
    assert set(report) == {"written", "cases", "skipped", "key", "date_offset_days"}
    assert "2 DICOM file(s)" in captured.err
    assert main(["anonymize", str(sample_dicom / "RP_LIVER.dcm"), "-o", str(out)]) == 2  # not empty
    assert "not empty" in capsys.readouterr().err
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    assert main(["anonymize", str(junk), "-o", str(tmp_path / "none")]) == 1
