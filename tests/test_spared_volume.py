"""Spared-volume (critical-volume) metrics on analytic shapes: CVxGy (volume below x Gy) and DCxcc
(the dose under which the coldest x cc lie), checked against the closed-form DVH of a contour
stack in a linear dose field (tests/dvh_analytic.py, which never uses the engine's code)."""
import math

import pytest

from dvh_analytic import LinearDose, cylinder, sphere
from rtreview.core.dvh import compute_dvh


def _sphere_case():
    stack = sphere(40.0, 2.0)  # ~268 cc
    field = LinearDose(20.0, gy=0.5)  # 0 Gy at y = -40 mm, 40 Gy at y = +40 mm
    dose = field.grid(2.0, (-50.0, 50.0), (-50.0, 50.0))
    return stack, field, compute_dvh(stack.roi(), dose)


@pytest.mark.parametrize("level", [5.0, 15.0, 20.0, 31.5])
def test_cv_is_the_volume_below_the_level(level):
    stack, field, dvh = _sphere_case()
    total = stack.volume_cc()
    exact = total - field.volume_at_least(stack, level)
    assert dvh.covered_volume_cc == pytest.approx(total, rel=1e-9)
    assert dvh.cv_gy(level) == pytest.approx(exact, rel=0.01, abs=0.002 * total)
    assert dvh.cv_gy(level, relative=True) == pytest.approx(100 * exact / total, rel=0.01, abs=0.2)
    assert dvh.cv_gy(level) + dvh.v_gy(level) == pytest.approx(dvh.covered_volume_cc, rel=1e-12)


@pytest.mark.parametrize("spared_cc", [20.0, 100.0, 200.0])
def test_dc_is_the_dose_under_which_the_coldest_volume_lies(spared_cc):
    stack, field, dvh = _sphere_case()
    total = stack.volume_cc()
    exact = field.dose_at_volume(stack, total - spared_cc, 0.0, 40.0)
    assert dvh.dc_cc(spared_cc) == pytest.approx(exact, abs=0.15)
    # The two forms agree: the coldest x cc lie below DCx, and CV(DCx) = x.
    assert dvh.cv_gy(dvh.dc_cc(spared_cc)) == pytest.approx(spared_cc, rel=0.01)


def test_structure_smaller_than_the_spared_volume_is_undefined_for_dc():
    stack, _, dvh = _sphere_case()
    assert math.isnan(dvh.dc_cc(stack.volume_cc() + 10.0))
    assert dvh.dc_cc(dvh.covered_volume_cc) == dvh.max_gy


def test_uncovered_volume_is_never_counted_as_spared():
    # A cylinder 120 mm long on a grid covering only z in [-30, 30]: half of it has no dose.
    stack = cylinder(20.0, 120.0, 2.0)
    dose = LinearDose(10.0).grid(2.0, (-30.0, 30.0), (-30.0, 30.0))  # uniform 10 Gy where covered
    dvh = compute_dvh(stack.roi(), dose)
    assert dvh.covered_volume_cc < 0.6 * dvh.volume_cc
    assert dvh.cv_gy(15.0) == pytest.approx(dvh.covered_volume_cc, rel=1e-9)  # not the whole structure
    assert dvh.cv_gy(5.0) == pytest.approx(0.0, abs=1e-9)
