"""Defect 8: the composite is never below a single course. Courses are summed at the DVH engine's
sample points (each course's own samples of the structure), not on a resampled grid (issue 14)."""
import dataclasses

import numpy as np
import pytest

from verdict_support import protocol, row, sample_links

UPPER = (("Dmax", lambda d: d.max_gy), ("D0.03cc", lambda d: d.d_cc(0.03)), ("D2cc", lambda d: d.d_cc(2.0)),
         ("V10Gy_cc", lambda d: d.v_gy(10.0)), ("V1Gy_cc", lambda d: d.v_gy(1.0)))
ALL = UPPER + (("Dmean", lambda d: d.mean_gy), ("Dmin", lambda d: d.min_gy), ("D95%", lambda d: d.d_pct(95.0)),
               ("D50%", lambda d: d.d_pct(50.0)), ("V10Gy", lambda d: d.v_gy(10.0, relative=True)))
# the engine keeps its samples in float32 (a course alone's EQD2 DVH is converted from them):
# comparisons allow that rounding, 1.2e-7 relative, and float64 summation order
FLOAT_SLACK = 2e-7


@pytest.fixture(scope="module")
def composite():
    from rtreview.core.constraints.plan_check import check_composite

    return check_composite(sample_links(), [protocol("HCC liver"), protocol("Bone metastasis")], all_structures=True)


def _finite(x):
    return x is not None and np.isfinite(x)


def test_every_composite_metric_is_at_least_each_course_alone_at_the_same_points(composite):
    checked = 0
    for name, dvh in composite.dvhs.items():
        for label, alone in composite.course_dvhs[name].items():
            assert alone.covered_volume_cc == pytest.approx(dvh.covered_volume_cc, rel=1e-12)
            for metric, value in ALL:
                c, a = value(dvh), value(alone)
                if _finite(a):
                    assert c >= a - FLOAT_SLACK * max(1.0, abs(a)), (name, label, metric, c, a)
                    checked += 1
    assert checked > 100


def test_composite_upper_metrics_are_at_least_each_courses_own_dvh(composite):
    """Against each course's own engine DVH (compute_dvh on its grid, voxel-wise EQD2): the sample's
    grids do not overlap, so the composite holds each course's own samples."""
    from rtreview.core.constraints.alpha_beta import protocol_alpha_betas
    from rtreview.core.dvh import compute_dvh
    from rtreview.core.dvh.radiobiology import converted_dvh

    links = sample_links()
    ss = links[0].structure_set
    hcc, bone = protocol("HCC liver"), protocol("Bone metastasis")
    abs_ = {**protocol_alpha_betas(bone), **protocol_alpha_betas(hcc)}
    for name, roi in (("CaudaEquina", "CAUDA_EQUINA"), ("Bowel_Small", "BOWEL_SMALL"), ("SpinalCord", "SPINAL_CORD")):
        comp = composite.dvhs[name]
        for link in links:
            own = compute_dvh(ss.roi(roi), link.dose)
            if not own.covered_volume_cc > 0:
                continue
            alone = converted_dvh(own, link.plan.fractions, abs_[name].value_gy)
            for metric, value in UPPER:
                a = value(alone)
                if _finite(a):
                    assert value(comp) >= a - FLOAT_SLACK * max(1.0, abs(a)), (name, link.label, metric)


def test_issue_numbers(composite):
    """CaudaEquina D0.03cc was 1.33 Gy EQD2 on the composite, 1.36 for the LIVER course alone;
    Bowel_Small V15Gy 13.21 cc vs 13.27 cc for the L ILIUM course alone (the old EQD2 threshold)."""
    from rtreview.core.dvh import compute_dvh
    from rtreview.core.dvh.radiobiology import converted_dvh

    liver, ilium = sample_links()
    ss = liver.structure_set
    cauda_liver = converted_dvh(compute_dvh(ss.roi("CAUDA_EQUINA"), liver.dose), 25, 2.0).d_cc(0.03)
    assert cauda_liver == pytest.approx(1.356, abs=0.001)
    assert composite.dvhs["CaudaEquina"].d_cc(0.03) >= cauda_liver - 1e-9
    bowel_ilium = converted_dvh(compute_dvh(ss.roi("BOWEL_SMALL"), ilium.dose), 10, 3.0)
    for level in (10.8, 15.0):
        assert composite.dvhs["Bowel_Small"].v_gy(level) >= bowel_ilium.v_gy(level) - 1e-9
    assert row(composite, "CaudaEquina", "D0.03cc", "mandatory").value_eqd2_gy >= cauda_liver - 1e-9


def _shifted_pair(shift_mm: float):
    """Two courses on one structure set; the second's dose grid is given in a frame shifted by
    ``shift_mm`` along x (as a registered course would be)."""
    from rtreview.core.dicom.case import DoseLink
    from rtreview.core.dicom.dose_grid import DoseGrid
    from rtreview.core.dicom.plan import Plan
    from rtreview.core.dicom.structure_set import Roi, StructureSet

    cord = Roi(1, "SPINAL_CORD", (0, 255, 0), "ORGAN")
    for z in np.arange(-9.0, 9.1, 3.0):
        t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        cord.planes[float(z)] = [np.stack([4 * np.cos(t), 4 * np.sin(t)], axis=1)]
    ss = StructureSet("1.2.ssc", "/virtual/ssc.dcm", rois=[cord], patient_id="P4", frame_of_reference_uid="1.2.f")
    x = np.arange(-20.0, 20.1, 2.0)
    z = np.arange(-14.0, 14.1, 2.0)
    xx = np.broadcast_to(x, (z.size, x.size, x.size))
    links = []
    for k, (rx, n, slope, offset) in enumerate(((50.0, 25, 1.0, 0.0), (30.0, 10, -0.5, shift_mm))):
        # the same dose in the course's frame: its voxel (i, j, k) sits at x + offset there
        dose = DoseGrid(f"1.2.dc{k}", f"/virtual/dc{k}.dcm", (20.0 + slope * xx).astype(np.float32),
                        x + offset, x, z, frame_of_reference_uid="1.2.f")
        plan = Plan(f"1.2.pc{k}", f"/virtual/pc{k}.dcm", label=f"C{k}", prescription_gy=rx, fractions=n)
        links.append(DoseLink(dose, plan, ss, None))
    return links


def test_a_rigid_transform_maps_the_points_into_a_courses_frame():
    from rtreview.core.constraints.plan_check import check_composite

    hcc = protocol("HCC liver")
    plain = check_composite(_shifted_pair(0.0), [hcc, hcc])
    identity = check_composite(_shifted_pair(0.0), [hcc, hcc], transforms=[np.eye(4), np.eye(4)])
    moved = np.eye(4)
    moved[0, 3] = 7.5  # reference mm -> course mm: the second course's frame is shifted by +7.5 mm
    shifted = check_composite(_shifted_pair(7.5), [hcc, hcc], transforms=[None, moved])
    a, b, c = (row(e, "SpinalCord", "D0.03cc", "mandatory") for e in (plain, identity, shifted))
    assert a.value == pytest.approx(b.value, rel=1e-9)
    # a transformed course is sampled on a lattice of the reference frame, not on its own grid:
    # equal within the engine's sampling accuracy
    assert c.value == pytest.approx(a.value, rel=2e-3)
    assert plain.dvhs["SpinalCord"].mean_gy == pytest.approx(shifted.dvhs["SpinalCord"].mean_gy, rel=2e-3)
    unregistered = check_composite(_shifted_pair(7.5), [hcc, hcc])  # the same frame: no transform needed ...
    assert row(unregistered, "SpinalCord", "D0.03cc", "mandatory").value != pytest.approx(a.value, rel=2e-2)


def test_courses_on_different_frames_still_need_a_registration():
    from rtreview.core.constraints.plan_check import check_composite

    links = _shifted_pair(0.0)
    links[1] = dataclasses.replace(links[1], dose=dataclasses.replace(links[1].dose, frame_of_reference_uid="1.2.other"))
    ev = check_composite(links, [protocol("HCC liver")] * 2)
    assert ev.results == [] and any("needs a registration" in n for n in ev.notes)


def test_the_points_on_a_dose_grid_are_exactly_the_engines_samples():
    """roi_points(roi, dose) reproduces compute_dvh's samples, volumes and extremes bit for bit."""
    from rtreview.core.dvh import compute_dvh
    from rtreview.core.dvh.compute import make_dvh
    from rtreview.core.dvh.sample_points import roi_points
    from rtreview.core.dvh.options import DvhOptions

    checked = 0
    for link in sample_links():
        for roi in link.structure_set.rois:
            if roi.is_empty:
                continue
            dvh = compute_dvh(roi, link.dose)
            pts = roi_points(roi, link.dose)
            assert np.array_equal(pts.own_dose_gy, dvh.sample_dose_gy), roi.name
            assert np.array_equal((pts.volume_mm3 / np.float32(1000.0)).astype(np.float32), dvh.sample_volume_cc)
            own = pts.own_vertex_dose_gy
            assert own.size == pts.vertices[0].size
            again = make_dvh(roi, pts.own_dose_gy, pts.volume_mm3, pts.covered_mm3, pts.outside_mm3,
                             own[np.isfinite(own)], DvhOptions(), None)
            np.testing.assert_array_equal([again.min_gy, again.max_gy, again.volume_cc],
                                          [dvh.min_gy, dvh.max_gy, dvh.volume_cc], err_msg=roi.name)  # NaN: no dose
            checked += 1
    assert checked > 20
