"""Gamma index: analytic cases, and agreement with pymedphys' published implementation.

Analytic: a linear gradient (g Gy/mm) shifted by s mm has, away from the edges,
gamma = s a b / sqrt(a^2 + b^2) with a = g / dD and b = 1 / dta (minimum of a quadratic along
the gradient). A uniform dose scaled by a factor has gamma = |difference| / dD.

Reference implementation: tests/data/gamma_reference/pymedphys_gamma.json holds pymedphys
0.41.0's gamma (Apache-2.0; run in its own venv by bench/gamma_reference.py, never an rtreview
dependency) on the synthetic dose pair that ``gamma_support.gamma_pair`` builds (the bench builds the
same pair with the same function); this test compares our pass rates and gamma values with it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gamma_support import gamma_pair
from rtreview.core.compare.gamma import GammaCriteria, gamma_index

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "data" / "gamma_reference" / "pymedphys_gamma.json"


def axes(n=(51, 11, 11), h=2.0):
    return tuple(np.arange(k) * h for k in n)  # x, y, z


def test_shifted_linear_gradient_matches_the_closed_form():
    x, y, z = axes()
    g, s = 0.5, 2.0
    ref = np.broadcast_to(10.0 + g * x, (z.size, y.size, x.size)).copy()
    ev = np.broadcast_to(10.0 + g * (x - s), (z.size, y.size, x.size)).copy()
    for c in (GammaCriteria(3.0, 3.0), GammaCriteria(2.0, 2.0)):
        res = gamma_index(ref, ev, (x, y, z), c)
        dd = c.dose_percent / 100.0 * ref.max()
        a, b = g / dd, 1.0 / c.distance_mm
        expected = s * a * b / math.sqrt(a * a + b * b)
        inner = res.gamma[2:-2, 2:-2, 5:-5]
        assert np.nanmax(np.abs(inner - expected)) < 0.01 * expected + 0.003, (c.label, expected)
        assert res.evaluated == ref.size  # 10 + 0.5 x >= 10 % of 35 Gy everywhere
    # a shift much larger than the DTA fails everywhere (small grid: every point searches 6 mm)
    x, y, z = axes((21, 3, 3))
    ref = np.broadcast_to(10.0 + g * x, (3, 3, 21)).copy()
    far = np.broadcast_to(10.0 + g * (x - 12.0), ref.shape).copy()
    res = gamma_index(ref, far, (x, y, z), GammaCriteria(3.0, 3.0))
    assert res.passed == 0 and np.nanmin(res.gamma) > 1.0


def test_uniform_scaling_low_dose_cutoff_and_outside():
    x, y, z = axes((21, 21, 21))
    ref = np.zeros((21, 21, 21))
    ref[5:16, 5:16, 5:16] = 50.0
    ref[0, 0, 0] = 4.9  # below the 10 % cut-off (5 Gy): not evaluated
    ev = ref * 1.01
    ev[:, :, 19:] = np.nan  # the evaluated dose does not cover the last columns
    res = gamma_index(ref, ev, (x, y, z), GammaCriteria(3.0, 3.0))
    assert res.cutoff_gy == pytest.approx(5.0)
    assert np.isnan(res.gamma[0, 0, 0])
    core = res.gamma[7:14, 7:14, 7:14]
    np.testing.assert_allclose(core, 0.5 / 1.5, atol=1e-9)  # 0.5 Gy / (3 % of 50 Gy)
    assert res.evaluated == 11 ** 3 and res.passed == 11 ** 3 and res.outside_evaluated == 0
    ref2 = ref.copy()
    ref2[:, :, 19:] = 30.0
    res = gamma_index(ref2, ev, (x, y, z), GammaCriteria(3.0, 3.0))
    assert res.outside_evaluated == 21 * 21 * 2 and res.evaluated == 11 ** 3
    with pytest.raises(ValueError, match="not on one grid"):
        gamma_index(ref, ev[1:], (x, y, z))


def test_agrees_with_pymedphys_on_the_reference_pair():
    ref_data = json.loads(REFERENCE.read_text())
    grid, ref, ev = gamma_pair()
    assert ref.shape == tuple(ref_data["shape"]) and abs(float(ref.max()) - ref_data["reference_max_gy"]) < 1e-9
    for entry in ref_data["criteria"]:
        c = GammaCriteria(entry["dose_percent"], entry["distance_mm"], entry["cutoff_percent"], entry["max_gamma"])
        ours = gamma_index(ref, ev, grid, c)
        assert ours.evaluated == entry["evaluated_points"]
        assert abs(ours.pass_rate_percent - entry["pass_rate_percent"]) <= 0.1, (c.label, ours.pass_rate_percent)
        index = np.array(entry["sample_index"])
        theirs = np.array(entry["sample_gamma"])
        mine = ours.gamma.reshape(-1)[index]
        diff = np.abs(mine - theirs)
        near_pass = (theirs >= 0.5) & (theirs <= 1.0)  # where the pass/fail decision is made
        assert near_pass.sum() > 300 and diff[near_pass].max() <= 0.02, c.label
        assert diff.mean() <= 0.01 and diff.max() <= 0.12, c.label
