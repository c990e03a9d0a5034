"""Each contour plane's slab is its image slice (rtreview.core.dicom.slices, docs/dvh.md "Slabs").

A ROI drawn on a few slices far apart (Pinnacle helper ROIs: planes 6-72 mm apart) is those
slices thick, not the distances between them; two lesions in one ROI are two pieces; a ROI on
one slice is one slice thick (the CT's slice there, else the structure set's spacing), with a
note; the slices come from the CT when it is loaded (uneven spacing included).
"""
from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.sequence import Sequence as DicomSequence

import dicom_builders as b
from conftest import REFERENCE_DICOM
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.slices import slice_grid
from rtreview.core.dvh import compute_dvhs
from rtreview.core.dvh.compute import plane_area_mm2

PINNACLE = REFERENCE_DICOM / "pinnacle-hn-anon99185"
RAYSTATION = REFERENCE_DICOM / "raystation-brain-srs"


def test_slice_grid_rules():
    # Contiguous planes share the gap half-half; the outer slices take half their neighbour's gap.
    g = slice_grid([np.arange(0.0, 8.1, 2.0)])
    assert np.allclose(g.lo_mm, [-1, 1, 3, 5, 7]) and np.allclose(g.hi_mm, [1, 3, 5, 7, 9])
    # A wide gap nobody is drawn across: its slices' thickness is unknown, half a typical spacing.
    g = slice_grid([np.arange(0.0, 8.1, 2.0), np.array([20.0])])
    assert g.spacing_mm == 2.0 and not g.joined[-1]
    assert (g.lo_mm[-1], g.hi_mm[-1]) == (19.0, 21.0)
    # A ROI drawn on both sides of the wide gap joins its slices (a coarser part of the scan).
    g = slice_grid([np.arange(0.0, 8.1, 2.0), np.array([13.0, 18.0, 23.0])])
    assert g.joined[-2:].all() and not g.joined[4]  # 8 -> 13: drawn by no single ROI
    assert np.allclose(g.lo_mm[-3:], [10.5, 15.5, 20.5]) and np.allclose(g.hi_mm[-3:], [15.5, 20.5, 25.5])
    # The CT's slices decide when known: 2 mm, then 5 mm.
    ct = np.r_[np.arange(0.0, 8.1, 2.0), [13.0, 18.0, 23.0]]
    g = slice_grid([np.array([20.0 - 2.0])], ct)
    assert g.source == "CT" and g.joined.all()
    k = int(np.flatnonzero(g.z_mm == 18.0)[0])
    assert (g.lo_mm[k], g.hi_mm[k]) == (15.5, 20.5)
    assert slice_grid([np.array([5.0])]) is None  # one plane and no CT: no spacing known


def _square_roi(number, name, zs, half=5.0):
    return {"number": number, "name": name, "contours": [("CLOSED_PLANAR", b.roi_square(z, half)) for z in zs]}


def test_uneven_ct_slices_give_uneven_slabs(tmp_path):
    """CT 2 mm up to z = 8, then 5 mm; a ROI drawn on every slice from 4 to 23 mm."""
    z_ct = [0.0, 2.0, 4.0, 6.0, 8.0, 13.0, 18.0, 23.0]
    frame = pydicom.uid.generate_uid()
    cts = b.ct_series(z_ct, frame_uid=frame)
    ss = b.rtstruct([_square_roi(1, "Long", z_ct[2:]), _square_roi(2, "Point-like", [18.0], half=2.0)],
                    frame_uid=frame, series_uid=cts[0].SeriesInstanceUID)
    for k, ct in enumerate(cts):
        b.save(ct, tmp_path / f"ct{k}.dcm")
    b.save(ss, tmp_path / "rs.dcm")
    b.save(b.rtdose(np.full((14, 8, 8), 2.0), frame_uid=frame, origin=(-8.0, -8.0, -1.0),
                    offsets=[2.0 * k for k in range(14)]), tmp_path / "rd.dcm")
    link = load(tmp_path).links[0]
    assert link.structure_set.roi(1).slices.source == "CT"
    dvhs = compute_dvhs(link.structure_set, link.dose)
    # Slabs: 4 [3, 5], 6 [5, 7], 8 [7, 10.5], 13 [10.5, 15.5], 18 [15.5, 20.5], 23 [20.5, 25.5] (the
    # cap below 4 mm is half the 2 mm slice, the one above 23 mm half the 5 mm slice).
    thickness = 2 + 2 + 3.5 + 5 + 5 + 5
    assert dvhs[1].volume_cc == pytest.approx(100 * thickness / 1000)
    # One plane, on the 5 mm part of the CT: a 5 mm slab, and a note says so.
    assert dvhs[2].volume_cc == pytest.approx(16 * 5.0 / 1000)
    assert any("one plane" in n and "5 mm" in n and "CT" in n for n in dvhs[2].notes)


def _pinnacle_with(tmp_path, extra_rois):
    """The Pinnacle structure set with extra ROIs (dicts: number, name, planes {z: [polygons]})."""
    ds = pydicom.dcmread(PINNACLE / "RS.dcm")
    for roi in extra_rois:
        item = pydicom.Dataset()
        item.ROINumber = roi["number"]
        item.ROIName = roi["name"]
        item.ReferencedFrameOfReferenceUID = ds.StructureSetROISequence[0].ReferencedFrameOfReferenceUID
        ds.StructureSetROISequence.append(item)
        contour_item = pydicom.Dataset()
        contour_item.ReferencedROINumber = roi["number"]
        contour_item.ROIDisplayColor = [255, 0, 255]
        contours = []
        for z, polys in roi["planes"].items():
            for poly in polys:
                c = pydicom.Dataset()
                c.ContourGeometricType = "CLOSED_PLANAR"
                c.NumberOfContourPoints = len(poly)
                c.ContourData = [float(v) for xy in poly for v in (xy[0], xy[1], z)]
                contours.append(c)
        contour_item.ContourSequence = DicomSequence(contours)
        ds.ROIContourSequence.append(contour_item)
        obs = pydicom.Dataset()
        obs.ObservationNumber = obs.ReferencedROINumber = roi["number"]
        obs.RTROIInterpretedType = "ORGAN"
        obs.ROIInterpreter = ""
        ds.RTROIObservationsSequence.append(obs)
    ds.save_as(tmp_path / "RS.dcm")
    (tmp_path / "RD.dcm").write_bytes((PINNACLE / "RD.dcm").read_bytes())
    (tmp_path / "RP.dcm").write_bytes((PINNACLE / "RP.dcm").read_bytes())
    return load(tmp_path).links[0]


def test_sparse_helper_roi_on_real_pinnacle_slices(tmp_path):
    """A helper ROI drawn on planes 6, 12, 36 and 72 mm apart (the "5000 (VMAT)" outlines on those
    planes) and a one-plane ROI, added to the real Pinnacle structure set (3 mm slices)."""
    from rtreview.core.dicom.rtstruct import read_structure_set
    source = read_structure_set(str(PINNACLE / "RS.dcm")).roi("5000 (VMAT)")
    z = source.plane_z_mm
    chosen = [z[0], z[0] + 6, z[0] + 18, z[0] + 54]  # gaps 6, 12, 36 mm
    chosen = [c for c in chosen if c in source.planes]
    assert len(chosen) == 4
    sparse = {"number": 90, "name": "sparse helper", "planes": {c: source.planes[c] for c in chosen}}
    single = {"number": 91, "name": "one plane", "planes": {z[10]: source.planes[z[10]]}}
    link = _pinnacle_with(tmp_path, [sparse, single])
    dvhs = compute_dvhs(link.structure_set, link.dose)
    areas = [plane_area_mm2(source.planes[c]) for c in chosen]
    # Each drawn plane is one 3 mm slice: 4 pieces. (Its own median gap would have given 12 mm
    # slabs with 6 mm caps: 5.5x the volume, reaching 6 mm into the dose fall-off.)
    assert dvhs[90].volume_cc == pytest.approx(sum(areas) * 3.0 / 1000, rel=1e-6)
    assert any("4 pieces along z" in n for n in dvhs[90].notes)
    assert dvhs[91].volume_cc == pytest.approx(plane_area_mm2(source.planes[z[10]]) * 3.0 / 1000, rel=1e-6)
    assert any("one plane" in n and "3 mm" in n for n in dvhs[91].notes)
    # Nothing else moved: the ROIs drawn on every slice have no slab notes.
    assert not [n for n in dvhs[source.number].notes if "pieces" in n or "one plane" in n]


def test_two_lesions_in_one_roi_are_two_pieces():
    """RayStation GTV_ALL holds five brain metastases; its volume is the sum of GTV_1..GTV_5 (the
    gaps between lesions are not filled), each lesion with its own end caps."""
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    ss = read_structure_set(str(RAYSTATION / "RS1.2.752.243.1.1.20180405120828292.2900.76357.dcm"))
    dose = read_dose(str(RAYSTATION / "RD_IMRT.dcm"))
    dvhs = compute_dvhs(ss, dose)
    by_name = {d.name: d for d in dvhs.values()}
    lesions = sum(by_name[f"GTV_{k}"].volume_cc for k in range(1, 6))
    assert by_name["GTV_ALL"].volume_cc == pytest.approx(lesions, rel=1e-3)
    assert any("pieces along z" in n for n in by_name["GTV_ALL"].notes)
