"""`rtreview dvh` JSON writing: compact by default (one object, no spaces between tokens),
`--indent N` pretty-prints the same object, bad --indent is a usage error, and nothing is
written when the computation fails half-way."""
from __future__ import annotations

import io
import json

import pytest

from conftest import SAMPLE_DICOM
from rtreview.cli import dvh as cli_dvh
from rtreview.cli.main import main


def _run(capsys, *args):
    status = main(["dvh", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_compact_by_default_and_indent_gives_the_same_object(capsys):
    rs, rd = SAMPLE_DICOM / "RS_SYNTHETIC.dcm", SAMPLE_DICOM / "RD_L_ILIUM.dcm"
    status, compact, _ = _run(capsys, str(rs), str(rd))
    assert status == 0
    assert compact.count("\n") == 1 and compact.endswith("}\n")
    parsed = json.loads(compact)
    assert compact == json.dumps(parsed, separators=(",", ":")) + "\n"  # no whitespace anywhere
    assert [s["name"] for s in parsed["doses"][0]["structures"]][:3] == ["BODY", "LIVER", "GTV_LIVER"]
    status, pretty, _ = _run(capsys, str(rs), str(rd), "--indent", "2")
    assert status == 0
    assert pretty.startswith('{\n  "doses": [\n    {\n      "sop_instance_uid": ')
    assert json.loads(pretty) == parsed


@pytest.mark.parametrize("value", ["-1", "17"])
def test_indent_out_of_range_is_a_usage_error(capsys, value):
    status, out, err = _run(capsys, str(SAMPLE_DICOM), "--indent", value)
    assert status == 2 and out == "" and f"--indent must be 0..16, not {value}" in err


def test_indent_not_a_number_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["dvh", str(SAMPLE_DICOM), "--indent", "x"])
    assert exit_info.value.code == 2 and "--indent" in capsys.readouterr().err


def test_write_json_writes_nothing_when_an_entry_fails():
    def entries():
        yield {"structures": [{"name": "A"}], "skipped": []}
        raise RuntimeError("broken dose")

    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        cli_dvh.write_json(entries(), stream)
    assert stream.getvalue() == ""
    assert cli_dvh.write_json(iter([{"structures": [1, 2]}, {"structures": []}]), stream) == 2
    assert stream.getvalue() == '{"doses":[{"structures":[1,2]},{"structures":[]}]}\n'
