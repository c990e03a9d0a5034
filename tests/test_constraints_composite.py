"""Multi-course composite: trilinear resampling and the voxel-wise EQD2 sum against closed forms."""
import numpy as np
import pytest

from rtreview.core.constraints.composite import Course, common_axes_mm, eqd2_sum, physical_sum, resample_gy
from rtreview.core.dicom.dose_grid import DoseGrid


def _grid(x, y, z, field, uid="1.2.3"):
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    return DoseGrid(sop_instance_uid="d", path="", dose_gy=field(xx, yy, zz).astype(np.float32),
                    x_mm=np.asarray(x, float), y_mm=np.asarray(y, float), z_mm=np.asarray(z, float),
                    frame_of_reference_uid=uid)


def f1(x, y, z):  # liver-like course: a linear field, 0..~60 Gy over the grid
    return 30.0 + 0.2 * x - 0.1 * y + 0.05 * z


def f2(x, y, z):  # second course on another grid (other spacing and origin)
    return 20.0 - 0.1 * x + 0.15 * y + 0.1 * z


G1 = _grid(np.arange(-50, 51, 2.5), np.arange(-40, 41, 2.5), np.arange(-30, 31, 3.0), f1)
G2 = _grid(np.arange(-20.3, 80, 4.0), np.arange(-30.7, 60, 3.3), np.arange(-10, 50, 5.0), f2)


def _inside(g, x, y, z):
    return ((x >= g.x_mm[0]) & (x <= g.x_mm[-1]) & (y >= g.y_mm[0]) & (y <= g.y_mm[-1])
            & (z >= g.z_mm[0]) & (z <= g.z_mm[-1]))


def test_trilinear_resampling_is_exact_for_linear_fields():
    x, y, z = np.linspace(-49, 49, 17), np.linspace(-39, 39, 13), np.linspace(-29, 29, 7)
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    np.testing.assert_allclose(resample_gy(G1, x, y, z), f1(xx, yy, zz), atol=1e-4)
    out = resample_gy(G1, np.array([60.0]), np.array([0.0]), np.array([0.0]))
    assert out[0, 0, 0] == 0.0  # outside the grid: 0 Gy


def test_common_grid_covers_both_and_keeps_the_finest_spacing():
    x, y, z = common_axes_mm([G1, G2])
    assert x[0] <= -50 and x[-1] >= G2.x_mm[-1] and z[0] <= -30 and z[-1] >= G2.z_mm[-1]
    assert np.diff(x)[0] == pytest.approx(2.5) and np.diff(z)[0] == pytest.approx(3.0)
    assert np.any(np.isclose(x, 0.0)) and np.any(np.isclose(x, -50.0))  # aligned to the finer grid


def test_eqd2_composite_equals_closed_form_sum():
    n1, n2, ab = 25, 10, 3.0
    comp = eqd2_sum([Course("LIVER", G1, n1), Course("L ILIUM", G2, n2)], ab)
    zz, yy, xx = np.meshgrid(comp.z_mm, comp.y_mm, comp.x_mm, indexing="ij")
    d1 = np.where(_inside(G1, xx, yy, zz), f1(xx, yy, zz), 0.0)
    d2 = np.where(_inside(G2, xx, yy, zz), f2(xx, yy, zz), 0.0)
    expected = d1 * (d1 / n1 + ab) / (2 + ab) + d2 * (d2 / n2 + ab) / (2 + ab)
    both = _inside(G1, xx, yy, zz) & _inside(G2, xx, yy, zz)
    assert both.sum() > 1000
    np.testing.assert_allclose(comp.dose_gy[both], expected[both], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(comp.dose_gy, expected, rtol=1e-5, atol=1e-3)
    assert comp.dose_type == "EFFECTIVE" and comp.frame_of_reference_uid == "1.2.3"
    # a point by hand: (0, 0, 0) gets 30 Gy / 25 fx and 20 Gy / 10 fx
    i, j, k = (int(np.argmin(abs(a))) for a in (comp.z_mm, comp.y_mm, comp.x_mm))
    assert comp.dose_gy[i, j, k] == pytest.approx(30 * (1.2 + 3) / 5 + 20 * (2 + 3) / 5, rel=1e-5)


def test_physical_sum_and_frame_check():
    comp = physical_sum([Course("A", G1, 25), Course("B", G2, 10)])
    zz, yy, xx = np.meshgrid(comp.z_mm, comp.y_mm, comp.x_mm, indexing="ij")
    expected = np.where(_inside(G1, xx, yy, zz), f1(xx, yy, zz), 0) + np.where(_inside(G2, xx, yy, zz), f2(xx, yy, zz), 0)
    np.testing.assert_allclose(comp.dose_gy, expected, rtol=1e-5, atol=1e-3)
    other = _grid(G2.x_mm, G2.y_mm, G2.z_mm, f2, uid="9.9.9")
    with pytest.raises(ValueError, match="frames of reference"):
        physical_sum([Course("A", G1, 25), Course("B", other, 10)])
