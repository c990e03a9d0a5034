"""Target BED with a chosen alpha/beta, recomputed by hand."""
import numpy as np
import pytest

from rtreview.core.dvh import target_bed as tb
from test_ntcp import make_dvh


def test_uniform_target_bed_by_hand():
    dvh = make_dvh(np.full(500, 50.0), np.ones(500), name="PTV")
    for ab, want in ((10.0, 50 * (1 + 2 / 10)), (15.0, 50 * (1 + 2 / 15))):
        out = tb.target_bed(dvh, 25, ab, "user", prescription_gy=50.0)
        assert out.d95_bed_gy == pytest.approx(want, rel=1e-6)
        assert out.mean_bed_gy == pytest.approx(want, rel=1e-6)
        assert out.prescription_bed_gy == pytest.approx(want, rel=1e-12)
        j = out.to_json()
        assert j["alpha_beta_gy"] == ab and j["alpha_beta_origin"] == "user"
        assert j["prescription_eqd2_gy"] == pytest.approx(50.0, rel=1e-9)  # 2 Gy fractions: EQD2 = physical


def test_sbrt_bed_and_voxelwise_mean():
    # 45 Gy / 3 fx at alpha/beta 10: BED = 45 (1 + 15/10) = 112.5 Gy; at 15: 90 Gy.
    dvh = make_dvh(np.r_[np.full(50, 45.0), np.full(50, 30.0)], np.ones(100), name="PTV")
    out = tb.target_bed(dvh, 3, 10.0, prescription_gy=45.0)
    assert out.prescription_bed_gy == pytest.approx(112.5)
    assert tb.target_bed(dvh, 3, 15.0, prescription_gy=45.0).prescription_bed_gy == pytest.approx(90.0)
    bed30 = 30 * (1 + 10 / 10)
    assert out.mean_bed_gy == pytest.approx(0.5 * 112.5 + 0.5 * bed30, rel=1e-6)
    assert out.mean_bed_gy > float(30 * 0.5 + 45 * 0.5) * (1 + 12.5 / 10)  # mean of BED > BED of mean dose
    assert out.d98_bed_gy == pytest.approx(bed30, rel=1e-3)
