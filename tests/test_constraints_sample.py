"""Constraints on the bundled sample patient (skips until sample_dicom/ is generated)."""
import warnings

import pytest

from conftest import SAMPLE_DICOM

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("*.dcm")), reason="sample_dicom/ not generated yet")


@pytest.fixture(scope="module")
def case():
    from rtreview.core.dicom.loader import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load([str(SAMPLE_DICOM)])


def test_normal_liver_is_liver_minus_gtv(case):
    from rtreview.core.constraints.derived import derived_dvh
    from rtreview.core.dvh import compute_dvh

    link = case.patients[0].link_for_plan("LIVER")
    ss = link.structure_set
    liver, gtv = compute_dvh(ss.roi("LIVER"), link.dose), compute_dvh(ss.roi("GTV_LIVER"), link.dose)
    normal = derived_dvh("subtraction", [ss.roi("LIVER"), ss.roi("GTV_LIVER")], link.dose)
    assert normal.volume_cc == pytest.approx(liver.volume_cc - gtv.volume_cc, rel=1e-3)
    integral = liver.mean_gy * liver.covered_volume_cc - gtv.mean_gy * gtv.covered_volume_cc
    assert normal.mean_gy == pytest.approx(integral / (liver.covered_volume_cc - gtv.covered_volume_cc), abs=0.1)
    assert normal.v_gy(20.0) == pytest.approx(liver.v_gy(20.0) - gtv.v_gy(20.0), rel=0.01)


def test_sample_plans_match_every_protocol_structure(case):
    from rtreview.core.constraints import find_protocol, match_structures

    names = [r.name for r in case.links[0].structure_set.rois]
    # the sample contours neither a bowel bag nor a sacral plexus (their limits: not evaluable)
    for protocol, missing in (("HCC liver", ["Bag_Bowel"]), ("Bone metastasis", ["Bag_Bowel", "SacralPlex"])):
        m = match_structures(find_protocol(protocol), names)
        assert m.unmatched == missing and m.notes == []
