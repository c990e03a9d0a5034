"""The synthetic sample patient in sample_dicom/: reproducible, labelled synthetic, consistent.

Reads the committed files with pydicom directly (not with rtreview.core.dicom), and regenerates the
patient once into a temporary folder to prove the files are what the generator makes.
"""
from __future__ import annotations

import sys

import numpy as np
import pydicom
import pytest

from conftest import REPO, SAMPLE_DICOM

sys.path.insert(0, str(REPO / "tools"))

import make_sample_dicom  # noqa: E402

ROI_NAMES = ["BODY", "LIVER", "GTV_LIVER", "PTV_LIVER", "STOMACH", "DUODENUM", "KIDNEY_L",
             "KIDNEY_R", "SPINAL_CORD", "BOWEL_SMALL", "ILIUM_L", "GTV_ILIUM", "PTV_ILIUM",
             "BLADDER", "RECTUM", "FEMUR_HEAD_L", "FEMUR_HEAD_R", "CAUDA_EQUINA"]
PLANS = {"LIVER": (50.0, 25, "PTV_LIVER"), "L ILIUM": (30.0, 10, "PTV_ILIUM")}


@pytest.fixture(scope="module")
def files():
    paths = sorted(SAMPLE_DICOM.glob("*.dcm"))
    assert paths, "sample_dicom/ holds no DICOM files: run tools/make_sample_dicom.py"
    return {p.name: pydicom.dcmread(p) for p in paths}


@pytest.fixture(scope="module")
def ct(files):
    slices = sorted((d for d in files.values() if d.Modality == "CT"),
                    key=lambda d: float(d.ImagePositionPatient[2]))
    hu = np.stack([d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in slices])
    x0, y0, _ = (float(v) for v in slices[0].ImagePositionPatient)
    dy, dx = (float(v) for v in slices[0].PixelSpacing)
    xs = x0 + dx * np.arange(slices[0].Columns)
    ys = y0 + dy * np.arange(slices[0].Rows)
    zs = np.array([float(d.ImagePositionPatient[2]) for d in slices])
    return slices, hu, xs, ys, zs


@pytest.fixture(scope="module")
def struct(files):
    (ds,) = [d for d in files.values() if d.Modality == "RTSTRUCT"]
    return ds


def _by_modality(files, modality):
    return [d for d in files.values() if d.Modality == modality]


def _roi_planes(struct, name):
    """{z: [polygon (N, 2)]} of the named ROI."""
    number = {r.ROIName: r.ROINumber for r in struct.StructureSetROISequence}[name]
    (rc,) = [c for c in struct.ROIContourSequence if c.ReferencedROINumber == number]
    planes: dict[float, list[np.ndarray]] = {}
    for c in rc.ContourSequence:
        pts = np.array([float(v) for v in c.ContourData]).reshape(-1, 3)
        assert np.ptp(pts[:, 2]) == 0, "contour not planar"
        planes.setdefault(round(float(pts[0, 2]), 3), []).append(pts[:, :2])
    return planes


def _dose(ds):
    arr = ds.pixel_array.astype(float) * float(ds.DoseGridScaling)
    x0, y0, z0 = (float(v) for v in ds.ImagePositionPatient)
    dy, dx = (float(v) for v in ds.PixelSpacing)
    xs = x0 + dx * np.arange(ds.Columns)
    ys = y0 + dy * np.arange(ds.Rows)
    zs = z0 + np.array([float(v) for v in ds.GridFrameOffsetVector])
    return arr, xs, ys, zs


def _trilinear(arr, xs, ys, zs, p):
    out = arr
    for coords, c in zip((zs, ys, xs), (p[2], p[1], p[0])):
        i = int(np.clip(np.searchsorted(coords, c) - 1, 0, coords.size - 2))
        t = (c - coords[i]) / (coords[i + 1] - coords[i])
        out = np.take(out, i, axis=0) * (1 - t) + np.take(out, i + 1, axis=0) * t
    return float(out)


def _area_centroid(planes):
    """Volume centroid of a structure from its planar polygons (shoelace per plane)."""
    acc, total = np.zeros(3), 0.0
    for z, polys in planes.items():
        for p in polys:
            x, y = p[:, 0], p[:, 1]
            xn, yn = np.roll(x, -1), np.roll(y, -1)
            cross = x * yn - xn * y
            a = cross.sum() / 2
            cx, cy = ((x + xn) * cross).sum() / (6 * a), ((y + yn) * cross).sum() / (6 * a)
            acc += abs(a) * np.array([cx, cy, z])
            total += abs(a)
    return acc / total


def _inside(poly, x, y):
    xs, ys = poly[:, 0], poly[:, 1]
    xn, yn = np.roll(xs, -1), np.roll(ys, -1)
    cross = ((ys > y) != (yn > y)) & (x < (xn - xs) * (y - ys) / (yn - ys + 1e-300) + xs)
    return bool(cross.sum() % 2)


def test_regenerates_identical_files(tmp_path):
    make_sample_dicom.main([str(tmp_path)])
    made = sorted(p.name for p in tmp_path.glob("*.dcm"))
    assert made == sorted(p.name for p in SAMPLE_DICOM.glob("*.dcm"))
    different = [n for n in made if (tmp_path / n).read_bytes() != (SAMPLE_DICOM / n).read_bytes()]
    assert not different, f"{len(different)} file(s) differ, first: {_first_difference(different[0], tmp_path)}"


def _first_difference(name, tmp_path) -> str:
    """Where a regenerated file differs from the committed one, element by element."""
    new, old = pydicom.dcmread(tmp_path / name), pydicom.dcmread(SAMPLE_DICOM / name)
    for ds_new, ds_old in ((new.file_meta, old.file_meta), (new, old)):
        for elem in ds_old:
            other = ds_new.get(elem.tag)
            if other is None or other.value != elem.value:
                return f"{name} {elem.tag} {elem.keyword}: committed {str(elem.value)[:80]!r}, " \
                       f"regenerated {str(other.value if other is not None else None)[:80]!r}"
        if set(ds_new.keys()) != set(ds_old.keys()):
            return f"{name}: element sets differ {set(ds_new.keys()) ^ set(ds_old.keys())}"
    return f"{name}: same elements, different encoding"


def test_total_size_under_20_mb():
    total = sum(p.stat().st_size for p in SAMPLE_DICOM.iterdir() if p.is_file())
    assert total < 20e6


def test_modalities_and_labels(files, struct):
    assert len(_by_modality(files, "CT")) == 117
    assert len(_by_modality(files, "RTSTRUCT")) == 1
    for ds in files.values():
        assert str(ds.PatientName) == "SYNTHETIC^SAMPLE" and ds.PatientID == "RTR-SAMPLE-001"
        assert ds.SeriesDescription.startswith("SYNTHETIC")
        assert ds.SOPInstanceUID.startswith("1.2.826.0.1.3680043.8.498.")
    assert "SYNTHETIC" in struct.StructureSetLabel
    assert [r.ROIName for r in struct.StructureSetROISequence] == ROI_NAMES
    frames = {ds.FrameOfReferenceUID for ds in files.values() if "FrameOfReferenceUID" in ds}
    frames.add(struct.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID)
    assert len(frames) == 1


def test_ct_geometry_and_hu(ct):
    slices, hu, xs, ys, zs = ct
    assert hu.shape == (117, 192, 256)
    assert all(d.ImageOrientationPatient == [1, 0, 0, 0, 1, 0] for d in slices)
    assert np.allclose(np.diff(zs), 3.0)

    def at(x, y, z):
        k, j, i = np.argmin(abs(zs - z)), np.argmin(abs(ys - y)), np.argmin(abs(xs - x))
        return float(np.median(hu[k, j - 1:j + 2, i - 1:i + 2]))

    assert abs(at(-80, 0, -20) - 60) < 15          # liver (right lobe)
    assert at(0, 44, -75) > 200                    # L2 vertebral body
    assert at(-77, 69, -215) > 200                 # right ilium near the sacro-iliac joint
    assert at(30, 92, -230) > 200                  # sacrum (lateral mass)
    assert at(92, 5, -282) > 200                   # left femoral head
    assert abs(at(-220, -165, 0) + 1000) < 30      # air
    assert abs(at(0, -22, -285) - 10) < 15         # bladder


def _mask(polys, xs, ys):
    """Pixel centres inside the polygons of one plane (even-odd), shape (len(ys), len(xs))."""
    X, Y = np.meshgrid(xs, ys)
    inside = np.zeros(X.shape, dtype=bool)
    for p in polys:
        for (x0, y0), (x1, y1) in zip(p, np.roll(p, -1, axis=0)):
            if y0 == y1:
                continue
            crosses = ((Y > y0) != (Y > y1)) & (X < x0 + (Y - y0) * (x1 - x0) / (y1 - y0))
            inside ^= crosses
    return inside


@pytest.mark.parametrize("name, hu", [("LIVER", 60), ("KIDNEY_L", 30), ("KIDNEY_R", 30),
                                      ("BLADDER", 10), ("SPINAL_CORD", 32)])
def test_ct_numbers_agree_with_contours(struct, ct, name, hu):
    """Inside the contour the CT shows the organ; so the contours are not shifted or mirrored."""
    _, vol, xs, ys, zs = ct
    planes = _roi_planes(struct, name)
    z = sorted(planes)[len(planes) // 2]
    plane = vol[int(np.argmin(abs(zs - z)))]
    m = _mask(planes[z], xs, ys)
    assert m.sum() > 10
    assert abs(np.median(plane[m]) - hu) < 8
    assert np.mean(abs(plane[m] - hu) < 40) > 0.95


def test_structure_set_references_ct(struct, ct):
    slices = ct[0]
    series = (struct.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0]
              .RTReferencedSeriesSequence[0])
    assert series.SeriesInstanceUID == slices[0].SeriesInstanceUID
    assert {i.ReferencedSOPInstanceUID for i in series.ContourImageSequence} == \
        {d.SOPInstanceUID for d in slices}


def test_contours_on_ct_planes_within_extent(struct, ct):
    slices, _, xs, ys, zs = ct
    uid_at_z = {round(float(d.ImagePositionPatient[2]), 3): d.SOPInstanceUID for d in slices}
    types = {o.ReferencedROINumber: o.RTROIInterpretedType for o in struct.RTROIObservationsSequence}
    assert types[1] == "EXTERNAL" and types[3] == "GTV" and types[4] == "PTV"
    for rc in struct.ROIContourSequence:
        assert len(rc.ContourSequence) > 0
        for c in rc.ContourSequence:
            pts = np.array([float(v) for v in c.ContourData]).reshape(-1, 3)
            z = round(float(pts[0, 2]), 3)
            assert z in uid_at_z
            assert c.ContourImageSequence[0].ReferencedSOPInstanceUID == uid_at_z[z]
            assert xs[0] <= pts[:, 0].min() and pts[:, 0].max() <= xs[-1]
            assert ys[0] <= pts[:, 1].min() and pts[:, 1].max() <= ys[-1]
            assert c.NumberOfContourPoints == len(pts) <= 400
    # Organ-sized cross-sections are finely sampled.
    liver = _roi_planes(struct, "LIVER")
    assert max(len(p) for polys in liver.values() for p in polys) >= 100


def test_structure_with_hole(struct):
    planes = _roi_planes(struct, "BOWEL_SMALL")
    rings = 0
    for polys in planes.values():
        for a in polys:
            for b in polys:
                if a is not b and _inside(a, *b[0]) and all(_inside(a, *p) for p in b[::10]):
                    rings += 1
    assert rings >= 3  # several planes with an outer and an inner (hole) contour


def test_gtvs_inside_their_organs_on_the_left(struct):
    liver, gtv = _roi_planes(struct, "LIVER"), _roi_planes(struct, "GTV_LIVER")
    for z, polys in gtv.items():
        assert z in liver
        assert all(_inside(liver[z][0], *p) for p in polys[0][::5])
    assert _area_centroid(gtv)[0] > 0  # patient left = +x
    assert _area_centroid(_roi_planes(struct, "GTV_ILIUM"))[0] > 0


def test_plans_and_doses(files, struct):
    plans = {p.RTPlanLabel: p for p in _by_modality(files, "RTPLAN")}
    assert set(plans) == set(PLANS)
    doses = _by_modality(files, "RTDOSE")
    assert len(doses) == 2
    by_plan = {d.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID: d for d in doses}
    for label, (rx, fx, ptv) in PLANS.items():
        p = plans[label]
        assert "SYNTHETIC" in p.RTPlanName
        assert p.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID == struct.SOPInstanceUID
        ref = p.DoseReferenceSequence[0]
        assert ref.DoseReferenceType == "TARGET" and float(ref.TargetPrescriptionDose) == rx
        fg = p.FractionGroupSequence[0]
        assert fg.NumberOfFractionsPlanned == fx
        assert abs(sum(float(b.BeamDose) for b in fg.ReferencedBeamSequence) * fx / rx - 1) < 0.06
        assert len(p.BeamSequence) == fg.NumberOfBeams >= 3
        d = by_plan[p.SOPInstanceUID]
        assert (d.DoseUnits, d.DoseType, d.DoseSummationType) == ("GY", "PHYSICAL", "PLAN")
        arr, xs, ys, zs = _dose(d)
        assert float(d.GridFrameOffsetVector[0]) == 0
        assert 1.03 <= arr.max() / rx <= 1.10, (label, arr.max())
        centroid = _area_centroid(_roi_planes(struct, ptv))
        assert abs(_trilinear(arr, xs, ys, zs, centroid) / rx - 1) < 0.05
        iso = [float(v) for v in p.BeamSequence[0].ControlPointSequence[0].IsocenterPosition]
        assert np.allclose(iso, centroid, atol=3.0)


def test_a_structure_extends_beyond_the_liver_dose_grid(files, struct):
    (plan,) = [p for p in _by_modality(files, "RTPLAN") if p.RTPlanLabel == "LIVER"]
    (dose,) = [d for d in _by_modality(files, "RTDOSE")
               if d.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID == plan.SOPInstanceUID]
    zs = _dose(dose)[3]
    for name in ("BODY", "SPINAL_CORD"):
        planes = _roi_planes(struct, name)
        assert max(planes) > zs.max() + 2.0, name
    cord = _roi_planes(struct, "SPINAL_CORD")
    assert min(cord) > zs.min()  # ... but it does enter the grid
