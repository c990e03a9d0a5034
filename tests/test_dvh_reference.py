"""Real DICOM: the dicompyler-core example breast plan. Our DVHs against the DVHs the planning
system stored in the RT Dose (DVHSequence) and against dicompyler-core's published Heart values.

Neither is ground truth (different end-cap and partial-volume conventions), so only sane bounds
are asserted; ``pytest -s`` prints the differences.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import REFERENCE_DICOM

EXAMPLE = REFERENCE_DICOM / "dicompyler-core-example"
pytestmark = pytest.mark.skipif(not (EXAMPLE / "rtdose.dcm").is_file(), reason="example data not present")

# dicompyler-core's own test values for the Heart (ROI 5) of this plan.
DICOMPYLER_HEART = {"volume_cc": 440.23, "max_gy": 3.1, "min_gy": 0.03, "mean_gy": 0.6475}


@pytest.fixture(scope="module")
def plan():
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import DvhOptions, compute_dvhs
    ss = read_structure_set(str(EXAMPLE / "rtss.dcm"))
    dose = read_dose(str(EXAMPLE / "rtdose.dcm"))
    return dose, compute_dvhs(ss, dose), compute_dvhs(ss, dose, DvhOptions(end_caps="none"))


def _curve_mean(d, v):
    return float(np.sum(np.diff(d) * (v[:-1] + v[1:]) / 2) / v[0])


def test_against_stored_tps_dvhs(plan):
    dose, dvhs, no_caps = plan
    assert dose.stored_dvhs, "the example RT Dose carries DVHs"
    print("\nROI name              TPS cc   ours cc  (no caps)   TPS mean  ours mean   TPS max  ours max")
    compared = 0
    for number, (d_tps, v_tps) in sorted(dose.stored_dvhs.items()):
        if number not in dvhs or getattr(dose, "stored_dvh_volume_units", {}).get(number, "CM3") != "CM3":
            continue
        ours = dvhs[number]
        tps_max = float(d_tps[np.nonzero(v_tps > 0)[0][-1]])
        tps_mean = _curve_mean(d_tps, v_tps)
        print(f"{number:3d} {ours.name:16s} {v_tps[0]:9.3f} {ours.volume_cc:9.3f} {no_caps[number].volume_cc:9.3f}"
              f"  {tps_mean:9.3f} {ours.mean_gy:9.3f}  {tps_max:8.2f} {ours.max_gy:8.2f}")
        compared += 1
        # Sane bounds: same order of volume, mean within 1 Gy (max dose ~15 Gy), max within 10 %.
        if v_tps[0] > 5.0:
            assert ours.volume_cc == pytest.approx(v_tps[0], rel=0.08)
            assert ours.mean_gy == pytest.approx(tps_mean, abs=1.0)
        assert ours.max_gy == pytest.approx(tps_max, rel=0.1, abs=0.1)
    assert compared >= 5


def test_heart_against_dicompyler_core(plan):
    _, dvhs, _ = plan
    heart = dvhs[5]
    assert heart.name == "Heart"
    print(f"\nHeart: ours V {heart.volume_cc:.2f} cc, min {heart.min_gy:.3f}, mean {heart.mean_gy:.4f}, "
          f"max {heart.max_gy:.3f} Gy; dicompyler-core {DICOMPYLER_HEART}")
    assert heart.volume_cc == pytest.approx(DICOMPYLER_HEART["volume_cc"], rel=0.02)
    assert heart.mean_gy == pytest.approx(DICOMPYLER_HEART["mean_gy"], rel=0.02)
    assert heart.max_gy == pytest.approx(DICOMPYLER_HEART["max_gy"], abs=0.1)
    assert heart.min_gy == pytest.approx(DICOMPYLER_HEART["min_gy"], abs=0.02)
