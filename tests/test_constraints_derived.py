"""Derived structures: boolean operations on rasterized ROIs against analytic volumes."""
import math

import numpy as np
import pytest

from app.core.constraints.derived import derived_dvh
from app.core.dicom.dose_grid import DoseGrid
from app.core.dicom.structure_set import Roi
from app.core.dvh import Dvh, compute_dvh, stack_volume_cc

PLANE_MM = 1.0


def sphere(number, name, radius_mm, centre=(0.0, 0.0, 0.0), plane_mm=PLANE_MM, vertices=256):
    cx, cy, cz = centre
    planes = {}
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    for z in np.arange(-radius_mm + plane_mm / 2, radius_mm, plane_mm):
        r = math.sqrt(max(radius_mm**2 - z**2, 0.0))
        planes[round(cz + z, 6)] = [np.c_[cx + r * np.cos(t), cy + r * np.sin(t)]]
    return Roi(number=number, name=name, type="ORGAN", planes=planes)


def dose_grid(field, half_mm=60.0, step_mm=2.0):
    ax = np.arange(-half_mm, half_mm + 1e-9, step_mm)
    zz, yy, xx = np.meshgrid(ax, ax, ax, indexing="ij")
    return DoseGrid(sop_instance_uid="d", path="", dose_gy=field(xx, yy, zz).astype(np.float32),
                    x_mm=ax, y_mm=ax, z_mm=ax)


def ball_cc(r_mm):
    return 4 / 3 * math.pi * r_mm**3 / 1000


LINEAR = dose_grid(lambda x, y, z: 20.0 + 0.1 * x + 0.05 * z)


def test_sphere_minus_concentric_sphere():
    outer, inner = sphere(1, "LIVER", 30.0), sphere(2, "GTV_LIVER", 15.0)
    dvh = derived_dvh("subtraction", [outer, inner], LINEAR, name="Liver-GTV")
    assert isinstance(dvh, Dvh) and dvh.name == "Liver-GTV"
    # exactly the contour stacks' difference, and close to the analytic shell volume
    assert dvh.volume_cc == pytest.approx(stack_volume_cc(outer) - stack_volume_cc(inner), rel=2e-3)
    assert dvh.volume_cc == pytest.approx(ball_cc(30) - ball_cc(15), rel=0.01)
    assert dvh.covered_volume_cc == pytest.approx(dvh.volume_cc, rel=1e-6)
    # a linear dose over a centred symmetric shell: the mean is the dose at the centre
    assert dvh.mean_gy == pytest.approx(20.0, abs=0.05)
    assert dvh.max_gy <= 20 + 30 * math.hypot(0.1, 0.05) + 0.1


def test_subtraction_with_differently_spaced_planes():
    outer, inner = sphere(1, "A", 30.0), sphere(2, "B", 15.0, plane_mm=2.5)
    dvh = derived_dvh("subtraction", [outer, inner], LINEAR)
    assert dvh.volume_cc == pytest.approx(ball_cc(30) - ball_cc(15), rel=0.015)


def test_union_and_intersection_of_two_spheres():
    r, d = 20.0, 20.0
    a, b = sphere(1, "A", r, (-d / 2, 0, 0)), sphere(2, "B", r, (d / 2, 0, 0))
    lens_cc = math.pi * (4 * r + d) * (2 * r - d) ** 2 / 12 / 1000
    inter = derived_dvh("intersection", [a, b], LINEAR)
    assert inter.volume_cc == pytest.approx(lens_cc, rel=0.02)
    union = derived_dvh("union", [a, b], LINEAR)
    assert union.volume_cc == pytest.approx(2 * ball_cc(r) - lens_cc, rel=0.01)
    apart = derived_dvh("union", [sphere(1, "A", 10, (-30, 0, 0)), sphere(2, "B", 10, (30, 0, 0))], LINEAR)
    assert apart.volume_cc == pytest.approx(2 * ball_cc(10), rel=0.01)


def test_derived_dvh_agrees_with_the_engine_for_a_trivial_union():
    a = sphere(1, "A", 25.0)
    ours = derived_dvh("union", [a, a], LINEAR)
    engine = compute_dvh(a, LINEAR)
    assert ours.volume_cc == pytest.approx(engine.volume_cc, rel=2e-3)
    assert ours.mean_gy == pytest.approx(engine.mean_gy, abs=0.05)
    assert ours.d_pct(95) == pytest.approx(engine.d_pct(95), abs=0.1)
    assert ours.v_gy(20.0, relative=True) == pytest.approx(engine.v_gy(20.0, relative=True), abs=1.0)


def test_partly_outside_the_dose_grid_is_reported():
    small = dose_grid(lambda x, y, z: 10.0 + 0 * x, half_mm=20.0)
    dvh = derived_dvh("subtraction", [sphere(1, "A", 30.0), sphere(2, "B", 10.0)], small)
    assert dvh.covered_volume_cc < dvh.volume_cc
    assert any("outside the dose grid" in n for n in dvh.notes)
    assert dvh.mean_gy == pytest.approx(10.0, abs=1e-4)
