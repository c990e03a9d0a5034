"""Case-file validation: the schema file drives it; errors name the field path and the line."""
import json

import pytest

from rtreview.core.timeline import CaseFileError, bundled_example_path, load_case, loads_case, validate_text
from rtreview.core.timeline.json_lines import format_path, parse_with_lines

GOOD = """{
  "format": "rtreview-case",
  "format_version": 1,
  "events": [
    {"kind": "diagnosis", "date": "2020-06-07", "disease": "HCC"},
    {
      "kind": "rt_course",
      "site": "Liver",
      "start_date": "2020-06-25",
      "dose_gy": 50,
      "fractions": 25
    }
  ]
}
"""


def _issues(text):
    return validate_text(text)[1]


def test_the_worked_example_is_valid():
    document, issues = validate_text(bundled_example_path().read_text(encoding="utf-8"))
    assert issues == []
    assert document["patient"]["patient_id"] == "RTR-SAMPLE-001"


def test_a_minimal_file_is_valid():
    assert _issues(GOOD) == []
    assert len(loads_case(GOOD).events) == 2


def test_wrong_type_names_field_and_line():
    text = GOOD.replace('"dose_gy": 50', '"dose_gy": "50 Gy"')
    [issue] = _issues(text)
    assert issue.field == "events[1].dose_gy"
    assert issue.line == 10
    assert "expected number" in issue.message


def test_bad_date_names_field_and_line():
    [issue] = _issues(GOOD.replace('"2020-06-25"', '"25/06/2020"'))
    assert (issue.field, issue.line) == ("events[1].start_date", 9)
    [issue] = _issues(GOOD.replace('"2020-06-25"', '"2020-02-30"'))
    assert "not a calendar date" in issue.message


def test_missing_required_field_points_at_its_object():
    [issue] = _issues(GOOD.replace('"fractions": 25', '"fraction_count": 25'))
    assert issue.field == "events[1].fractions"
    assert issue.line == 6  # the line where the course's object opens
    assert "required" in issue.message


def test_unknown_kind_and_enum_values_are_listed():
    [issue] = _issues(GOOD.replace('"kind": "diagnosis"', '"kind": "surgery"'))
    assert issue.field == "events[0].kind" and issue.line == 5
    assert '"rt_course"' in issue.message


def test_unknown_fields_are_allowed():
    assert _issues(GOOD.replace('"site": "Liver",', '"site": "Liver", "beam_energy_mv": 6,')) == []


def test_several_problems_all_reported_in_order():
    text = GOOD.replace('"dose_gy": 50', '"dose_gy": -1').replace('"format_version": 1', '"format_version": 7')
    fields = [i.field for i in _issues(text)]
    assert fields == ["format_version", "events[1].dose_gy"]


def test_not_json_reports_line_and_column(tmp_path):
    path = tmp_path / "broken.case.json"
    path.write_text(GOOD.replace('"site": "Liver",', '"site": "Liver"'), encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    assert "line 9" in str(info.value) and "not valid JSON" in str(info.value)


def test_load_error_message_lists_issues(tmp_path):
    path = tmp_path / "bad.case.json"
    path.write_text(GOOD.replace('"fractions": 25', '"fractions": 0'), encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    assert info.value.issues[0].line == 11
    assert "line 11: events[1].fractions: must be >= 1" in str(info.value)


def test_line_scanner_agrees_with_json_on_awkward_text():
    text = '{"a\\"b": [1, -2.5e3, {"c": "x\\ny", "d": [true, null]}],\n "e":\n\n  {"f": "\\u00e9"}}'
    value, lines = parse_with_lines(text)
    assert value == json.loads(text)
    assert lines[("a\"b", 2, "d", 1)] == 1
    assert lines[("e", "f")] == 4
    assert format_path(("events", 3, "dose_gy")) == "events[3].dose_gy"


def test_nan_and_bom(tmp_path):
    with pytest.raises(CaseFileError, match="NaN is not allowed"):
        loads_case(GOOD.replace('"dose_gy": 50', '"dose_gy": NaN'))
    path = tmp_path / "bom.case.json"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert len(load_case(path).events) == 2


def test_duplicate_ids_are_errors():
    text = GOOD.replace('{"kind": "diagnosis",', '{"id": "a", "kind": "diagnosis",').replace(
        '"kind": "rt_course",', '"id": "a", "kind": "rt_course",')
    [issue] = _issues(text)
    assert issue.field == "events[1].id" and issue.line == 7 and "first at line 5" in issue.message


def test_the_schema_uses_only_keywords_the_validator_implements():
    from rtreview.core.timeline.schema import load_case_schema, unsupported_keywords

    assert unsupported_keywords(load_case_schema()) == []
    assert unsupported_keywords({"properties": {"a": {"type": "string", "minLength": 1}}}) == [
        "#/properties/a/minLength"]
