"""Each constraint kind on analytic DVHs with known answers, limit conversion, statuses."""
import math

import pytest

from rtreview.core.constraints.evaluation import evaluate, evaluate_constraint, evaluate_constraint_composite
from rtreview.core.constraints.fractionation import eqd2_gy, physical_from_eqd2_gy
from rtreview.core.constraints.metrics import parse_metric
from rtreview.core.constraints.model import Constraint, Protocol, StructureSpec
from rtreview.core.constraints.results import Status
from constraints_support import LinearDvh


def _protocol(fractions=25, rx=50.0, band=0.0, structures=()):
    return Protocol(name="T", prescription_gy=rx, fractions=fractions, structures=tuple(structures),
                    marginal_band_pct=band)


def _c(metric, comparator, limit, unit=None, basis="physical", level="mandatory", marginal=None):
    m = parse_metric(metric)
    unit = unit or ("Gy" if m.is_dose else m.volume_unit)
    return Constraint(metric=m, comparator=comparator, limit=limit, unit=unit, level=level, source="test",
                      dose_basis=basis, marginal_limit=marginal)


S3 = StructureSpec(name="OAR", aliases=("OAR",), alpha_beta_gy=3.0)


def _eval(c, dvh, fractions=25, rx=50.0, band=0.0, s=S3):
    return evaluate_constraint(_protocol(25, 50.0, band), s, c, dvh, fractions=fractions, prescription_gy=rx)


# A linear gradient 10..30 Gy over 200 cc: Dmean 20, Dx% = 30 - 0.2 x, V(d) = (30 - d)/20.
GRAD = LinearDvh(10.0, 30.0, volume_cc=200.0)


def test_dmean_dmax_dmin():
    assert _eval(_c("Dmean", "<=", 20.0), GRAD).value_gy == pytest.approx(20.0)
    # a mean limit is judged on the voxel-wise mean EQD2: for doses uniform on [10, 30] Gy in
    # 25 fx at α/β 3, E[d (d/25 + 3) / 5] = (433.33/25 + 60) / 5 = 15.467 Gy, above EQD2(20 Gy) = 15.2
    mean_eqd2 = ((20.0 ** 2 / 12 + 400.0) / 25 + 3 * 20.0) / 5
    r = _eval(_c("Dmean", "<=", 20.0), GRAD)
    assert r.value_eqd2_gy == pytest.approx(mean_eqd2, rel=1e-4) and r.unit == "Gy EQD2"
    assert r.status is Status.FAIL
    assert _eval(_c("Dmean", "<=", 20.3), GRAD).status is Status.PASS  # EQD2(20.3 Gy) = 15.48
    assert _eval(_c("Dmean", "<=", 20.28), GRAD).status is Status.FAIL  # EQD2(20.28 Gy) = 15.46
    assert _eval(_c("Dmax", "<=", 30.0), GRAD).value_gy == pytest.approx(30.0)
    assert _eval(_c("Dmin", ">=", 10.0), GRAD).value_gy == pytest.approx(10.0)


def test_dx_percent_and_cc():
    r = _eval(_c("D95%", ">=", 10.0), GRAD)
    assert r.value_gy == pytest.approx(30.0 - 0.2 * 95)
    r = _eval(_c("D2cc", "<=", 30.0), GRAD)  # hottest 2 cc of 200 cc: 30 - 20 * 2/200
    assert r.value_gy == pytest.approx(29.8)
    r = _eval(_c("D0.03cc", "<=", 30.0), GRAD)
    assert r.value_gy == pytest.approx(30.0 - 20 * 0.03 / 200)
    assert _eval(_c("D300cc", "<=", 30.0), GRAD).status is Status.NOT_EVALUABLE  # larger than the structure


def test_vx_gy_percent_and_cc():
    r = _eval(_c("V20Gy", "<=", 50.0), GRAD)
    assert (r.value, r.unit, r.status) == (pytest.approx(50.0), "%", Status.PASS)
    r = _eval(_c("V25Gy_cc", "<=", 40.0), GRAD)
    assert (r.value, r.unit, r.status) == (pytest.approx(50.0), "cc", Status.FAIL)
    assert r.threshold_gy == pytest.approx(25.0)
    assert r.value_gy is None and r.threshold_eqd2_gy == pytest.approx(eqd2_gy(25.0, 25, 3.0))


def test_coverage_and_v_percent_of_prescription():
    ptv = StructureSpec(name="PTV", aliases=("PTV",), alpha_beta_gy=10.0, is_target=True)
    dvh = LinearDvh(46.0, 52.0)  # D95% = 52 - 0.95 * 6 = 46.3 Gy = 92.6% Rx
    r = _eval(_c("D95%", ">=", 95.0, unit="%Rx", marginal=90.0), dvh, s=ptv)
    assert r.value_gy == pytest.approx(46.3) and r.limit_gy == pytest.approx(47.5)
    assert r.status is Status.MARGINAL
    r = _eval(_c("V95%Rx", ">=", 95.0), dvh, s=ptv)  # V(47.5 Gy) = (52 - 47.5)/6 = 75%
    assert r.value == pytest.approx(75.0) and r.threshold_gy == pytest.approx(47.5)
    assert r.status is Status.FAIL
    r = _eval(_c("V95%Rx_cc", ">=", 50.0), dvh, s=ptv)
    assert r.value == pytest.approx(75.0) and r.unit == "cc"


def test_uniform_dose_structure():
    dvh = LinearDvh(20.0, 20.0, volume_cc=50.0)
    assert _eval(_c("Dmean", "<=", 20.0), dvh).status is Status.PASS
    assert _eval(_c("D50%", "<=", 20.0), dvh).value_gy == pytest.approx(20.0)
    assert _eval(_c("V20Gy", ">=", 100.0), dvh).value == pytest.approx(100.0)
    assert _eval(_c("V20.1Gy_cc", "<=", 0.0), dvh).value == pytest.approx(0.0)


def test_marginal_band_default_and_explicit():
    dvh = LinearDvh(29.0, 29.0)
    assert _eval(_c("Dmean", "<=", 28.0), dvh, band=5.0).status is Status.MARGINAL   # 28 < 29 <= 29.4
    assert _eval(_c("Dmean", "<=", 27.0), dvh, band=5.0).status is Status.FAIL       # 29 > 28.35
    assert _eval(_c("Dmean", "<=", 28.0, marginal=28.5), dvh, band=5.0).status is Status.FAIL
    assert _eval(_c("Dmean", "<=", 28.0), dvh, band=0.0).status is Status.FAIL


def test_eqd2_limit_converted_to_plan_fractionation():
    # 45 Gy EQD2 (ab 3) in 10 fractions: D^2 + 30 D - 2250 = 0
    expected = (-30 + math.sqrt(900 + 9000)) / 2
    r = _eval(_c("D0.03cc", "<=", 45.0, basis="eqd2"), LinearDvh(30.0, 34.0), fractions=10, rx=30.0)
    assert r.limit_gy == pytest.approx(expected) and r.limit_eqd2_gy == pytest.approx(45.0)
    assert r.value_eqd2_gy == pytest.approx(eqd2_gy(r.value_gy, 10, 3.0))
    assert r.status is Status.PASS
    # V45Gy (EQD2) becomes V(34.75 Gy) for 10 fractions
    r = _eval(_c("V45Gy_cc", "<=", 10.0, basis="eqd2"), LinearDvh(0.0, 40.0, 100.0), fractions=10)
    assert r.threshold_gy == pytest.approx(expected)
    assert r.value == pytest.approx(100.0 * (40.0 - expected) / 40.0)


def test_physical_limit_carried_to_another_fractionation():
    # 28 Gy written for 25 fractions; a 10-fraction plan gets the iso-effective dose
    r = _eval(_c("Dmean", "<=", 28.0), LinearDvh(10.0, 10.0), fractions=10, rx=30.0)
    assert r.limit_eqd2_gy == pytest.approx(eqd2_gy(28.0, 25, 3.0))
    assert r.limit_gy == pytest.approx(physical_from_eqd2_gy(eqd2_gy(28.0, 25, 3.0), 10, 3.0))
    r = _eval(_c("Dmean", "<=", 28.0), LinearDvh(10.0, 10.0), fractions=25)
    assert r.limit_gy == 28.0  # same fractionation: exactly as written


def test_not_evaluable_cases():
    missing = _eval(_c("Dmean", "<=", 28.0), None)
    assert missing.status is Status.NOT_EVALUABLE and "not found" in missing.note
    outside = _eval(_c("Dmean", "<=", 28.0), LinearDvh(0, 0, 100.0, covered_cc=0.0))
    assert outside.status is Status.NOT_EVALUABLE and "outside the dose grid" in outside.note
    partial = _eval(_c("Dmean", "<=", 28.0), LinearDvh(5, 5, 100.0, covered_cc=80.0))
    assert partial.status is Status.PASS and "80.0%" in partial.note


def test_evaluate_whole_protocol_and_json_keys():
    s = StructureSpec(name="Liver-GTV", aliases=("Liver-GTV",), alpha_beta_gy=3.0,
                      constraints=(_c("Dmean", "<=", 28.0), _c("V30Gy", "<=", 60.0, level="optimal")))
    p = _protocol(structures=[s, StructureSpec(name="Cord", aliases=("Cord",), alpha_beta_gy=2.0,
                                                constraints=(_c("D0.03cc", "<=", 45.0),))])
    ev = evaluate(p, {"Liver-GTV": LinearDvh(0.0, 40.0)}, fractions=25, prescription_gy=50.0, plan_label="LIVER")
    assert [r.status for r in ev.results] == [Status.PASS, Status.PASS, Status.NOT_EVALUABLE]
    assert ev.counts()["pass"] == 2 and not ev.mandatory_failed
    d = ev.to_dict()
    assert {"plan_label", "fractions", "protocol", "results"} <= set(d)
    assert {"structure", "metric", "value_gy", "value_eqd2_gy", "alpha_beta_gy", "limit_gy", "limit_eqd2_gy",
            "level", "status", "source"} <= set(d["results"][0])
    assert d["results"][0]["status"] == "pass" and d["results"][2]["status"] == "not_evaluable"


def test_composite_compares_in_eqd2():
    eqd2 = LinearDvh(0.0, 40.0)       # voxel-wise EQD2 sum
    phys = LinearDvh(0.0, 35.0)       # physical plan sum
    r = evaluate_constraint_composite(_protocol(), S3, _c("D0.03cc", "<=", 50.0, basis="eqd2"), eqd2, phys)
    assert r.value_eqd2_gy == pytest.approx(eqd2.d_cc(0.03)) and r.value_gy == pytest.approx(phys.d_cc(0.03))
    assert r.limit_eqd2_gy == 50.0 and r.limit_gy is None and r.status is Status.PASS
    r = evaluate_constraint_composite(_protocol(), S3, _c("V20Gy", "<=", 40.0, basis="eqd2"), eqd2, phys)
    assert r.value == pytest.approx(50.0) and r.status is Status.FAIL
    r = evaluate_constraint_composite(_protocol(), S3, _c("D95%", ">=", 95.0, unit="%Rx"), eqd2, phys)
    assert r.status is Status.NOT_EVALUABLE


def test_limit_markers_for_plotting():
    r = _eval(_c("D2cc", "<=", 30.0), GRAD)
    m = r.limit_marker()
    assert (m.dose_gy, m.volume, m.volume_unit) == (30.0, 2.0, "cc")
    m = _eval(_c("V20Gy", "<=", 50.0), GRAD).limit_marker()
    assert (m.dose_gy, m.volume, m.volume_unit) == (pytest.approx(20.0), 50.0, "%")
    assert _eval(_c("Dmean", "<=", 20.0), GRAD).limit_marker().volume is None
    assert _eval(_c("Dmean", "<=", 20.0), None).limit_marker() is None
    comp = evaluate_constraint_composite(_protocol(), S3, _c("D95%", "<=", 50.0, basis="eqd2"), GRAD, GRAD)
    assert comp.limit_marker().dose_gy == 50.0
