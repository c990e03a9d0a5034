"""Structure set variants: contour quirks, holes and islands, non-volume ROI types, empty ROIs,
non-ASCII names, a structure set whose CT is missing."""
import dataclasses

import numpy as np
import pytest

import dicom_builders as b
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import DvhOptions, compute_dvh, compute_dvhs, skip_reason, stack_volume_cc

OPTIONS = DvhOptions(samples_across=32, end_caps="none")


def _square(z, half, cx=0.0, cy=0.0, reverse=False):
    points = b.roi_square(z, half=half, cx=cx, cy=cy)
    return points[::-1] if reverse else points


def _load_rois(tmp_path, rois, **kwargs):
    b.save(b.rtstruct(rois, **kwargs), tmp_path / "rs.dcm")
    case = load(tmp_path)
    return case, case.patients[0].structure_sets[0]


def test_contour_quirks_are_repaired_or_skipped_with_notes(tmp_path):
    off_plane = _square(4.0, 5.0)
    off_plane[2, 2] = 4.2  # one point 0.2 mm off its plane: kept on the mean z, noted
    rois = [{"number": 1, "name": "Quirky", "contours": [
        ("CLOSED_PLANAR", b.roi_square(0.0, close=True)),  # duplicate closing point
        ("CLOSED_PLANAR", [[0, 0, 2.0], [1, 0, 2.0]]),  # 2 points
        ("CLOSED_PLANAR", [[0, 0, 2.0]]),  # 1 point
        ("CLOSED_PLANAR", off_plane)]}]
    case, ss = _load_rois(tmp_path, rois)
    roi = ss.roi("Quirky")
    assert sorted(roi.planes) == [0.0, 4.05]
    assert roi.planes[0.0][0].shape == (4, 2)  # closing point dropped
    assert sum("not a polygon" in n for n in roi.notes) == 2
    assert any("not on one axial plane" in n for n in roi.notes)
    assert len([i for i in case.report.warnings if "ROI 1 'Quirky'" in i.message]) == 3


def test_holes_and_islands_combine_even_odd(tmp_path):
    planes = (0.0, 2.0, 4.0)
    contours = []
    for z in planes:
        contours += [("CLOSED_PLANAR", _square(z, 10.0)),  # outer 20 x 20
                     ("CLOSED_PLANAR", _square(z, 5.0, reverse=True)),  # hole 10 x 10 (either winding)
                     ("CLOSED_PLANAR", _square(z, 2.0)),  # island 4 x 4 inside the hole
                     ("CLOSED_PLANAR", _square(z, 3.0, cx=30.0))]  # separate island 6 x 6
    case, ss = _load_rois(tmp_path, [{"number": 1, "name": "Ring", "contours": contours}])
    roi = ss.roi("Ring")
    area_mm2 = 400 - 100 + 16 + 36
    assert stack_volume_cc(roi, OPTIONS) == pytest.approx(area_mm2 * 2.0 * 2 / 1000)  # 3 planes, no end caps: 2 slabs
    dose = b.rtdose(np.full((5, 40, 60), 2.0), origin=(-20.0, -20.0, -2.0), spacing=(1.0, 1.0),
                    offsets=[2.0 * k for k in range(5)])
    b.save(dose, tmp_path / "rd.dcm")
    link = load(tmp_path).links[0]
    dvh = compute_dvhs(link.structure_set, link.dose, OPTIONS)[1]
    assert dvh.volume_cc == pytest.approx(area_mm2 * 4.0 / 1000, rel=1e-6)
    assert dvh.covered_volume_cc == pytest.approx(dvh.volume_cc, rel=1e-6) and dvh.mean_gy == pytest.approx(2.0)


def test_open_and_empty_rois_are_skipped_for_dvh_with_reasons_points_get_their_dose(tmp_path):
    rois = [{"number": 1, "name": "Iso", "type": "ISOCENTER", "contours": [("POINT", [[1.0, 2.0, 3.0]])]},
            {"number": 2, "name": "Line", "type": "MARKER",
             "contours": [("OPEN_PLANAR", [[0, 0, 2.0], [5, 5, 2.0], [9, 0, 2.0]])]},
            {"number": 3, "name": "Empty", "color": None},
            {"number": 4, "name": "PTV", "type": "PTV", "contours": [("CLOSED_PLANAR", _square(z, 3.0))
                                                                   for z in (0.0, 2.0)]}]
    _, ss = _load_rois(tmp_path, rois)
    dose = b.rtdose(np.full((4, 8, 8), 1.0), origin=(-8.0, -8.0, -2.0))
    b.save(dose, tmp_path / "rd.dcm")
    link = load(tmp_path).links[0]
    results = compute_dvhs(link.structure_set, link.dose, OPTIONS)
    assert sorted(results) == [4]
    assert results.skipped == {2: "only open contours: no volume", 3: "no contours"}
    # The POINT ROI is no failure: the dose at the point (1 Gy everywhere; 1, 2, 3 mm is inside).
    assert [(p.position_mm, p.dose_gy) for p in results.points[1]] == [((1.0, 2.0, 3.0), pytest.approx(1.0))]
    assert [skip_reason(r) for r in ss.rois] == ["POINT ROI: no volume", "only open contours: no volume",
                                                "no contours", None]
    assert ss.roi("Iso").points_mm == [(1.0, 2.0, 3.0)] and ss.roi("Line").open_contours[0].shape == (3, 3)


@pytest.mark.parametrize("charset, names", [
    ("ISO_IR 192", ["Rückenmark", "Cœur", "肝脏", "肺 左", "直腸", "심장"]),
    ("ISO_IR 100", ["Rückenmark", "Lèvre", "Øsophagus"]),
    ("GB18030", ["肝脏", "脊髓 PRV"]),
])
def test_non_ascii_and_cjk_roi_names(tmp_path, charset, names):
    rois = [{"number": k + 1, "name": name, "contours": [("CLOSED_PLANAR", _square(0.0, 2.0 + k))]}
            for k, name in enumerate(names)]
    case, ss = _load_rois(tmp_path, rois, charset=charset, patient_name="Müller^Zoë")
    assert [r.name for r in ss.rois] == names
    assert case.patients[0].name == "Müller^Zoë"
    assert ss.roi(names[-1].upper() if names[-1].isascii() else names[-1]).number == len(names)


def test_structure_set_referencing_a_missing_ct(tmp_path):
    parts = b.small_case(tmp_path)
    for path in (tmp_path / "ct").iterdir():
        path.unlink()
    case = load(tmp_path)
    link = case.links[0]
    assert link.ct is None and link.structure_set is not None and not case.report.errors
    assert case.patients[0].structure_sets[0].referenced_series_uid == parts["ct"][0].SeriesInstanceUID
    assert f"the structure set's CT series {parts['ct'][0].SeriesInstanceUID} is not in the load" in link.notes[-1]
    dvh = compute_dvhs(link.structure_set, link.dose, OPTIONS)[1]  # DVHs need no CT
    assert dvh.mean_gy == pytest.approx(2.0)


def test_damaged_roi_items_skipped_one_by_one(tmp_path):
    from fuzz_mutate import _raw
    rois = [{"number": k, "name": f"R{k}", "contours": [("CLOSED_PLANAR", _square(0.0, 2.0 + k))]} for k in (1, 2, 3)]
    ds = b.rtstruct(rois)
    _raw(ds.StructureSetROISequence[0], 0x30060022, "IS", b"abc")  # ROINumber not a number
    _raw(ds.ROIContourSequence[2].ContourSequence[0], 0x30060050, "US", b"\x01")  # ContourData damaged
    b.save(ds, tmp_path / "rs.dcm")
    case = load(tmp_path)
    ss = case.patients[0].structure_sets[0]
    assert [r.name for r in ss.rois] == ["R2", "R3", "ROI 1"]  # R1's contours kept, unnamed
    assert not ss.roi("R2").is_empty and ss.roi("R3").is_empty
    assert ss.notes == ["StructureSetROISequence item 1: ROINumber is damaged (ValueError); skipped"]
    warnings = [i.message for i in case.report.warnings]
    assert ss.notes[0] in warnings and any("ROI 3 'R3': contour 1" in w for w in warnings)


def test_sparse_roi_uses_the_structure_sets_contour_spacing(tmp_path):
    """A ROI contoured on two planes 30 mm apart (slices every 2 mm): each contour is the 2 mm slab
    of its slice (the structure set's slices, by default); a ROI on its own, whose slices are not
    known, can only use the 30 mm gap."""
    rois = [{"number": 1, "name": "Dense", "contours": [("CLOSED_PLANAR", _square(z, 5.0)) for z in
                                                          np.arange(0.0, 20.1, 2.0)]},
            {"number": 2, "name": "Sparse", "contours": [("CLOSED_PLANAR", _square(z, 5.0)) for z in (2.0, 32.0)]}]
    _, ss = _load_rois(tmp_path, rois)
    assert ss.contour_spacing_mm == 2.0
    dose = b.rtdose(np.ones((31, 12, 12)), origin=(-11.0, -11.0, -10.0), offsets=[2.0 * k for k in range(31)])
    b.save(dose, tmp_path / "rd.dcm")
    link = load(tmp_path).links[0]
    options = DvhOptions(slice_thickness_mm=ss.contour_spacing_mm)
    dvhs = compute_dvhs(link.structure_set, link.dose, options)
    assert dvhs[2].volume_cc == pytest.approx(2 * 100 * 2.0 / 1000)  # two 10 x 10 mm contours, 2 mm each
    assert dvhs[1].volume_cc == pytest.approx(11 * 100 * 2.0 / 1000)  # regular ROIs unchanged
    default = compute_dvhs(link.structure_set, link.dose)
    assert default[2].volume_cc == pytest.approx(2 * 100 * 2.0 / 1000)
    assert any("2 pieces along z" in n for n in default[2].notes)
    assert default[1].volume_cc == pytest.approx(11 * 100 * 2.0 / 1000) and not default[1].notes
    alone = dataclasses.replace(link.structure_set.roi(2), slices=None)
    assert compute_dvh(alone, link.dose).volume_cc == pytest.approx(2 * 100 * 30.0 / 1000)
