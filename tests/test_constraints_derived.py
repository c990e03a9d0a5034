"""Derived structures: boolean operations on rasterized ROIs against analytic volumes."""
import math

import numpy as np
import pytest

from rtreview.core.constraints.derived import derived_dvh
from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dicom.structure_set import Roi
from rtreview.core.dvh import Dvh, DvhError, DvhOptions, compute_dvh, stack_volume_cc

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


# --- the engine's geometry rules (clipped to the dose grid, FrameBlock doses) ------------------

EMPTY = Roi(number=9, name="EMPTY", type="ORGAN")
SMALL = dose_grid(lambda x, y, z: 20.0 + 0.1 * x + 0.05 * z, half_mm=20.0)  # hull: a 40 mm cube
BOX_MM = 20.0 + 1e-4  # the covered box's half-width (the engine's 1e-4 mm tolerance)


def _clip_convex(poly, lo, hi):
    """Sutherland-Hodgman: a convex polygon clipped to the square [lo, hi]²."""
    pts = [tuple(p) for p in poly]
    for axis in (0, 1):
        for bound, keep in ((lo, lambda c: c >= lo), (hi, lambda c: c <= hi)):
            out = []
            for k, p in enumerate(pts):
                q = pts[k - 1]
                if keep(p[axis]) != keep(q[axis]):
                    t = (bound - q[axis]) / (p[axis] - q[axis])
                    out.append(tuple(q[i] + t * (p[i] - q[i]) for i in (0, 1)))
                if keep(p[axis]):
                    out.append(p)
            pts = out
            if not pts:
                return 0.0
    xy = np.array(pts)
    return 0.5 * abs(np.dot(xy[:, 0], np.roll(xy[:, 1], -1)) - np.dot(np.roll(xy[:, 0], -1), xy[:, 1]))


def _covered_stack_cc(roi, half_mm):
    """Independent exact covered volume of a stack of convex one-contour planes (1 mm slabs, end caps)
    inside the cube [-half, half]³."""
    total = 0.0
    for z, (poly,) in roi.planes.items():
        thick = max(min(z + 0.5, half_mm) - max(z - 0.5, -half_mm), 0.0)
        total += _clip_convex(poly, -half_mm, half_mm) * thick
    return total / 1000


def test_partly_outside_the_dose_grid_gives_the_exact_covered_volume():
    outer, inner = sphere(1, "LIVER", 30.0), sphere(2, "GTV", 10.0)
    dvh = derived_dvh("subtraction", [outer, inner], SMALL)
    covered = _covered_stack_cc(outer, BOX_MM) - stack_volume_cc(inner)
    assert covered == pytest.approx(59.0, abs=0.5)  # the cube (64 cc) within the r 30 ball, minus the r 10 ball
    assert dvh.covered_volume_cc == pytest.approx(covered, rel=1e-9)
    assert dvh.covered_volume_cc == pytest.approx(compute_dvh(outer, SMALL).covered_volume_cc
                                                  - compute_dvh(inner, SMALL).covered_volume_cc, rel=1e-9)
    assert dvh.volume_cc == pytest.approx(stack_volume_cc(outer) - stack_volume_cc(inner), rel=1e-9)
    assert any("outside the dose grid" in n for n in dvh.notes)
    # linear dose over a covered part symmetric about the centre: the mean is the centre's dose
    assert dvh.mean_gy == pytest.approx(20.0, abs=0.01)
    assert dvh.max_gy <= float(SMALL.dose_gy.max()) + 1e-6 and dvh.min_gy >= float(SMALL.dose_gy.min()) - 1e-6


def test_a_derived_structure_far_larger_than_the_grid_is_sampled_on_its_covered_part():
    t = np.array([[-2000.0, -2000.0], [2000.0, -2000.0], [2000.0, 2000.0], [-2000.0, 2000.0]])
    huge = Roi(number=3, name="HUGE", type="ORGAN", planes={float(z): [t] for z in np.arange(-2000.0, 2001.0, 5.0)})
    inner = sphere(2, "GTV", 10.0)
    dvh = derived_dvh("subtraction", [huge, inner], SMALL, options=DvhOptions(keep_samples=True))
    assert dvh.covered_volume_cc == pytest.approx((2 * BOX_MM) ** 3 / 1000 - stack_volume_cc(inner), rel=1e-9)
    assert dvh.volume_cc == pytest.approx(4000 * 4000 * 4005 / 1000 - stack_volume_cc(inner), rel=1e-9)
    assert dvh.mean_gy == pytest.approx(20.0, abs=1e-3)
    assert dvh.max_gy <= float(SMALL.dose_gy.max()) + 1e-6
    # as finely as the engine samples the cube itself (not on cells sized for 4 m) ...
    cube = compute_dvh(huge, SMALL, DvhOptions(keep_samples=True))
    assert dvh.sample_dose_gy.size > 0.9 * cube.sample_dose_gy.size
    # ... and the DVH is right: Monte Carlo over the cube minus the GTV's contour stack
    rng = np.random.default_rng(7)
    x, y, z = rng.uniform(-20.0, 20.0, (3, 2_000_000))
    r_plane = np.sqrt(np.clip(100.0 - (np.floor(z) + 0.5) ** 2, 0.0, None))
    keep = x * x + y * y >= r_plane * r_plane
    mc = np.sort((20.0 + 0.1 * x + 0.05 * z)[keep])
    for pct in (95, 50, 5):
        assert dvh.d_pct(pct) == pytest.approx(mc[int((1 - pct / 100) * mc.size)], abs=0.01)
    same = derived_dvh("union", [huge, EMPTY], SMALL)
    assert same.d_pct(95) == pytest.approx(cube.d_pct(95), rel=1e-6)
    assert same.volume_cc == pytest.approx(cube.volume_cc, rel=1e-9)


@pytest.mark.parametrize("dose", [LINEAR, SMALL], ids=["inside", "partly outside"])
def test_union_with_an_empty_structure_is_the_engines_dvh(dose):
    a = sphere(1, "A", 25.0)
    ours, engine = derived_dvh("union", [a, EMPTY], dose), compute_dvh(a, dose)
    assert ours.volume_cc == pytest.approx(engine.volume_cc, rel=1e-6)
    assert ours.covered_volume_cc == pytest.approx(engine.covered_volume_cc, rel=1e-6)
    for q in (ours.mean_gy, ours.d_pct(95), ours.d_pct(50), ours.d_pct(5), ours.min_gy, ours.max_gy):
        assert np.isfinite(q)
    assert ours.mean_gy == pytest.approx(engine.mean_gy, rel=1e-6)
    assert ours.d_pct(95) == pytest.approx(engine.d_pct(95), rel=1e-6)
    assert ours.d_pct(5) == pytest.approx(engine.d_pct(5), rel=1e-6)
    assert ours.min_gy == pytest.approx(engine.min_gy, rel=1e-6)
    assert ours.max_gy == pytest.approx(engine.max_gy, rel=1e-6)
    assert ours.type == "DERIVED" and ours.notes[0].startswith("derived structure")
    assert ours.notes[1:] == engine.notes
    # also when the empty operand comes first, and for the trivial union A ∪ A
    assert derived_dvh("union", [EMPTY, a], dose).mean_gy == pytest.approx(engine.mean_gy, rel=1e-6)
    assert derived_dvh("union", [a, a], dose).d_pct(95) == pytest.approx(engine.d_pct(95), rel=1e-6)
    # A − ∅ likewise
    assert derived_dvh("subtraction", [a, EMPTY], dose).d_pct(95) == pytest.approx(engine.d_pct(95), rel=1e-6)


def test_operands_without_contours():
    with pytest.raises(DvhError):
        derived_dvh("union", [EMPTY, EMPTY], LINEAR)
    with pytest.raises(DvhError):
        derived_dvh("intersection", [sphere(1, "A", 10.0), EMPTY], LINEAR)
    with pytest.raises(DvhError):
        derived_dvh("subtraction", [EMPTY, sphere(1, "A", 10.0)], LINEAR)
