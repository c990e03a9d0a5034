"""Structure matching: TG-263 names and planning-system names, case/separator-insensitive."""
import pytest

from rtreview.core.constraints.library import find_protocol
from rtreview.core.constraints.matching import match_structures, normalize_name

SAMPLE_ROIS = ["BODY", "LIVER", "GTV_LIVER", "PTV_LIVER", "STOMACH", "DUODENUM", "KIDNEY_L", "KIDNEY_R",
               "SPINAL_CORD", "BOWEL_SMALL", "ILIUM_L", "GTV_ILIUM", "PTV_ILIUM", "BLADDER", "RECTUM",
               "FEMUR_HEAD_L", "FEMUR_HEAD_R", "CAUDA_EQUINA"]


@pytest.mark.parametrize("a, b", [("Bowel_Small", "BOWEL SMALL"), ("Kidney_L", "kidney-l"), ("SpinalCord", "SPINAL_CORD"),
                                  ("Femur_Head_L", "FEMUR.HEAD.L"), ("CaudaEquina", "cauda_equina"), ("Liver", "LIVER")])
def test_normalization_is_case_and_separator_insensitive(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_hcc_protocol_on_sample_names():
    m = match_structures(find_protocol("HCC liver"), SAMPLE_ROIS)
    assert m.roi_by_structure == {"PTV": "PTV_LIVER", "GTV": "GTV_LIVER", "Liver": "LIVER", "Stomach": "STOMACH",
                                  "Duodenum": "DUODENUM", "Bowel_Small": "BOWEL_SMALL", "Kidney_L": "KIDNEY_L",
                                  "Kidney_R": "KIDNEY_R", "SpinalCord": "SPINAL_CORD"}
    # every GTV of the case: normal liver is the liver minus all of them
    assert m.rois_for("GTV") == ["GTV_LIVER", "GTV_ILIUM"]
    assert m.unmatched == ["Bag_Bowel"] and m.notes == []  # the sample contours no bowel bag


def test_bone_protocol_on_tg263_names():
    rois = ["Bladder", "Rectum", "Bowel_Small", "Bag_Bowel", "Femur_Head_L", "Femur_Head_R", "CaudaEquina",
            "SacralPlex", "PTV_Ilium_3000"]
    m = match_structures(find_protocol("bone metastasis"), rois)
    assert m.roi_by_structure["CaudaEquina"] == "CaudaEquina"
    assert m.roi_by_structure["PTV"] == "PTV_Ilium_3000"  # by the PTV*Ilium* pattern
    assert m.unmatched == []


def test_unmatched_and_manual_mapping():
    p = find_protocol("bone metastasis")
    m = match_structures(p, ["Blase", "Rectum"])
    assert "Bladder" in m.unmatched and "PTV" in m.unmatched
    m = match_structures(p, ["Blase", "Rectum", "Zielvolumen"], manual={"bladder": "Blase", "PTV": "Zielvolumen",
                                                                       "Femur_Head_L": "Nope"})
    assert m.roi_by_structure["Bladder"] == "Blase" and m.roi_by_structure["PTV"] == "Zielvolumen"
    assert m.manual == {"Bladder", "PTV"}
    assert any("Nope" in n for n in m.notes) and "Femur_Head_L" in m.unmatched


def test_exact_alias_beats_pattern_and_ambiguity_is_noted():
    p = find_protocol("HCC liver")
    m = match_structures(p, ["PTV_Liver_boost", "PTV_LIVER"])
    assert m.roi_by_structure["PTV"] == "PTV_LIVER"
    m = match_structures(p, ["PTV_Liver_a", "PTV_Liver_b"])
    assert m.roi_by_structure["PTV"] == "PTV_Liver_a" and any("several" in n for n in m.notes)


def test_tg263_names_match_both_protocols():
    tg263 = ["Liver", "GTV_Liver", "PTV_Liver", "Stomach", "Duodenum", "Bowel_Small", "Kidney_L", "Kidney_R",
             "SpinalCord", "Bladder", "Rectum", "Femur_Head_L", "Femur_Head_R", "CaudaEquina", "PTV_Ilium",
             "Bag_Bowel", "SacralPlex"]
    for name in ("HCC liver", "bone metastasis"):
        m = match_structures(find_protocol(name), tg263)
        assert m.unmatched == [] and m.notes == []
        for structure, roi in m.roi_by_structure.items():
            if structure not in ("PTV", "GTV"):
                assert normalize_name(structure) == normalize_name(roi)
