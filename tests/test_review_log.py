"""The review log: sign-offs appended to the case file, earlier entries never rewritten (byte for
byte), tampering detected, a timeline save keeps entries written meanwhile, and plan files changed
after a sign-off detected on load (a real file modified in tmp_path)."""
import json
import shutil

import pydicom
import pytest

from rtreview.core.dicom.loader import load
from rtreview.core.review import DECISIONS, ReviewLogError, SignOff, entries, verify_log
from rtreview.core.review.case_log import append_sign_offs, read_log
from rtreview.core.review.files import check_loaded, sha256_of, sign_off_for
from rtreview.core.review.log import ReviewedFile, entry_hash
from rtreview.core.timeline import load_case, save_case
from rtreview.core.timeline.case_file import CaseFileError, bundled_example_path


def _sign(path, who="Dr Ada Example", decision="approved", comment="", **kw):
    so = SignOff(who, kw.pop("role", "radiation oncologist"), decision, comment, kw.pop("label", "LIVER"),
                 kw.pop("uid", "1.2.826.0.1.3680043.8.498.1"),
                 [ReviewedFile("dose", "1.2.3.4", "RD.dcm", "a" * 64)], **kw)
    return append_sign_offs(path, [so])


def _entry_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each object in the file's review_log array (a small JSON scanner)."""
    start = text.index('"review_log": [') + len('"review_log": [')
    spans, depth, in_str, esc, begin = [], 0, False, False, None
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            esc = not esc and ch == "\\"
            if ch == '"' and not esc:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
            begin = i if depth == 1 else begin
        elif ch == "}":
            depth -= 1
            if depth == 0:
                spans.append((begin, i + 1))
        elif ch == "]" and depth == 0:
            break
    return spans


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "patient.case.json"
    shutil.copy(bundled_example_path(), path)
    return path


def test_a_later_sign_off_leaves_the_earlier_entries_byte_identical(case_file):
    _sign(case_file, comment="")
    first = case_file.read_text(encoding="utf-8")
    (s1, e1), = _entry_spans(first)
    _sign(case_file, "李医生", "changes_requested", "PTV coverage: re-optimise", role="medical physicist")
    _sign(case_file, "Dr C", "approved_with_comments", "ok; watch the bowel")
    third = case_file.read_text(encoding="utf-8")
    spans = _entry_spans(third)
    assert len(spans) == 3
    assert third[:e1] == first[:e1]  # everything up to and including entry 1, byte for byte
    assert third.encode("utf-8")[:len(first[:e1].encode("utf-8"))] == first[:e1].encode("utf-8")
    log = read_log(case_file)
    assert verify_log(log) == []
    assert [e.reviewer for e in entries(log)] == ["Dr Ada Example", "李医生", "Dr C"]
    assert log[1]["previous_sha256"] == log[0]["entry_sha256"] == entry_hash(log[0])
    assert entries(log)[1].decision_text == DECISIONS["changes_requested"]
    load_case(case_file)  # still a valid case file (schema incl. review_log)


def test_tampering_with_an_earlier_entry_is_detected(case_file):
    _sign(case_file, decision="changes_requested", comment="re-plan")
    _sign(case_file, "Dr B")
    document = json.loads(case_file.read_text(encoding="utf-8"))
    edited = json.loads(json.dumps(document))
    edited["review_log"][0]["decision"] = "approved"  # someone rewrites history
    problems = verify_log(edited["review_log"])
    assert [p.index for p in problems] == [0] and "changed after it was written" in str(problems[0])
    edited["review_log"][0]["entry_sha256"] = entry_hash(edited["review_log"][0])  # ... and its hash
    problems = verify_log(edited["review_log"])
    assert [p.index for p in problems] == [1] and "chain" in str(problems[0])
    removed = document["review_log"][1:]
    assert [p.index for p in verify_log(removed)] == [0]
    swapped = document["review_log"][::-1]
    assert verify_log(swapped)
    # a sign-off on a tampered file is still appended, and the problem is reported, not hidden
    case_file.write_text(json.dumps(edited, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _added, before = _sign(case_file, "Dr D")
    assert [p.index for p in before] == [1]
    assert [p.index for p in verify_log(read_log(case_file))] == [1]


def test_sign_off_needs_a_name_a_known_decision_and_a_comment_when_not_plainly_approved(case_file):
    with pytest.raises(ReviewLogError, match="name"):
        _sign(case_file, "  ")
    with pytest.raises(ReviewLogError, match="not one of"):
        _sign(case_file, decision="fine")
    with pytest.raises(ReviewLogError, match="comment"):
        _sign(case_file, decision="changes_requested", comment="")
    assert read_log(case_file) == []  # nothing written by a refused sign-off
    with pytest.raises(CaseFileError, match="no such file"):
        _sign(case_file.parent / "missing.case.json")
    added, _ = append_sign_offs(case_file.parent / "new.case.json",
                                [SignOff("Dr A", "", "approved", "", "P", "1.2")], create_patient_id="PID-9")
    created = load_case(case_file.parent / "new.case.json")
    assert created.patient.patient_id == "PID-9" and created.raw["review_log"] == added


def test_saving_the_timeline_keeps_a_sign_off_written_meanwhile(case_file):
    case = load_case(case_file)  # the window opened the case file
    _sign(case_file, "Dr CLI")  # meanwhile, the command line signs
    case.title = "edited in the window"
    save_case(case, case_file)
    log = read_log(case_file)
    assert [e["reviewer"] for e in log] == ["Dr CLI"] and verify_log(log) == []
    assert load_case(case_file).title == "edited in the window"
    case.raw["review_log"] = []  # a stale copy that lost the entry cannot drop it either
    save_case(case, case_file)
    assert [e["reviewer"] for e in read_log(case_file)] == ["Dr CLI"]


def test_plan_files_changed_after_the_sign_off_are_detected_on_load(tmp_path, sample_dicom):
    data = tmp_path / "dicom"
    shutil.copytree(sample_dicom, data)
    case = load([str(data)])
    link = next(lk for lk in case.links if lk.label == "LIVER")
    so = sign_off_for(link, "Dr A", "radiation oncologist", "approved")
    kinds = {f.kind: f for f in so.files}
    assert set(kinds) == {"plan", "dose", "structure_set"}
    assert kinds["dose"].sha256 == sha256_of(link.dose.path) and len(kinds["dose"].sha256) == 64
    assert so.plan_sop_instance_uid == link.plan.sop_instance_uid
    case_file = tmp_path / "p.case.json"
    append_sign_offs(case_file, [so], create_patient_id=case.patients[0].patient_id)
    signed = entries(read_log(case_file))
    assert check_loaded(signed, load([str(data)]).links) == []  # nothing changed yet
    ds = pydicom.dcmread(link.dose.path)  # the dose is re-exported: same UID, other bytes
    ds.ContentTime = "235959"
    ds.save_as(link.dose.path)
    found = check_loaded(signed, load([str(data)]).links)
    assert len(found) == 1 and [c.kind for c in found[0].changes] == ["dose"]
    text = str(found[0])
    assert text.startswith("reviewed files changed since the sign-off of LIVER by Dr A (radiation oncologist)")
    assert "RD_LIVER.dcm" in text or "RT Dose" in text
