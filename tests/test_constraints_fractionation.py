"""EQD2 / BED conversions against hand-computed values, and the inverse (limit) conversion."""
import numpy as np
import pytest

from rtreview.core.constraints.fractionation import bed_gy, convert_total_gy, eqd2_gy, physical_from_eqd2_gy


def test_eqd2_hand_computed():
    assert eqd2_gy(50.0, 25, 3.0) == pytest.approx(50.0)      # 2 Gy per fraction is its own EQD2
    assert eqd2_gy(50.0, 25, 10.0) == pytest.approx(50.0)
    assert eqd2_gy(30.0, 10, 10.0) == pytest.approx(32.5)     # 30 * (3 + 10) / 12
    assert eqd2_gy(30.0, 10, 3.0) == pytest.approx(36.0)      # 30 * (3 + 3) / 5
    assert bed_gy(30.0, 10, 10.0) == pytest.approx(39.0)      # 30 * (1 + 3/10)


def test_physical_from_eqd2_solves_the_quadratic():
    # D (1 + D/n/ab) / (1 + 2/ab) = EQD2 limit, by hand: 45 Gy EQD2, ab 3, n 10:
    # D^2 + 30 D - 2250 = 0 -> D = (-30 + sqrt(900 + 9000)) / 2
    expected = (-30 + np.sqrt(900 + 9000)) / 2
    assert physical_from_eqd2_gy(45.0, 10, 3.0) == pytest.approx(expected)
    # 60 Gy EQD2, ab 2, 10 fx: D^2 + 20 D - 2400 = 0 -> D = 40 Gy exactly
    assert physical_from_eqd2_gy(60.0, 10, 2.0) == pytest.approx(40.0)
    assert physical_from_eqd2_gy(36.0, 10, 3.0) == pytest.approx(30.0)
    assert physical_from_eqd2_gy(32.5, 10, 10.0) == pytest.approx(30.0)
    # 28 Gy EQD2 in 25 fractions, ab 3: D^2 + 75 D - 3500 = 0 (more than 28 Gy: < 2 Gy per fraction)
    assert physical_from_eqd2_gy(28.0, 25, 3.0) == pytest.approx((-75 + np.sqrt(75**2 + 4 * 3500)) / 2)


@pytest.mark.parametrize("n", [1, 3, 5, 10, 25, 40])
@pytest.mark.parametrize("ab", [1.5, 2.0, 3.0, 10.0])
def test_round_trip(n, ab):
    for e in (0.0, 5.0, 28.0, 50.0, 120.0):
        d = physical_from_eqd2_gy(e, n, ab)
        assert d * (1 + d / n / ab) / (1 + 2 / ab) == pytest.approx(e, abs=1e-9)
        assert eqd2_gy(d, n, ab) == pytest.approx(e, abs=1e-9)


def test_arrays_and_iso_effective_conversion():
    d = np.array([0.0, 30.0, 60.0])
    np.testing.assert_allclose(eqd2_gy(d, 10, 3.0), [0.0, 36.0, 60 * (6 + 3) / 5])
    assert convert_total_gy(50.0, 25, 25, 3.0) == 50.0
    assert convert_total_gy(36.0, 18, 10, 3.0) == pytest.approx(30.0)  # 36 Gy EQD2 == 30 Gy / 10 fx


def test_invalid_inputs():
    with pytest.raises(ValueError, match="fractions"):
        eqd2_gy(10.0, 0, 3.0)
    with pytest.raises(ValueError, match="alpha/beta"):
        physical_from_eqd2_gy(10.0, 5, 0.0)
