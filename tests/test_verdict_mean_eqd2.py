"""Defect 1: the EQD2 of a mean dose is the mean of the voxel-wise EQD2, and a mean limit is
compared with a like quantity (issue 14)."""
import numpy as np
import pytest

from constraints_support import protocol_dict
from verdict_support import protocol, row, sample_links, sampled_dvh


def _mean_protocol():
    from rtreview.core.constraints import protocol_from_dict

    d = protocol_dict()
    d["structures"][3]["alpha_beta_gy"] = 2.5
    d["structures"][3]["constraints"] = [{"metric": "Dmean", "comparator": "<=", "limit": 28,
                                          "dose_basis": "physical", "level": "mandatory",
                                          "source": "QUANTEC Pan 2010"}]
    return protocol_from_dict(d)


def test_issue_example_physical_mean_passes_but_mean_eqd2_fails():
    """40 % of normal liver at 50 Gy, 60 % at 13 Gy, 25 fx: physical mean 27.8 Gy <= 28 Gy, but the
    voxel-wise mean EQD2 (α/β 2.5) is 25.23 Gy, above the 22.52 Gy EQD2 of the 28 Gy limit."""
    from rtreview.core.constraints import Status, evaluate

    proto = _mean_protocol()
    dvh = sampled_dvh([50.0, 13.0], [40.0, 60.0])
    assert dvh.mean_gy == pytest.approx(27.8)
    r = row(evaluate(proto, {"Liver-GTV": dvh}, fractions=25, prescription_gy=50.0), "Liver-GTV", "Dmean")
    expected = 0.4 * 50.0 * (2.0 + 2.5) / 4.5 + 0.6 * 13.0 * (13.0 / 25 + 2.5) / 4.5
    assert expected == pytest.approx(25.23, abs=0.005)
    assert r.value_eqd2_gy == pytest.approx(expected, rel=1e-6)
    assert r.limit_eqd2_gy == pytest.approx(28.0 * (28.0 / 25 + 2.5) / 4.5, rel=1e-9)  # 22.52
    assert r.value_gy == pytest.approx(27.8)
    assert r.status is Status.FAIL
    assert r.to_dict()["value_eqd2_gy"] == pytest.approx(expected, abs=0.0005)


def test_uniform_mean_at_the_limit_passes():
    """A uniform dose: mean EQD2 = EQD2 of the mean, so a dose at the limit is a pass."""
    from rtreview.core.constraints import Status, evaluate

    dvh = sampled_dvh([28.0], [100.0])
    r = row(evaluate(_mean_protocol(), {"Liver-GTV": dvh}, fractions=25, prescription_gy=50.0), "Liver-GTV", "Dmean")
    assert r.value_eqd2_gy == pytest.approx(r.limit_eqd2_gy, rel=1e-6)
    assert r.status is Status.PASS


def test_sample_normal_liver_mean_eqd2_is_voxel_wise():
    """Sample normal liver: the mean of the per-sample EQD2 (10.88 Gy), not EQD2(13.10) = 8.80 Gy."""
    from rtreview.core.constraints.plan_check import check_plan
    from rtreview.core.constraints.derived import derived_dvh

    link = sample_links()[0]
    ev = check_plan(link, protocol("HCC liver"))
    r = row(ev, "Liver-GTV", "Dmean")
    ss = link.structure_set
    normal = derived_dvh("subtraction", [ss.roi("LIVER"), ss.roi("GTV_LIVER"), ss.roi("GTV_ILIUM")], link.dose)
    d = normal.sample_dose_gy.astype(float)
    v = normal.sample_volume_cc.astype(float)
    voxel_wise = float(np.sum(d * (d / 25 + 2.5) / 4.5 * v) / v.sum())
    assert r.value_eqd2_gy == pytest.approx(voxel_wise, rel=1e-9)
    assert r.value_eqd2_gy == pytest.approx(10.88, abs=0.01)
    assert r.value_gy == pytest.approx(13.10, abs=0.01)
