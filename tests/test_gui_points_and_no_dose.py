"""The window with POINT ROIs (drawn on the slices with the dose at the point, listed with it) and
without a dose (CT with its contours, structure list with contour volumes, the plan, and the DVH
panel saying there is no dose yet)."""
from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest
from pydicom.sequence import Sequence as DicomSequence
from PySide6 import QtCore

from conftest import REFERENCE_DICOM, SAMPLE_DICOM
from gui_helpers import window_with
from rtreview.core.viewing.slicing import Plane

EXAMPLE = REFERENCE_DICOM / "dicompyler-core-example"
PINNACLE = REFERENCE_DICOM / "pinnacle-hn-anon99185"


def _example_with_a_point(folder, xyz):
    """The dicompyler-core example (one real CT slice, structures, plan, dose) with a POINT ROI
    "Calc Point" added at ``xyz``, and its CT slice moved to the point's z (the slice is at the
    dose grid's edge, where the dose is ~0)."""
    folder.mkdir()
    ds = pydicom.dcmread(EXAMPLE / "rtss.dcm")
    item = pydicom.Dataset()
    item.ROINumber, item.ROIName = 50, "Calc Point"
    item.ReferencedFrameOfReferenceUID = ds.StructureSetROISequence[0].ReferencedFrameOfReferenceUID
    ds.StructureSetROISequence.append(item)
    contour_item = pydicom.Dataset()
    contour_item.ReferencedROINumber = 50
    contour_item.ROIDisplayColor = [0, 255, 255]
    contour = pydicom.Dataset()
    contour.ContourGeometricType = "POINT"
    contour.NumberOfContourPoints = 1
    contour.ContourData = list(xyz)
    contour_item.ContourSequence = DicomSequence([contour])
    ds.ROIContourSequence.append(contour_item)
    obs = pydicom.Dataset()
    obs.ObservationNumber = obs.ReferencedROINumber = 50
    obs.RTROIInterpretedType = "MARKER"
    obs.ROIInterpreter = ""
    ds.RTROIObservationsSequence.append(obs)
    ds.save_as(folder / "rtss.dcm")
    for name in ("rtdose.dcm", "rtplan.dcm"):
        shutil.copyfile(EXAMPLE / name, folder / name)
    ct = pydicom.dcmread(EXAMPLE / "ct.0.dcm")
    ct.ImagePositionPatient = [float(ct.ImagePositionPatient[0]), float(ct.ImagePositionPatient[1]), xyz[2]]
    ct.save_as(folder / "ct.0.dcm")
    return folder


def test_point_roi_drawn_on_the_slice_and_listed_with_its_dose(qtbot, tmp_path):
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.viewing.slicing import dose_at
    dose = read_dose(EXAMPLE / "rtdose.dcm")
    k, j, i = np.unravel_index(int(np.argmax(dose.dose_gy)), dose.dose_gy.shape)
    xyz = (float(dose.x_mm[i]) + 1.3, float(dose.y_mm[j]) - 0.7, float(dose.z_mm[k]) + 0.4)  # by the hottest voxel
    expected = dose_at(dose, *xyz)
    assert expected is not None and expected > 5.0
    w = window_with(qtbot, tmp_path, [_example_with_a_point(tmp_path / "case", xyz)])
    item = w.structures.item(50)
    assert item.text(0) == "Calc Point" and item.text(2) == f"{expected:.2f} Gy"
    assert item.checkState(0) == QtCore.Qt.CheckState.Checked  # shown by default
    assert "no dose" not in item.toolTip(2).lower() and "trilinear" in item.toolTip(2)
    # Selecting it centres the views on the point; the axial view draws it with its dose.
    w.structures.tree.setCurrentItem(item)
    panel = w.slices
    assert (panel.position["x"], panel.position["y"]) == pytest.approx(xyz[:2])
    axial = panel.views[Plane.AXIAL]
    assert axial.point_labels() == [f"Calc Point: {expected:.2f} Gy"]
    xs, ys = axial.point_item.getData()
    assert (float(xs[0]), float(ys[0])) == pytest.approx(xyz[:2])
    # Not drawn where the point is not: the coronal view a few cm away.
    panel.move_crosshair(Plane.AXIAL, xyz[0], xyz[1] + 40.0)
    assert panel.views[Plane.CORONAL].point_labels() == []
    assert panel.views[Plane.SAGITTAL].point_labels() == ["Calc Point: " + f"{expected:.2f} Gy"]
    # The axial view's pixels show the cross in the ROI's colour (cyan) at the point.
    image = axial.grab().toImage()
    centre = axial.mapFromScene(axial.scene_pos_of(*xyz[:2]))
    cyan = 0
    for dx in range(-6, 7):
        c = image.pixelColor(centre.x() + dx, centre.y())
        cyan += c.green() > 200 and c.blue() > 200 and c.red() < 80
    assert cyan >= 4


def test_pinnacle_points_listed_with_their_dose_without_ct(qtbot, tmp_path):
    w = window_with(qtbot, tmp_path, [PINNACLE])
    texts = {w.structures.item(n).text(0): w.structures.item(n).text(2) for n in (1, 2, 3, 4)}
    assert texts["Shifted Isocenter"] == "57.28 Gy"  # 55 Gy / 0.96 at the prescription point
    assert set(texts) == {"CT Isocenter", "Shifted Isocenter", "tx: H&N",
                          "rx 1: H&N PTV 50 Gy:  250 cGy x 22 to 96%: pt: Shifted Isocenter"}


@pytest.fixture
def sample_without_dose(tmp_path):
    folder = tmp_path / "no_dose"
    folder.mkdir()
    for path in SAMPLE_DICOM.glob("*.dcm"):
        if not path.name.startswith(("RD_", "RP_")):
            shutil.copyfile(path, folder / path.name)
    return folder


def test_ct_and_structures_without_a_dose_are_reviewable(qtbot, tmp_path, sample_without_dose):
    """The sample's CT and RT Structure Set without its RT Plans and RT Doses."""
    from rtreview.core.dicom.loader import load
    from rtreview.core.dvh import compute_dvhs
    w = window_with(qtbot, tmp_path, [sample_without_dose])
    link = w.session.link
    assert link is not None and link.dose is None and link.ct is not None and link.structure_set is not None
    assert [i.text(0) for i in w.plan_tree.plan_items()] == ["SYNTHETIC_RTR (no plan, no dose)"]
    # Structure list: every ROI, with the volume of its contour stack, equal to the volume of the
    # DVH the full sample computes for it (same CT, same contours).
    full = load(SAMPLE_DICOM).links[0]
    volumes = {n: d.volume_cc for n, d in compute_dvhs(full.structure_set, full.dose).items()}
    for roi in link.structure_set.rois:
        shown = float(w.structures.item(roi.number).text(2))
        assert shown == pytest.approx(volumes[roi.number], abs=0.051 if volumes[roi.number] < 1000 else 0.51)
    # CT pixels drawn with the contours (a visible ROI's outline on the axial view).
    axial = w.slices.views[Plane.AXIAL]
    assert axial.ct_item.image is not None and axial.ct_item.image.shape == (192, 256)
    assert np.ptp(axial.ct_item.image) > 500  # real HU, not a blank image
    drawn = [n for n, item in axial._contour_items.items() if item.isVisible()]
    assert drawn
    assert not axial.dose_item.isVisible()
    # The DVH panel says there is no dose yet; no curve, no computation.
    assert w.dvh_plot.message.isVisible()
    assert w.dvh_plot.message.text().startswith("No dose yet")
    assert not w.dvh_plot.visible_curve_data()
    assert "without a dose" in w.statusBar().currentMessage() or "No dose yet" in w.statusBar().currentMessage()


def test_plan_and_structures_without_a_dose_show_the_plan(qtbot, tmp_path, sample_without_dose):
    for path in SAMPLE_DICOM.glob("RP_*.dcm"):
        shutil.copyfile(path, sample_without_dose / path.name)
    w = window_with(qtbot, tmp_path, [sample_without_dose])
    assert [i.text(0) for i in w.plan_tree.plan_items()] == ["LIVER — 50 Gy / 25 fx (no dose)",
                                                             "L ILIUM — 30 Gy / 10 fx (no dose)"]
    assert w.session.link.plan.label == "LIVER" and w.session.link.dose is None
    assert w.dvh_plot.message.text() == ("No dose yet: this plan's RT Dose is not in the load "
                                         "(contours and plan only, no DVHs)")
    children = [w.plan_tree.plan_items()[0].child(k).text(0) for k in range(w.plan_tree.plan_items()[0].childCount())]
    assert "No dose in the load" in children and "CT 117 slices" in children
    w.plan_tree.setCurrentItem(w.plan_tree.plan_items()[1])
    assert w.session.link.plan.label == "L ILIUM"


def test_real_plan_and_structures_without_dose_or_ct(qtbot, tmp_path):
    """Pinnacle's RT Plan and RT Structure Set without its RT Dose (and no CT in that export)."""
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import stack_volume_cc
    folder = tmp_path / "plan_only"
    folder.mkdir()
    for name in ("RS.dcm", "RP.dcm"):
        shutil.copyfile(PINNACLE / name, folder / name)
    w = window_with(qtbot, tmp_path, [folder])
    [row] = w.plan_tree.plan_items()
    assert row.text(0).startswith("ANON — ") and row.text(0).endswith(" / 22 fx (no dose)")
    link = w.session.link
    assert link.dose is None and link.plan is not None and link.ct is None
    assert w.dvh_plot.message.text().startswith("No dose yet: this plan's RT Dose is not in the load")
    ss = read_structure_set(PINNACLE / "RS.dcm")
    gtv = ss.roi("GTV")
    assert float(w.structures.item(gtv.number).text(2)) == pytest.approx(stack_volume_cc(gtv), abs=0.051)
    assert w.structures.item(1).text(2) == ""  # a point has no dose without a dose grid
    assert w.slices.views[Plane.AXIAL].caption.text() == "No CT"
