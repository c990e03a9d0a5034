"""DVH engine API: all-structure computation, progress, cancellation, skipped ROIs, radiobiology,
plan indices, JSON entry. Analytic values only."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtreview.core.dicom.structure_set import Roi
from rtreview.core.dvh import DvhCancelled, DvhError, compute_dvh, compute_dvhs, iter_dvhs, skip_reason
from rtreview.core.dvh.metrics import find_body, gradient_index, grid_isodose_volume_cc, paddick_ci, rtog_ci
from rtreview.core.dvh.radiobiology import (bed_gy, converted_dvh, default_alpha_beta, eqd2_gy,
                                       physical_from_eqd2_gy)
from dvh_analytic import LinearDose, cylinder, sphere, structure_set


def _plan():
    body = cylinder(40.0, 90.0, 3.0).roi(1, "BODY", "EXTERNAL")
    ptv = sphere(10.0, 3.0).roi(2, "PTV", "PTV")
    oar = cylinder(5.0, 30.0, 3.0).roi(3, "Cord", "ORGAN")
    point = Roi(number=4, name="POI", type="MARKER", points_mm=[(0.0, 0.0, 0.0)])
    empty = Roi(number=5, name="Empty")
    return structure_set(body, ptv, oar, point, empty)


def test_compute_dvhs_progress_and_skipped():
    ss = _plan()
    dose = LinearDose(30.0, gz=0.2).grid(3.0, (-45.0, 45.0), (-50.0, 50.0))
    calls = []
    dvhs = compute_dvhs(ss, dose, progress=lambda done, total, name: calls.append((done, total, name)))
    assert sorted(dvhs) == [1, 2, 3]
    assert dvhs.skipped == {5: "no contours"}  # the POINT ROI is no failure: its dose is in .points
    # LinearDose(30, gz=0.2) at the origin: 30 Gy, exactly (trilinear reproduces a linear dose).
    assert [(p.position_mm, p.dose_gy) for p in dvhs.points[4]] == [((0.0, 0.0, 0.0), pytest.approx(30.0))]
    assert calls == [(1, 5, "BODY"), (2, 5, "PTV"), (3, 5, "Cord"), (4, 5, "POI"), (5, 5, "Empty")]
    assert dvhs[2].name == "PTV" and dvhs[2].type == "PTV" and dvhs[2].roi_number == 2
    with pytest.raises(DvhError):
        compute_dvh(ss.rois[3], dose)


def test_iter_dvhs_and_cancel():
    ss = _plan()
    dose = LinearDose(30.0).grid(3.0, (-45.0, 45.0), (-50.0, 50.0))
    seen = [(i, n, roi.number, d is None) for i, n, roi, d in iter_dvhs(ss, dose)]
    assert seen == [(0, 5, 1, False), (1, 5, 2, False), (2, 5, 3, False), (3, 5, 4, True), (4, 5, 5, True)]
    polls = []

    def cancel():
        polls.append(1)
        return len(polls) > 2  # cancel before the third structure

    done = []
    with pytest.raises(DvhCancelled):
        compute_dvhs(ss, dose, progress=lambda d, t, n: done.append(n), cancel=cancel)
    assert done == ["BODY", "PTV"]


@pytest.mark.parametrize("total,fractions,ab,eqd2", [
    (50.0, 25, 10.0, 50.0), (50.0, 25, 3.0, 50.0), (30.0, 10, 10.0, 32.5), (30.0, 10, 3.0, 36.0),
])
def test_eqd2_known_values(total, fractions, ab, eqd2):
    assert eqd2_gy(total, fractions, ab) == pytest.approx(eqd2)
    assert bed_gy(total, fractions, ab) == pytest.approx(eqd2 * (1 + 2 / ab))
    assert physical_from_eqd2_gy(eqd2, fractions, ab) == pytest.approx(total)


def test_eqd2_of_a_dvh_is_per_voxel():
    """A cylinder in a z gradient 20..40 Gy, 10 fractions: per-voxel EQD2, not EQD2 of the mean."""
    stack = cylinder(8.0, 20.0, 1.0)  # slabs -10.5..10.5
    dose = LinearDose(30.0, gz=1.0).grid(1.0, (-12.0, 12.0), (-15.0, 15.0))
    dvh = compute_dvh(stack.roi(1, "Rectum", "ORGAN"), dose)
    assert default_alpha_beta(dvh) == 3.0
    eq = converted_dvh(dvh, 10)  # alpha/beta 3 for an organ
    # Uniform D on [19.5, 40.5]: mean of D(1 + D/30)/(5/3) = (E[D] + E[D²]/30) * 0.6.
    a, b = 19.5, 40.5
    mean_d, mean_d2 = (a + b) / 2, (a * a + a * b + b * b) / 3
    assert eq.mean_gy == pytest.approx((mean_d + mean_d2 / 30) * 0.6, rel=2e-3)
    assert eq.max_gy == pytest.approx(eqd2_gy(40.5, 10, 3.0), rel=1e-3)
    assert eq.volume_cc == dvh.volume_cc
    assert eq.d_pct(50) == pytest.approx(eqd2_gy(30.0, 10, 3.0), rel=2e-3)
    assert default_alpha_beta(Roi(number=1, name="GTV_x", type="")) == 10.0


def test_paddick_and_gradient_index_closed_form():
    """Dose = z Gy along z; target cylinder r 10 on z 0..40, body cylinder r 30 on z -50..50."""
    target = cylinder(10.0, 40.0, 2.0, centre=(0.0, 0.0, 20.0))  # slabs -1..41
    body = cylinder(30.0, 100.0, 2.0)  # slabs -51..51
    dose = LinearDose(0.0, gz=1.0).grid(2.0, (-35.0, 35.0), (-55.0, 55.0))
    dvhs = compute_dvhs(structure_set(body.roi(1, "BODY", "EXTERNAL"), target.roi(2, "PTV", "PTV")), dose)
    b, t = find_body(dvhs), dvhs[2]
    assert b is dvhs[1]
    rx = 30.0
    a_t, a_b = t.volume_cc / 42.0, b.volume_cc / 102.0  # area x 1 mm (cc per mm)
    tv_piv, piv = a_t * (41 - rx), a_b * (51 - rx)
    assert paddick_ci(t, rx, b) == pytest.approx(tv_piv ** 2 / (t.volume_cc * piv), rel=5e-3)
    assert gradient_index(rx, b) == pytest.approx((51 - 15) / (51 - 30), rel=5e-3)
    assert rtog_ci(t, rx, b) == pytest.approx(piv / t.volume_cc, rel=5e-3)
    # Without a body: the whole dose grid's isodose volume (voxel counting).
    grid_piv = grid_isodose_volume_cc(dose, rx)
    n_xy = dose.x_mm.size * dose.y_mm.size
    n_frames = int(np.count_nonzero(dose.z_mm >= rx))  # dose = z
    assert grid_piv == pytest.approx(n_xy * 4.0 * n_frames * 2.0 / 1000, rel=1e-9)
    assert paddick_ci(t, rx, None, dose) == pytest.approx(tv_piv ** 2 / (t.volume_cc * grid_piv), rel=5e-3)


def test_homogeneity_index_uniform_gradient():
    stack = cylinder(8.0, 20.0, 1.0)
    dvh = compute_dvh(stack.roi(), LinearDose(50.0, gz=0.5).grid(1.0, (-12.0, 12.0), (-15.0, 15.0)))
    lo, hi = 50 - 0.5 * 10.5, 50 + 0.5 * 10.5
    d2, d98, d50 = hi - 0.02 * (hi - lo), lo + 0.02 * (hi - lo), 50.0
    assert dvh.homogeneity_index() == pytest.approx((d2 - d98) / d50, rel=5e-3)


def test_to_json_entry():
    stack = sphere(10.0, 2.0)
    dvh = compute_dvh(stack.roi(7, "Lens", "ORGAN"), LinearDose(5.0, gy=0.1).grid(2.0, (-15.0, 15.0), (-15.0, 15.0)))
    entry = dvh.to_json()
    for key in ("name", "roi_number", "type", "volume_cc", "covered_volume_cc", "min_gy", "mean_gy", "max_gy",
                "d98_gy", "d95_gy", "d50_gy", "d2_gy", "d2cc_gy", "d0_03cc_gy", "hi", "cumulative"):
        assert key in entry
    assert entry["roi_number"] == 7 and entry["name"] == "Lens"
    assert entry["cumulative"]["dose_gy"][0] == 0.0
    assert entry["cumulative"]["volume_cc"][0] == pytest.approx(dvh.covered_volume_cc, rel=1e-6)
    assert len(entry["cumulative"]["dose_gy"]) == len(entry["cumulative"]["volume_cc"])
    assert entry["d2cc_gy"] == pytest.approx(dvh.d_cc(2.0), abs=1e-6)
    # Undefined metrics are null, never NaN (JSON has no NaN).
    tiny = compute_dvh(sphere(3.0, 1.0).roi(), LinearDose(5.0).grid(2.0, (-10.0, 10.0), (-10.0, 10.0)))
    assert tiny.to_json()["d2cc_gy"] is None and math.isnan(tiny.d_cc(2.0))


def test_dvh_arrays_are_read_only():
    dvh = compute_dvh(sphere(5.0, 2.0).roi(), LinearDose(5.0).grid(2.0, (-10.0, 10.0), (-10.0, 10.0)))
    with pytest.raises(ValueError):
        dvh.cumulative_cc[0] = 1.0
    assert np.all(dvh.differential_cc >= 0)


def test_degenerate_contours():
    """Collinear points enclose nothing; a figure-eight counts both lobes; 2-point 'polygons' are
    ignored; a closing point repeating the first changes nothing."""
    dose = LinearDose(10.0).grid(1.0, (-20.0, 20.0), (-10.0, 10.0))
    line = np.array([[0.0, 0.0], [5.0, 0.0], [10.0, 0.0]])
    flat = Roi(number=1, name="line", planes={0.0: [line], 1.0: [line]})
    assert skip_reason(flat) == "the contours enclose no area (each is a line or a point): no volume"
    with pytest.raises(DvhError, match="enclose no area"):
        compute_dvh(flat, dose)
    bowtie = np.array([[0.0, 0.0], [10.0, 10.0], [10.0, 0.0], [0.0, 10.0]])
    eight = compute_dvh(Roi(number=2, name="eight", planes={0.0: [bowtie], 1.0: [bowtie]}), dose)
    assert eight.volume_cc == pytest.approx(50.0 * 2.0 / 1000, rel=0.01)  # two 25 mm² lobes x 2 mm of slabs
    square = np.array([[-5.0, -5.0], [5.0, -5.0], [5.0, 5.0], [-5.0, 5.0]])
    closed = np.vstack([square, square[:1]])
    a = compute_dvh(Roi(number=3, name="a", planes={0.0: [square], 2.0: [square, square[:2]]}), dose)
    b = compute_dvh(Roi(number=4, name="b", planes={0.0: [closed], 2.0: [closed]}), dose)
    assert a.volume_cc == pytest.approx(b.volume_cc, rel=1e-9)
    assert a.volume_cc == pytest.approx(100.0 * 4.0 / 1000, rel=1e-6)


def test_bin_width_is_bounded():
    from rtreview.core.dvh import histogram
    assert histogram.choose_bin_width(70.0) == 0.01 and histogram.choose_bin_width(5.0) == 0.005
    assert histogram.choose_bin_width(70.0, 0.1) == 0.1
    assert histogram.choose_bin_width(999.0) == 0.01  # 99,900 bins: still within the bound
    for max_gy, requested in ((2_000.0, None), (20_000.0, None), (9.35e6, 0.001), (1e9, None)):
        width = histogram.choose_bin_width(max_gy, requested)
        assert max_gy / width + 2 <= histogram.MAX_BINS
        assert histogram.widened_note(max_gy, requested, width)
        assert width / 10 ** math.floor(math.log10(width) + 1e-9) in (1.0, 2.0, 5.0)
    assert histogram.widened_note(70.0, None, 0.01) is None
