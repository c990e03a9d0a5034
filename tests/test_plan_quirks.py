"""Plan-level quirks of real exports (issue 13), each on a copy of a real file modified in
tmp_path: missing or empty FractionGroupSequence, NumberOfFractionsPlanned written as text,
missing RTPlanDate, an RT Dose without a plan reference. Loaded, listed, DVH'd and checked
without a traceback, with the unknowns said."""
from __future__ import annotations

import json

import pytest
from pydicom.dataelem import RawDataElement
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import generate_uid

from rtreview.cli.main import main
from rtreview.core.dicom.loader import load
from rx_support import PINNACLE, RAYSTATION, copy_set, edit

FRACTIONS_TAG = Tag(0x300A0078)
BRAIN_PROTOCOL = {
    "format": "rtreview-protocol", "format_version": 1, "name": "Brain test", "fractionation":
    {"prescription_gy": 30, "fractions": 5}, "structures": [
        {"name": "PTV", "aliases": ["PTV_ALL"], "alpha_beta_gy": 10, "target": True, "constraints": [
            {"metric": "D95%", "comparator": ">=", "limit": 95, "unit": "%Rx", "level": "mandatory", "source": "test"}]},
        {"name": "Brainstem", "aliases": ["BRAIN STEM"], "alpha_beta_gy": 2, "constraints": [
            {"metric": "Dmax", "comparator": "<=", "limit": 31, "dose_basis": "physical", "level": "mandatory",
             "source": "test"}]}]}


@pytest.fixture
def cli(capsys):
    """``rtreview ARGS`` in this process (an exception would fail the test): (status, stdout)."""
    def run(*args):
        capsys.readouterr()
        status = main([str(a) for a in args])
        return status, capsys.readouterr().out
    return run


def _all_commands_run(cli, folder, dvh: bool = False):
    """info, check (and dvh) finish with their documented statuses; returns the info plans."""
    status, info = cli("info", folder, "--json")
    assert status == 0
    assert not dvh or cli("dvh", folder)[0] == 0
    assert cli("check", folder, "--format", "json")[0] in (0, 3)
    return json.loads(info)["patients"][0]["plans"]


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_no_fraction_group(cli, reference_dicom, tmp_path, how):
    ray = copy_set(reference_dicom, RAYSTATION, tmp_path)

    def change(ds):
        if how == "missing":
            del ds.FractionGroupSequence
        else:
            ds.FractionGroupSequence = Sequence([])

    edit(ray / "RP_IMRT.dcm", change)
    (plan,) = _all_commands_run(cli, ray, dvh=how == "missing")
    assert plan["fractions"] is None and plan["fraction_groups"] == [] and plan["prescription_gy"] is None
    assert any("no fraction group" in n for n in plan["notes"])
    protocol = tmp_path / "brain.json"
    protocol.write_text(json.dumps(BRAIN_PROTOCOL))
    check = json.loads(cli("check", ray, "--protocol", protocol, "--format", "json")[1])["plans"][0]
    assert check["fractions"] is None and check["prescription_gy"] is None
    rows = {r["structure"]: r for r in check["results"]}
    assert rows["Brainstem"]["status"] == "not_evaluable" and rows["Brainstem"]["note"].startswith("needs fractions")
    assert rows["Brainstem"]["value_gy"] > 0 and rows["Brainstem"]["limit_gy"] is None
    assert rows["PTV"]["status"] == "not_evaluable" and rows["PTV"]["note"].startswith("needs Rx")
    # Pinnacle: its rx ROI states the fractions the plan no longer does
    pin = copy_set(reference_dicom, PINNACLE, tmp_path)
    edit(pin / "RP.dcm", change)
    (plan,) = _all_commands_run(cli, pin)
    assert (plan["prescription_gy"], plan["fractions"], plan["prescription_source"]) == (55.0, 22, "rx_roi")
    assert any("fractions from the rx ROIs" in n for n in plan["notes"])


@pytest.mark.parametrize("raw, fractions, note", [
    (b"22 fx", 22, "written as text '22 fx'; read as 22"),
    (b"22.0", 22, None),
    (b"twenty", None, "'twenty' is not a number"),
])
def test_fractions_written_as_text(cli, reference_dicom, tmp_path, raw, fractions, note):
    ray = copy_set(reference_dicom, RAYSTATION, tmp_path)

    def change(ds):
        group = ds.FractionGroupSequence[0]
        group._dict[FRACTIONS_TAG] = RawDataElement(FRACTIONS_TAG, "IS", len(raw), raw, 0, False, True)

    edit(ray / "RP_IMRT.dcm", change)
    (plan,) = _all_commands_run(cli, ray)
    assert plan["fractions"] == fractions
    if note:
        assert any(note in n for n in plan["notes"]), plan["notes"]


def test_text_fractions_filled_from_the_rx_roi(cli, reference_dicom, tmp_path):
    pin = copy_set(reference_dicom, PINNACLE, tmp_path)
    raw = b"twenty-two"
    edit(pin / "RP.dcm", lambda ds: ds.FractionGroupSequence[0]._dict.__setitem__(
        FRACTIONS_TAG, RawDataElement(FRACTIONS_TAG, "LO", len(raw), raw, 0, False, True)))
    (plan,) = _all_commands_run(cli, pin)
    assert (plan["fractions"], plan["prescription_gy"]) == (22, 55.0)
    assert any("fractions from rx ROI 1" in n for n in plan["notes"])


def test_missing_plan_date(cli, reference_dicom, tmp_path):
    pin = copy_set(reference_dicom, PINNACLE, tmp_path)
    edit(pin / "RP.dcm", lambda ds: delattr(ds, "RTPlanDate"))
    (plan,) = _all_commands_run(cli, pin, dvh=True)
    assert plan["date"] == "" and any("no plan date" in n for n in plan["notes"])
    case = load(pin)
    from rtreview.core.timeline import check_against_plans, new_case

    assert check_against_plans(new_case("ANON99185"), case.patients[0].plans) == []


def test_dose_without_a_plan_reference(cli, reference_dicom, tmp_path):
    pin = copy_set(reference_dicom, PINNACLE, tmp_path)
    edit(pin / "RD.dcm", lambda ds: delattr(ds, "ReferencedRTPlanSequence"))
    (link,) = load(pin).links
    assert link.plan is not None and link.prescription_gy == pytest.approx(55.0)
    assert any("paired with the only plan in the load" in n for n in link.notes)
    dvh = json.loads(cli("dvh", pin)[1])["doses"][0]
    assert (dvh["plan_label"], dvh["prescription_gy"], dvh["prescription_source"]) == ("ANON", 55.0, "rx_roi")
    # a second plan on the frame: which plan the dose belongs to is unknown, so none is used
    second = pin / "RP2.dcm"
    second.write_bytes((pin / "RP.dcm").read_bytes())
    edit(second, lambda ds: (setattr(ds, "SOPInstanceUID", generate_uid()), setattr(ds, "RTPlanLabel", "OTHER")))
    (link,) = load(pin).links
    assert link.plan is None and link.prescription_gy is None
    dvh = json.loads(cli("dvh", pin)[1])["doses"][0]
    assert dvh["prescription_gy"] is None and dvh["prescription_note"] == "no RT Plan linked to this dose"
    ptv = next(s for s in dvh["structures"] if s["name"] == "H&N PTV_55 Gy")
    assert ptv["paddick_ci"] is None and any(n.startswith("needs Rx") for n in ptv["notes"])
