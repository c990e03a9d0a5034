"""Protocol files: every shipped protocol validates and cites a source; malformed ones name the field."""
import json

import pytest

from rtreview.core.constraints.library import find_protocol, shipped_protocol_paths, shipped_protocols, suggest_protocol
from rtreview.core.constraints.protocol_io import ProtocolError, load_protocol, protocol_from_dict
from constraints_support import protocol_dict

EXPECTED = {"HCC liver 50 Gy / 25 fx", "Bone metastasis 30 Gy / 10 fx, pelvis"}


def test_every_shipped_protocol_validates_and_cites_sources():
    protocols = shipped_protocols()
    assert EXPECTED <= {p.name for p in protocols}
    for p in protocols:
        assert p.structures and p.references
        constraints = [c for s in p.structures for c in s.constraints]
        assert constraints
        for c in constraints:
            assert len(c.source) > 10, (p.name, c.metric.name)
        assert any(s.is_target for s in p.structures)


def test_shipped_protocols_cover_the_issue():
    hcc = find_protocol("HCC liver 50 Gy / 25 fx")
    assert (hcc.prescription_gy, hcc.fractions) == (50.0, 25)
    normal_liver = hcc.structure("Liver-GTV")
    assert normal_liver.derived.operation == "subtraction"
    assert [c.metric.name for c in normal_liver.constraints] == ["Dmean"]
    for name in ("Stomach", "Duodenum", "Bowel_Small", "Kidney_L", "Kidney_R", "SpinalCord", "PTV"):
        assert hcc.structure(name).constraints
    bone = find_protocol("bone metastasis")
    assert (bone.prescription_gy, bone.fractions) == (30.0, 10)
    for name in ("Bowel_Small", "Bladder", "Rectum", "Femur_Head_L", "Femur_Head_R", "CaudaEquina", "PTV"):
        assert bone.structure(name).constraints
    assert all(c.dose_basis == "eqd2" for s in bone.structures for c in s.constraints if c.unit == "Gy")


def test_find_by_stem_and_path_and_unknown():
    path = shipped_protocol_paths()[0]
    assert find_protocol(path.stem).path == str(path)
    assert find_protocol(str(path)).name == load_protocol(path).name
    with pytest.raises(KeyError, match="available"):
        find_protocol("prostate 78 Gy")


def test_suggestion_from_fractionation_and_names():
    ps = shipped_protocols()
    assert suggest_protocol(ps, fractions=25, prescription_gy=50.0, names=["LIVER"]).name.startswith("HCC")
    assert suggest_protocol(ps, fractions=10, prescription_gy=30.0, names=["L ILIUM"]).name.startswith("Bone")
    # the site alone is not enough: with the fractionation unknown nothing fits (tests/test_protocol_site.py)
    assert suggest_protocol(ps, fractions=None, prescription_gy=None, names=["PTV_ILIUM"]) is None
    assert suggest_protocol(ps, fractions=33, prescription_gy=66.0, names=["Prostate"]) is None


def test_valid_minimal_document():
    p = protocol_from_dict(protocol_dict())
    assert p.structure("liver-gtv").derived.operands == ("Liver", "GTV")
    assert p.structure("PTV").aliases == ("PTV", "PTV_LIVER")


def _error(mutate) -> ProtocolError:
    d = protocol_dict()
    mutate(d)
    with pytest.raises(ProtocolError) as info:
        protocol_from_dict(d, source="bad.json")
    return info.value


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["structures"][3]["constraints"][0].update(limit="28 Gy"),
     "structures[3].constraints[0].limit", "expected a number"),
    (lambda d: d["structures"][0]["constraints"][0].pop("source"),
     "structures[0].constraints[0].source", "missing"),
    (lambda d: d["structures"][0]["constraints"][0].update(metric="D95"),
     "structures[0].constraints[0].metric", "unknown metric"),
    (lambda d: d["structures"][3]["constraints"][0].update(level="required"),
     "structures[3].constraints[0].level", "mandatory"),
    (lambda d: d["structures"][3]["constraints"][0].pop("dose_basis"),
     "structures[3].constraints[0].dose_basis", "missing"),
    (lambda d: d["structures"][3]["constraints"][0].update(marginal_limit=20),
     "structures[3].constraints[0].marginal_limit", "at or above"),
    (lambda d: d["structures"][3]["constraints"][0].update(marginal_limt=30),
     "structures[3].constraints[0].marginal_limt", "unknown field"),
    (lambda d: d["structures"][1].update(alpha_beta_gy=0),
     "structures[1].alpha_beta_gy", "positive"),
    (lambda d: d["structures"][3]["derived"].update(operands=["Liver", "GTV_X"]),
     "structures[3].derived.operands[1]", "not a structure"),
    (lambda d: d["structures"][3]["derived"].update(operation="minus"),
     "structures[3].derived.operation", "subtraction"),
    (lambda d: d["structures"].append(dict(d["structures"][1])),
     "structures[4].name", "duplicate"),
    (lambda d: d["fractionation"].update(fractions=2.5),
     "fractionation.fractions", "whole number"),
    (lambda d: d.update(format_version=7), "format_version", "version"),
    (lambda d: d.update(structures=[]), "structures", "non-empty"),
])
def test_malformed_protocol_names_the_field(mutate, field, words):
    err = _error(mutate)
    assert err.field == field
    assert words in str(err) and field in str(err) and "bad.json" in str(err)


def test_unreadable_and_invalid_json(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "rtreview-protocol",, }')
    with pytest.raises(ProtocolError, match=r"broken.json: not valid JSON \(line 1"):
        load_protocol(bad)
    with pytest.raises(ProtocolError, match="cannot read"):
        load_protocol(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(protocol_dict()))
    assert load_protocol(good).path == str(good)
