"""round_list gives exactly Python's round(float(v), digits) (the JSON's numbers), sign of zero
included, for random values, values within one ulp of a half-way point, and non-finite ones."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtreview.core.dvh.rounding import round_list


def _same(expected: list[float], got: list[float]) -> bool:
    return len(expected) == len(got) and all(
        (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (math.isnan(a) and math.isnan(b))
        for a, b in zip(expected, got))


@pytest.mark.parametrize("digits", [0, 2, 6, 8, 12])
@pytest.mark.parametrize("magnitude", [1e-7, 1e-2, 1.0, 60.0, 3e4, 1e9, 1e16])
def test_equals_python_round(digits, magnitude):
    rng = np.random.default_rng(digits * 1000 + int(math.log10(magnitude) + 10))
    x = rng.uniform(-magnitude, magnitude, 4000)
    ties = (np.floor(x * 10.0 ** digits) + 0.5) / 10.0 ** digits  # as close to half-way as doubles get
    for values in (x, ties, np.nextafter(ties, np.inf), np.nextafter(ties, -np.inf)):
        assert _same([round(float(v), digits) for v in values], round_list(values, digits))


def test_known_half_way_cases_and_specials():
    values = np.array([2.675, 0.125, 0.375, -0.125, 1.005, -1e-12, -0.0, 0.0, np.inf, -np.inf, np.nan, 1e308] * 4)
    for digits in (2, 6):
        expected = [round(float(v), digits) for v in values]
        assert _same(expected, round_list(values, digits))
    assert round_list(values, 2)[:4] == [2.67, 0.12, 0.38, -0.12]  # binary values, half to even
