"""rtreview.core.viewing: slices, dose resampling, isolines, ROI sections, curves, metrics (no Qt)."""
import csv
import math

import numpy as np
import pytest

from rtreview.core.atomic import write_atomic
from rtreview.core.viewing import captions, contours, dvh_curves, isodose, metrics, slicing, window_level
from rtreview.core.viewing.slicing import Plane
from synthetic_case import FakeDvh, fake_dvhs, make_case, make_ct, make_dose, make_structure_set


def test_ct_slices_have_the_documented_orientation():
    ct = make_ct()
    assert slicing.ct_slice(ct, Plane.AXIAL, 3).shape == (32, 40)
    assert slicing.ct_slice(ct, Plane.CORONAL, 3).shape == (20, 40)
    assert slicing.ct_slice(ct, Plane.SAGITTAL, 3).shape == (20, 32)
    u, v = slicing.slice_axes(ct, Plane.SAGITTAL)
    assert np.array_equal(u, ct.y_mm) and np.array_equal(v, ct.z_mm)
    assert slicing.slice_count(ct, Plane.CORONAL) == 32
    assert slicing.slice_index_at(ct, Plane.AXIAL, ct.z_mm[5] + 1.0) == 5


@pytest.mark.parametrize("plane", list(Plane))
def test_resampled_dose_matches_trilinear_point_values(plane):
    ct, dose = make_ct(), make_dose()
    res = slicing.DoseResampler(dose, ct)
    index = slicing.slice_count(ct, plane) // 2
    image = res.plane(plane, index)
    assert image.shape == slicing.ct_slice(ct, plane, index).shape
    u, v = slicing.slice_axes(ct, plane)
    pos = slicing.slice_position_mm(ct, plane, index)
    for r, c in [(5, 7), (10, 12), (0, 0)]:
        point = {Plane.AXIAL: (u[c], v[r], pos), Plane.CORONAL: (u[c], pos, v[r]),
                 Plane.SAGITTAL: (pos, u[c], v[r])}[plane]
        expected = slicing.dose_at(dose, *point)
        assert image[r, c] == pytest.approx(expected if expected is not None else 0.0, abs=1e-4)


def test_dose_at_is_exact_for_linear_dose_and_none_outside():
    dose = make_dose()
    assert slicing.dose_at(dose, 3.3, 1.1, 2.2) == pytest.approx(2.0 + 0.5 * 3.3, abs=1e-5)
    assert slicing.dose_at(dose, 500.0, 0.0, 0.0) is None
    ct = make_ct()
    assert slicing.ct_at(ct, ct.x_mm[4], 0.0, 0.0) == ct.hu[0, 0, 4]
    assert slicing.ct_at(ct, 1000.0, 0.0, 0.0) is None


def test_window_level_presets_and_drag():
    wl = window_level.PRESETS["Lung"]
    assert wl.range_hu == (-1350.0, 150.0)
    assert window_level.PRESETS["Liver"] == window_level.WindowLevel(150, 60)
    dragged = wl.dragged(10, -5)
    assert dragged.width_hu > wl.width_hu and dragged.level_hu < wl.level_hu
    assert window_level.WindowLevel(5, 0).dragged(-100, 0).width_hu == 1.0


def test_isoline_of_a_disc_is_a_circle():
    yy, xx = np.mgrid[0:41, 0:41]
    field = 100 - np.hypot(xx - 20, yy - 20)  # level 90 -> radius 10
    seg = contours.isoline_segments(field, 90.0)
    r = np.hypot(seg[..., 0] - 20, seg[..., 1] - 20)
    assert seg.shape[0] > 40 and np.allclose(r, 10.0, atol=0.2)
    xs, ys = contours.isolines_mm(field, 90.0, np.arange(41) * 2.0, np.arange(41) * 3.0)
    assert np.nanmax(xs) == pytest.approx(60.0, abs=0.5) and np.nanmax(ys) == pytest.approx(90.0, abs=0.5)
    assert contours.isoline_segments(np.zeros((5, 5)), 1.0).shape == (0, 2, 2)


def test_roi_axial_and_section_outlines():
    ss = make_structure_set()
    ptv = ss.roi("PTV")
    xs, ys = contours.axial_polylines(ptv, 1.0, 1.5)
    assert np.nanmax(xs) == pytest.approx(20.0) and np.isnan(xs[-1])
    assert contours.axial_polylines(ptv, 30.0, 1.5)[0].size == 0
    edges = contours.RoiEdges(ptv)
    u = np.arange(-40.0, 40.0, 1.0)
    mask = edges.section_mask("y", 0.0, u)
    assert mask.shape == (9, u.size)
    assert 19 <= mask[0].sum() <= 20  # x in [0, 20): about 20 one-mm columns
    xs, ys = edges.section_polylines("y", 0.0, u)
    assert np.nanmin(ys) == pytest.approx(-13.5) and np.nanmax(ys) == pytest.approx(13.5)
    assert edges.section_mask("x", 100.0, u).sum() == 0


def test_colorwash_is_transparent_below_threshold():
    d = np.array([[0.0, 9.9, 10.0, 60.0]])
    rgba = isodose.colorwash_rgba(d, rx_gy=50.0, threshold_pct=20.0, opacity=0.5)
    assert list(rgba[0, :, 3]) == [0, 0, 128, 128]
    assert tuple(rgba[0, 3, :3]) == (255, 0, 0)
    assert isodose.parse_levels("107, 100;95 50%") == [107.0, 100.0, 95.0, 50.0]
    with pytest.raises(ValueError):
        isodose.parse_levels("abc")


def test_curves_use_the_engine_arrays_unchanged_in_gy_and_cc():
    case = make_case()
    link = case.links[0]
    dvh = fake_dvhs(link.structure_set, link.dose)[1]
    x, y = dvh_curves.curve(dvh, dvh_curves.CurveSettings())
    assert x is dvh.dose_gy or np.array_equal(x, dvh.dose_gy)
    assert np.array_equal(y, dvh.cumulative_cc)
    s = dvh_curves.CurveSettings(dvh_curves.CurveKind.CUMULATIVE, dvh_curves.DoseUnit.PCT_RX, dvh_curves.VolumeUnit.PCT)
    x, y = dvh_curves.curve(dvh, s, rx_gy=20.0)
    assert x[-1] == pytest.approx(dvh.dose_gy[-1] * 5) and y[0] == pytest.approx(100.0)
    e = dvh_curves.eqd2_gy(np.array([50.0]), 25, 10.0)
    assert e[0] == pytest.approx(50.0)
    assert dvh_curves.eqd2_gy(np.array([30.0]), 10, 3.0)[0] == pytest.approx(30 * 6 / 5)


def test_metric_rows_flag_partial_coverage_and_csv_is_atomic(tmp_path):
    case = make_case()
    dvhs = fake_dvhs(case.links[0].structure_set, case.links[0].dose)
    rows = [metrics.metric_row(d, [5.0, 10.0]) for d in dvhs.values()]
    assert not rows[0].partial_coverage and rows[1].partial_coverage
    assert "⚠" in metrics.cells(rows[1], [5.0, 10.0])[2]
    assert metrics.headers([5.0])[-1] == "V5Gy (%)"
    target = tmp_path / "m.csv"
    write_atomic(str(target), metrics.csv_text(rows, [5.0, 10.0], "PLAN A"))
    table = list(csv.DictReader(target.open()))
    assert table[1]["structure"] == "Cord" and table[1]["partial_coverage"] == "yes"
    assert float(table[0]["v5gy_cc"]) == pytest.approx(dvhs[1].v_gy(5.0), rel=1e-3)
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]
    assert metrics.parse_dose_levels("20, 30gy 45.5") == [20.0, 30.0, 45.5]
    with pytest.raises(ValueError):
        metrics.parse_dose_levels("-3")
    assert metrics.fmt(math.nan) == "–"


def test_captions_and_merge():
    a, b, c = make_case("P1"), make_case("P1"), make_case("P2")
    assert captions.plan_caption(a.links[0]) == "PLAN A — 20 Gy / 5 fx"
    assert "2.00 Gy (10.0 % Rx)" in captions.readout(1, 2, 3, 40, 2.0, 20.0)
    assert not captions.patients_differ(a, b) and captions.patients_differ(a, c)
    assert len(captions.merge_cases(a, b).links) == 2
    merged = captions.merge_cases(a, c)
    assert [p.patient_id for p in merged.patients] == ["P1", "P2"] and len(merged.links) == 4
