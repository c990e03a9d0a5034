"""Patient positions HFS, HFP, FFS, FFP: CT, contours and dose line up in every one.

The same anatomy and dose (functions of patient coordinates) are written in each position with
its ImageOrientationPatient, flipped pixel axes and frame order (reliability_builders). After
loading, every CT voxel and dose voxel must hold the value of its patient coordinate, and the
DVHs must be identical across positions. Non-axial orientations are refused clearly.
"""
import numpy as np
import pytest

import dicom_builders as b
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import DvhOptions, compute_dvhs
from reliability_builders import HOT_SPOT_MM, POSITIONS, dose_at, hu_at, positioned_case

OPTIONS = DvhOptions(samples_across=16)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    out = {}
    for position in POSITIONS:
        folder = tmp_path_factory.mktemp(position)
        positioned_case(folder, position)
        case = load(folder)
        assert not case.report.errors, case.report.issues
        out[position] = case
    return out


@pytest.mark.parametrize("position", list(POSITIONS))
def test_ct_voxels_sit_at_their_patient_coordinates(loaded, position):
    ct = loaded[position].links[0].ct
    assert ct is not None and ct.hu.shape == (11, 17, 21)
    for axis in (ct.x_mm, ct.y_mm, ct.z_mm):
        assert np.all(np.diff(axis) > 0)
    zz, yy, xx = np.meshgrid(ct.z_mm, ct.y_mm, ct.x_mm, indexing="ij")
    np.testing.assert_array_equal(ct.hu, hu_at(xx, yy, zz))


@pytest.mark.parametrize("position", list(POSITIONS))
def test_dose_voxels_sit_at_their_patient_coordinates(loaded, position):
    dose = loaded[position].links[0].dose
    zz, yy, xx = np.meshgrid(dose.z_mm, dose.y_mm, dose.x_mm, indexing="ij")
    np.testing.assert_allclose(dose.dose_gy, dose_at(xx, yy, zz), atol=1.5e-3)  # stored at 2e-3 Gy steps
    # the hot spot is where it was put, in patient coordinates
    k, j, i = np.unravel_index(np.argmax(dose.dose_gy), dose.shape)
    assert (dose.x_mm[i], dose.y_mm[j], dose.z_mm[k]) == pytest.approx(HOT_SPOT_MM, abs=1.25)


def test_links_and_dvhs_identical_in_all_positions(loaded):
    results = {}
    for position, case in loaded.items():
        link = case.links[0]
        assert link.plan is not None and link.structure_set is not None and link.ct is not None
        results[position] = compute_dvhs(link.structure_set, link.dose, OPTIONS)
    reference = results["HFS"]
    hot = reference[1]
    assert hot.max_gy > 55.0 and hot.volume_cc == pytest.approx(1.44 * 1.0, rel=1e-6)  # 12 x 12 mm x 5 planes x 2 mm
    assert reference[2].max_gy < 20.0  # the Side ROI is far from the hot spot
    for position, dvhs in results.items():
        for number in (1, 2):
            a, other = reference[number], dvhs[number]
            assert (other.volume_cc, other.covered_volume_cc) == pytest.approx((a.volume_cc, a.covered_volume_cc))
            assert (other.min_gy, other.mean_gy, other.max_gy) == pytest.approx((a.min_gy, a.mean_gy, a.max_gy),
                                                                               rel=1e-5), position
            n = min(other.cumulative_cc.size, a.cumulative_cc.size)
            np.testing.assert_allclose(other.cumulative_cc[:n], a.cumulative_cc[:n], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("orientation, what", [
    ((1.0, 0.0, 0.0, 0.0, 0.0, -1.0), "coronal"),
    ((0.0, 1.0, 0.0, 0.0, 0.0, -1.0), "sagittal"),
    ((0.9848, 0.1736, 0.0, -0.1736, 0.9848, 0.0), "axial rotated 10 degrees"),
    ((1.0, 0.0, 0.0, 0.0, 0.9848, 0.1736), "tilted gantry"),
])
def test_non_axial_ct_and_dose_refused_with_message(tmp_path, orientation, what):
    for k, ds in enumerate(b.ct_series([0.0, 2.0], orientation=orientation)):
        b.save(ds, tmp_path / f"ct{k}.dcm")
    b.save(b.rtdose(np.ones((2, 3, 4)), orientation=orientation), tmp_path / "rd.dcm")
    case = load(tmp_path)
    messages = {i.path.rsplit("/", 1)[-1]: i.message for i in case.report.errors}
    assert "non-axial dose grid orientation" in messages["rd.dcm"] and "only axial images" in messages["rd.dcm"]
    assert "non-axial CT image orientation" in messages["ct0.dcm"]
    assert case.patients == []


def test_non_axial_contours_skipped_with_note(tmp_path):
    sagittal = np.array([[0.0, -5.0, -5.0], [0.0, 5.0, -5.0], [0.0, 5.0, 5.0], [0.0, -5.0, 5.0]])
    ss = b.rtstruct([{"number": 1, "name": "Sag", "contours": [("CLOSED_PLANAR", sagittal)]},
                     {"number": 2, "name": "Ax", "contours": [("CLOSED_PLANAR", b.roi_square(0.0))]}])
    b.save(ss, tmp_path / "rs.dcm")
    case = load(tmp_path)
    structure_set = case.patients[0].structure_sets[0]
    assert structure_set.roi("Sag").is_empty and not structure_set.roi("Ax").is_empty
    assert any("not axial" in n for n in structure_set.roi("Sag").notes)
    assert any("ROI 1 'Sag'" in i.message and "not axial" in i.message for i in case.report.warnings)
