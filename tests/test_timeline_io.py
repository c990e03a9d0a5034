"""Case-file round trip (unknown fields kept) and atomic save."""
import datetime as dt
import json
import os

import pytest

from rtreview.core.timeline import (CaseFileError, RtCourse, SystemicTherapy, bundled_example_path, dumps_case,
                               find_case_file, load_case, new_case, new_event_id, save_case)
import rtreview.core.timeline.case_file as case_file


def _example_with_extras(tmp_path):
    document = json.loads(bundled_example_path().read_text(encoding="utf-8"))
    document["x_institution"] = {"site": "somewhere", "codes": [1, 2]}
    document["events"][1]["x_beam_energy_mv"] = 6
    document["events"][1]["plan_sop_instance_uid"] = ""
    document["lab_series"][0]["samples"][0]["x_lab_code"] = "A17"
    document["patient"]["x_mrn_hash"] = "abc"
    path = tmp_path / "x.case.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path, document


def test_round_trip_preserves_everything(tmp_path):
    path, document = _example_with_extras(tmp_path)
    case = load_case(path)
    out = tmp_path / "out.case.json"
    save_case(case, out)
    assert json.loads(out.read_text(encoding="utf-8")) == document
    assert '"dose_gy": 50,' in out.read_text(encoding="utf-8")  # the file's spelling kept, not 50.0


def test_edits_overlay_known_fields_and_keep_unknown_ones(tmp_path):
    path, document = _example_with_extras(tmp_path)
    case = load_case(path)
    course = case.event_by_id("rt-liver")
    course.end_date = dt.date(2020, 7, 29)
    case.events.remove(case.event_by_id("mri-9m"))
    case.events.append(SystemicTherapy(id=new_event_id(), drug="sorafenib", start_date=dt.date(2024, 1, 2),
                                       end_date=dt.date(2024, 2, 1), source="test"))
    save_case(case, path)
    again = json.loads(path.read_text(encoding="utf-8"))
    liver = next(e for e in again["events"] if e.get("id") == "rt-liver")
    assert liver["end_date"] == "2020-07-29" and liver["x_beam_energy_mv"] == 6
    assert not any(e.get("id") == "mri-9m" for e in again["events"])
    new = again["events"][-1]
    assert new["drug"] == "sorafenib" and new["kind"] == "systemic_therapy" and "ongoing" not in new
    assert again["x_institution"] == document["x_institution"]
    assert load_case(path).event_by_id(new["id"]).end_date == dt.date(2024, 2, 1)


def test_events_without_ids_get_ids_that_are_not_written(tmp_path):
    path = tmp_path / "a.case.json"
    path.write_text('{"format": "rtreview-case", "format_version": 1, "events": ['
                    '{"kind": "note", "date": "2021-01-01", "title": "x"}]}', encoding="utf-8")
    case = load_case(path)
    assert case.events[0].id == "note-1" and case.events[0].title == "x"
    assert "id" not in json.loads(dumps_case(case))["events"][0]
    path.write_text('{"format": "rtreview-case", "format_version": 1, "events": ['
                    '{"kind": "note", "date": "2021-01-01"}, {"id": "note-1", "kind": "note", "date": "2021-01-02"}]}',
                    encoding="utf-8")
    ids = [e.id for e in load_case(path).events]
    assert len(set(ids)) == 2 and ids[1] == "note-1"


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "c.case.json"
    save_case(load_case(bundled_example_path()), path)
    before = path.read_bytes()
    case = load_case(path)
    case.title = "changed"

    def boom(src, dst):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(case_file.os, "replace", boom)
    with pytest.raises(OSError, match="injected"):
        save_case(case, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.case.json"]  # no temporary file left behind


def test_failure_while_writing_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "c.case.json"
    save_case(load_case(bundled_example_path()), path)
    before = path.read_bytes()
    monkeypatch.setattr(case_file.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("fsync failed")))
    with pytest.raises(OSError):
        save_case(load_case(path), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["c.case.json"]


def test_an_invalid_model_is_not_saved(tmp_path):
    case = new_case("P1")
    case.events.append(RtCourse(id="r", site="x", start_date=dt.date(2020, 1, 1), dose_gy=20.0, fractions=0))
    with pytest.raises(CaseFileError, match="fractions"):
        save_case(case, tmp_path / "n.case.json")
    assert not (tmp_path / "n.case.json").exists()


def test_case_file_discovery(tmp_path):
    dicom = tmp_path / "dicom"
    dicom.mkdir()
    assert find_case_file([dicom]) is None
    (dicom / "case.json").write_text("{}", encoding="utf-8")
    assert find_case_file([dicom / "RP.dcm"]) == dicom / "case.json"
    (dicom / "b.case.json").write_text('{"patient": {"patient_id": "B"}}', encoding="utf-8")
    (dicom / "a.case.json").write_text('{"patient": {"patient_id": "A"}}', encoding="utf-8")
    assert find_case_file([dicom]) == dicom / "a.case.json"
    assert find_case_file([dicom], patient_id="B") == dicom / "b.case.json"
    empty = tmp_path / "other"
    empty.mkdir()
    assert find_case_file([empty], patient_id="RTR-SAMPLE-001") == bundled_example_path()
