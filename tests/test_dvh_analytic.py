"""DVH engine against closed-form DVHs of contour stacks (spheres, cylinders, cones, shells)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtreview.core.dvh import DvhOptions, compute_dvh, stack_volume_cc
from dvh_analytic import LinearDose, cone, cylinder, shell, sphere

# (label, stack factory, contour spacing mm, dose grid mm, gradient)
CASES = [
    ("sphere r15 y", lambda s: sphere(15.0, s), 1.0, 2.0, "y"),
    ("sphere r15 z", lambda s: sphere(15.0, s), 2.0, 3.0, "z"),
    ("sphere r6 y", lambda s: sphere(6.0, s), 2.0, 1.0, "y"),
    ("sphere r6 z", lambda s: sphere(6.0, s), 3.0, 3.0, "z"),
    ("cylinder y", lambda s: cylinder(10.0, 30.0, s), 3.0, 2.5, "y"),
    ("cylinder z", lambda s: cylinder(10.0, 30.0, s), 1.0, 1.0, "z"),
    ("cone y", lambda s: cone(12.0, 24.0, s), 2.0, 3.0, "y"),
    ("cone z", lambda s: cone(12.0, 24.0, s), 3.0, 2.0, "z"),
    ("shell y", lambda s: shell(15.0, 8.0, 20.0, s), 2.0, 2.0, "y"),
    ("shell+island z", lambda s: shell(15.0, 8.0, 20.0, s, island=4.0), 2.5, 2.0, "z"),
]

# Tolerances: D-values within 1.5 % or 0.05 Gy of the closed form (the Nelms criterion is 3 %).
REL, ABS_GY = 0.015, 0.05


def _dose(gradient: str) -> LinearDose:
    return LinearDose(40.0, gy=1.0) if gradient == "y" else LinearDose(40.0, gz=-1.0)


def _check(label, calc, truth, rel=REL, abs_gy=ABS_GY):
    assert abs(calc - truth) <= max(rel * abs(truth), abs_gy), f"{label}: {calc:.4f} vs analytic {truth:.4f}"


@pytest.mark.parametrize("label,make,spacing,grid_mm,gradient", CASES, ids=[c[0] for c in CASES])
def test_against_closed_form(label, make, spacing, grid_mm, gradient):
    stack = make(spacing)
    field = _dose(gradient)
    dose = field.grid(grid_mm, (-30.0, 30.0), (-30.0, 30.0), origin_shift=0.37)
    dvh = compute_dvh(stack.roi(), dose)

    exact_cc = stack.volume_cc()
    assert dvh.volume_cc == pytest.approx(stack.polygon_volume_cc(), rel=5e-3)
    assert dvh.volume_cc == pytest.approx(exact_cc, rel=5e-3)
    assert dvh.covered_volume_cc == pytest.approx(dvh.volume_cc, rel=1e-9)
    assert stack_volume_cc(stack.roi()) == pytest.approx(stack.polygon_volume_cc(), rel=1e-9)

    dmin, dmax = field.extremes(stack)
    _check(f"{label} Dmin", dvh.min_gy, dmin, rel=0.002, abs_gy=0.01)
    _check(f"{label} Dmax", dvh.max_gy, dmax, rel=0.002, abs_gy=0.01)
    _, cy, cz = stack.centroid()
    _check(f"{label} Dmean", dvh.mean_gy, field.a + field.gy * cy + field.gz * cz, rel=0.002, abs_gy=0.01)

    for pct in (99, 98, 95, 50, 5, 2, 1):
        truth = field.dose_at_volume(stack, pct / 100 * exact_cc, dmin, dmax)
        _check(f"{label} D{pct}", dvh.d_pct(pct), truth)
        _check(f"{label} D{pct} (curve)", dvh.d_pct_curve(pct), truth)
    for cc in (0.03, 0.5):
        truth = field.dose_at_volume(stack, cc, dmin, dmax)
        _check(f"{label} D{cc}cc", dvh.d_cc(cc), truth)
    for level in (0.25, 0.5, 0.75):
        d = dmin + level * (dmax - dmin)
        assert dvh.v_gy(d) == pytest.approx(field.volume_at_least(stack, d), rel=0.01, abs=2e-3 * exact_cc)
    # The curve is consistent: starts at the covered volume, ends at 0, never increases.
    assert dvh.cumulative_cc[0] == pytest.approx(dvh.covered_volume_cc)
    assert dvh.cumulative_cc[-1] == 0.0
    assert np.all(np.diff(dvh.cumulative_cc) <= 1e-12)
    assert dvh.differential_cc.sum() == pytest.approx(dvh.covered_volume_cc)


@pytest.mark.parametrize("r", [2.0, 3.5, 8.0])
@pytest.mark.parametrize("spacing", [1.0, 2.0, 3.0])
def test_small_structure_volume_is_exact(r, spacing):
    """Small spheres keep their contour-stack volume (no staircase / voxel counting)."""
    stack = sphere(r, spacing, centre=(0.3, -0.2, 0.0))
    if not stack.planes:
        pytest.skip("no plane")
    dose = LinearDose(10.0, gy=0.5).grid(3.0, (-20.0, 20.0), (-20.0, 20.0))
    # A one-plane ROI cannot tell its contour spacing: give it (else the dose grid's is used).
    dvh = compute_dvh(stack.roi(), dose, DvhOptions(slice_thickness_mm=spacing))
    assert dvh.volume_cc == pytest.approx(stack.polygon_volume_cc(), rel=5e-3)


def test_no_end_caps_option():
    stack = cylinder(10.0, 30.0, 2.0)
    dose = LinearDose(40.0, gz=-1.0).grid(2.0, (-20.0, 20.0), (-30.0, 30.0))
    dvh = compute_dvh(stack.roi(), dose, DvhOptions(end_caps="none"))
    assert dvh.volume_cc == pytest.approx(math.pi * 100 * 30 / 1000, rel=5e-3)
    assert dvh.max_gy == pytest.approx(40.0 + 15.0, abs=1e-3)
    assert dvh.min_gy == pytest.approx(40.0 - 15.0, abs=1e-3)


def test_even_odd_hole_and_island_volumes():
    ring = shell(15.0, 8.0, 20.0, 2.0)
    with_island = shell(15.0, 8.0, 20.0, 2.0, island=4.0)
    dose = LinearDose(5.0).grid(2.0, (-20.0, 20.0), (-20.0, 20.0))
    v_ring = compute_dvh(ring.roi(), dose).volume_cc
    v_island = compute_dvh(with_island.roi(), dose).volume_cc
    assert v_ring == pytest.approx(math.pi * (15 ** 2 - 8 ** 2) * 22 / 1000, rel=1e-3)
    assert v_island - v_ring == pytest.approx(math.pi * 16 * 22 / 1000, rel=2e-3)


def test_partial_coverage_is_reported_not_dropped():
    """A dose grid covering only z >= 0 of a cylinder: the rest is uncovered, flagged, not zero dose."""
    stack = cylinder(10.0, 40.0, 2.0)  # planes -20..20, slabs -21..21
    field = LinearDose(30.0, gz=0.5)
    dose = field.grid(2.0, (-20.0, 20.0), (0.0, 30.0))
    dvh = compute_dvh(stack.roi(), dose)
    area = stack.disc_area(0.0)
    assert dvh.volume_cc == pytest.approx(area * 42 / 1000, rel=5e-3)
    assert dvh.covered_volume_cc == pytest.approx(area * 21 / 1000, rel=5e-3)
    assert any("outside the dose grid" in n for n in dvh.notes)
    assert dvh.min_gy == pytest.approx(30.0, abs=1e-3)  # not 0: uncovered samples get no dose
    assert dvh.mean_gy == pytest.approx(30.0 + 0.5 * 10.5, abs=0.02)
    assert dvh.cumulative_cc[0] == pytest.approx(dvh.covered_volume_cc)
    assert dvh.v_gy(0.0, relative=True) == pytest.approx(100.0)


def test_bin_width_and_relative_units():
    stack = cylinder(10.0, 20.0, 2.0)
    dose = LinearDose(40.0, gz=-1.0).grid(2.0, (-20.0, 20.0), (-20.0, 20.0))
    dvh = compute_dvh(stack.roi(), dose, DvhOptions(bin_width_gy=0.1), prescription_gy=40.0)
    assert dvh.bin_width_gy == 0.1
    assert np.allclose(np.diff(dvh.dose_gy), 0.1)
    assert dvh.dose_gy[0] == 0.0
    assert dvh.cumulative_pct()[0] == pytest.approx(100.0)
    assert dvh.dose_pct()[10] == pytest.approx(2.5)
    # V100% of a field symmetric about the prescription: half the volume.
    assert dvh.v_pct_rx(100.0, relative=True) == pytest.approx(50.0, abs=0.5)
    # Small doses get finer default bins.
    low = compute_dvh(stack.roi(), LinearDose(0.5, gz=-0.01).grid(2.0, (-20.0, 20.0), (-20.0, 20.0)))
    assert low.bin_width_gy <= 0.0005


def test_non_uniform_frame_spacing():
    """Dose frames 1 mm apart below z = 0 and 3 mm above: trilinear stays exact for a linear field."""
    from rtreview.core.dicom.dose_grid import DoseGrid
    stack = cylinder(10.0, 30.0, 2.0)  # slabs -16..16
    x = np.arange(-14.0, 14.1, 2.0)
    z = np.concatenate((np.arange(-20.0, 0.0, 1.0), np.arange(0.0, 21.0, 3.0)))
    zz, yy, _ = np.meshgrid(z, x, x, indexing="ij")
    grid = DoseGrid("2.25.3", "nonuniform", (30.0 + 0.5 * zz).astype(np.float32), x, x.copy(), z)
    dvh = compute_dvh(stack.roi(), grid)
    field = LinearDose(30.0, gz=0.5)
    dmin, dmax = field.extremes(stack)
    assert (dvh.min_gy, dvh.max_gy) == pytest.approx((dmin, dmax), abs=1e-3)
    assert dvh.mean_gy == pytest.approx(30.0, abs=0.01)
    for pct in (98, 50, 2):
        _check(f"D{pct}", dvh.d_pct(pct), field.dose_at_volume(stack, pct / 100 * stack.volume_cc(), dmin, dmax))


def test_partial_coverage_in_plane():
    """A dose grid ending at y = 4 mm cuts a disc of radius 10: the covered part is the disc minus
    the circular segment above y = 4, exactly."""
    from rtreview.core.dicom.dose_grid import DoseGrid
    from dvh_analytic import Disc, segment_area
    stack = cylinder(10.0, 20.0, 2.0)
    x, y, z = np.arange(-20.0, 20.1, 2.0), np.arange(-20.0, 4.1, 2.0), np.arange(-15.0, 15.1, 2.0)
    zz, yy, _ = np.meshgrid(z, y, x, indexing="ij")
    dose = DoseGrid("2.25.4", "cut", (20.0 - 0.5 * yy).astype(np.float32), x, y, z)
    assert dose.y_mm[-1] == 4.0
    dvh = compute_dvh(stack.roi(), dose)
    cut = segment_area(Disc(0.0, 0.0, 10.0), 0.0, 1.0, 4.0)  # area of the disc with y >= 4
    length = 22.0
    assert dvh.volume_cc == pytest.approx(stack.volume_cc(), rel=5e-3)
    assert dvh.covered_volume_cc == pytest.approx((math.pi * 100 - cut) * length / 1000, rel=5e-3)
    assert dvh.min_gy == pytest.approx(20.0 - 0.5 * 4.0, abs=0.01)  # the grid's edge, not 0
    assert any("outside the dose grid" in n for n in dvh.notes)


def test_gap_between_planes_splits_the_roi_into_pieces():
    """Two cylinders 3 mm-contoured, 30 mm apart in one ROI: each piece gets its own end caps;
    the gap is not filled."""
    from dvh_analytic import Stack
    a = cylinder(6.0, 12.0, 3.0, centre=(0.0, 0.0, -20.0))
    b = cylinder(6.0, 12.0, 3.0, centre=(0.0, 0.0, 20.0))
    both = Stack({**a.planes, **b.planes}, 3.0)
    dose = LinearDose(10.0, gz=0.1).grid(2.0, (-10.0, 10.0), (-35.0, 35.0))
    dvh = compute_dvh(both.roi(), dose)
    piece = math.pi * 36 * (12 + 3) / 1000
    assert dvh.volume_cc == pytest.approx(2 * piece, rel=5e-3)
    assert dvh.v_gy(10.0) == pytest.approx(piece, rel=5e-3)  # nothing between z = -12.5 and 12.5
    assert dvh.min_gy == pytest.approx(10.0 - 0.1 * 27.5, abs=1e-3)
