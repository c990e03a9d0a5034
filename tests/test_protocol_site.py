"""Protocol suggestion by anatomical site AND fractionation (issue 13): every shipped protocol
declares its site; a plan of another site gets no suggestion and says why; `rtreview check` on
the Pinnacle head-and-neck plan does not evaluate the HCC protocol."""
from __future__ import annotations

import json

import pytest

from rtreview.cli.main import main
from rtreview.core.constraints import ProtocolError, protocol_from_dict, shipped_protocols
from rtreview.core.constraints.suggestion import suggest
from constraints_support import protocol_dict
from rx_support import PINNACLE


def test_every_shipped_protocol_declares_its_site():
    for p in shipped_protocols():
        assert p.site is not None and p.site.name and p.site.targets and len(p.site.organs) >= 2, p.name
    sites = {p.name: p.site.name for p in shipped_protocols()}
    assert sites == {"HCC liver 50 Gy / 25 fx": "liver", "Bone metastasis 30 Gy / 10 fx, pelvis": "pelvis"}


@pytest.mark.parametrize("site, field, words", [
    ("liver", "site", "expected an object"),
    ({"name": "liver", "target": ["liver"]}, "site.target", "unknown field"),
    ({"name": "liver"}, "site", "at least one of targets, organs"),
    ({"targets": ["liver"]}, "site.name", "required field is missing"),
    ({"name": "liver", "organs": "Liver"}, "site.organs", "list of non-empty strings")])
def test_site_declaration_is_validated(site, field, words):
    with pytest.raises(ProtocolError) as info:
        protocol_from_dict({**protocol_dict(), "site": site})
    assert info.value.field == field and words in info.value.detail


def _suggest(fractions, rx, targets, rois):
    return suggest(shipped_protocols(), fractions=fractions, prescription_gy=rx, target_names=targets,
                   roi_names=rois)


def test_site_and_fractionation_both_needed():
    hcc = _suggest(25, 50.0, ["PLAN1", "PTV_Liver"], ["PTV_Liver", "LIVER", "SPINAL_CORD"])
    assert hcc.protocol.name.startswith("HCC") and "site and fractionation" in hcc.reason
    # organs alone show the site (2 of its characteristic organs), whatever the target is called
    organs = _suggest(25, 50.0, ["PLAN1", "PTV1"], ["PTV1", "Liver", "Stomach", "Cord"])
    assert organs.protocol.name.startswith("HCC")
    one_organ = _suggest(25, 50.0, ["PLAN1", "PTV1"], ["PTV1", "Liver", "Cord"])
    assert one_organ.protocol is None and "not a liver plan" in one_organ.reason
    other_fx = _suggest(15, 45.0, ["PTV_Liver"], ["PTV_Liver", "Liver"])
    assert other_fx.protocol is None and "for 50 Gy / 25 fx, the plan is 45 Gy / 15 fx" in other_fx.reason
    other_rx = _suggest(25, 45.0, ["PTV_Liver"], ["PTV_Liver", "Liver"])
    assert other_rx.protocol is None and "the plan is 45 Gy / 25 fx" in other_rx.reason
    no_rx = _suggest(25, None, ["PTV_Liver"], ["PTV_Liver"])
    assert no_rx.protocol.name.startswith("HCC") and "the prescription is unknown" in no_rx.reason
    no_fx = _suggest(None, 50.0, ["PTV_Liver"], ["PTV_Liver"])
    assert no_fx.protocol is None and "fractions are unknown" in no_fx.reason
    pelvis = _suggest(10, 30.0, ["L ILIUM", "PTV_ILIUM"], ["PTV_ILIUM", "BLADDER", "RECTUM"])
    assert pelvis.protocol.name.startswith("Bone")
    # a brain metastasis is not a pelvic bone metastasis, even at 30 Gy / 10 fx
    brain = _suggest(10, 30.0, ["WBRT", "PTV_met"], ["PTV_met", "Brain", "BrainStem", "Lens_L"])
    assert brain.protocol is None and "not a pelvis plan" in brain.reason


def test_a_protocol_without_a_site_is_judged_on_its_fractionation():
    bare = protocol_from_dict({**protocol_dict(), "target_keywords": []})
    s = suggest([bare], fractions=bare.fractions, prescription_gy=bare.prescription_gy, target_names=["X"],
                roi_names=["X"])
    assert s.protocol is bare


def test_check_on_the_head_and_neck_plan_evaluates_no_hcc_protocol(reference_dicom, capsys):
    assert main(["check", str(reference_dicom / PINNACLE), "--format", "json"]) == 0
    (plan,) = json.loads(capsys.readouterr().out)["plans"]
    assert plan["protocol"] is None and plan["results"] == []
    reason = plan["protocol_reason"]
    assert reason.startswith("no shipped protocol fits:")
    assert "HCC liver 50 Gy / 25 fx (not a liver plan" in reason and "the plan is 55 Gy / 22 fx" in reason
    assert any(n.startswith("no shipped protocol fits") for n in plan["notes"])
