"""The manual registration window on the two-CT sample: the loaded REG lines the CTs up, keys and
numbers move the moving CT, Save writes a REG beside the case file (never into an input folder)
that is used at once and comes back with the case file."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtTest

from rtreview.core.dicom.loader import load
from rtreview.core.dicom.registration import read_registration
from rtreview.core.viewing import manual_registration as mr
from rtreview.core.viewing import slicing
from rtreview.core.viewing.slicing import Plane
from rtreview.gui.registration import store
from rtreview.gui.registration.window import RegistrationWindow


def mismatch(w) -> float:
    """Mean |fixed - moving| HU inside the body on the window's current slice."""
    fixed = slicing.ct_slice(w.fixed.ct, w.plane, w.index[w.plane]).astype(float)
    moving = mr.moving_slice(w.fixed.ct, w.moving.ct, w.matrix(), w.plane, w.index[w.plane])
    body = np.isfinite(moving) & (fixed > -500)
    return float(np.abs(fixed[body] - moving[body]).mean())


@pytest.fixture
def window(qtbot, two_ct_sample, tmp_path):
    case = load(two_ct_sample)
    patient = case.patients[0]
    case_file = tmp_path / "case" / "patient.case.json"
    case_file.parent.mkdir()
    case_file.write_text("{}")
    w = RegistrationWindow(case, patient, patient.link_for_plan("LIVER"), patient.link_for_plan("L ILIUM"),
                           str(case_file))
    qtbot.addWidget(w)
    w.resize(1200, 900)
    w.show()
    return w


def test_loaded_registration_lines_up_and_reset_does_not(window):
    w = window
    reg = next(r for r in w.patient.registrations if r.transforms)
    np.testing.assert_allclose(w.matrix(), reg.transforms[0].matrix, atol=1e-9)
    w.index[Plane.AXIAL] = slicing.slice_index_at(w.fixed.ct, Plane.AXIAL, -200.0)  # the pelvis, on both CTs
    w.render()
    aligned = mismatch(w)
    w.reset()
    assert np.allclose(w.matrix(), np.eye(4))
    assert mismatch(w) > 5 * aligned and aligned < 40.0  # HU: noise and interpolation only when aligned
    # what is drawn is the checkerboard of the fixed slice and the moving slice
    fixed = slicing.ct_slice(w.fixed.ct, Plane.AXIAL, w.index[Plane.AXIAL]).astype(np.float32)
    moving = mr.moving_slice(w.fixed.ct, w.moving.ct, w.matrix(), Plane.AXIAL, w.index[Plane.AXIAL])
    u, v = slicing.slice_axes(w.fixed.ct, Plane.AXIAL)
    np.testing.assert_array_equal(w.image.image, mr.checkerboard(fixed, moving, u, v))
    assert any(item.isVisible() for item in w.moving_lines) and any(item.isVisible() for item in w.fixed_lines)
    assert w.moving_lines[0].opts["pen"].style() == QtCore.Qt.PenStyle.DashLine
    # rows are y, columns x: the image's bounds in mm are the CT's (not transposed)
    rect = w.image.mapRectToParent(w.image.boundingRect())
    assert rect.width() == pytest.approx(u[-1] - u[0] + (u[1] - u[0]), rel=1e-6)
    assert rect.height() == pytest.approx(v[-1] - v[0] + (v[1] - v[0]), rel=1e-6)
    assert w.image.image.shape == (v.size, u.size)


def test_keys_and_numbers_move_the_ct(window):
    w = window
    w.reset()
    w.canvas.setFocus()
    QtTest.QTest.keyClick(w, QtCore.Qt.Key.Key_Right)
    QtTest.QTest.keyClick(w, QtCore.Qt.Key.Key_Down, QtCore.Qt.KeyboardModifier.ShiftModifier)
    QtTest.QTest.keyClick(w, QtCore.Qt.Key.Key_Period)
    assert (w.params.tx, w.params.ty, w.params.rz) == (1.0, 5.0, 0.5)
    assert w.spins["tx"].value() == 1.0 and w.spins["rz"].value() == 0.5
    w.spins["tz"].setValue(-12.0)
    w.spins["rx"].setValue(2.0)
    expected = mr.RigidParameters(1.0, 5.0, -12.0, 2.0, 0.0, 0.5, w.center).matrix()
    np.testing.assert_allclose(w.matrix(), expected)
    back = mr.RigidParameters.from_matrix(expected, w.center)
    assert (round(back.tz, 9), round(back.rx, 9), round(back.rz, 9)) == (-12.0, 2.0, 0.5)
    w.plane_box.setCurrentIndex(1)  # coronal: moves go to x and z
    w.nudge(du_mm=3.0, dv_mm=4.0)
    assert (w.params.tx, w.params.tz) == (4.0, -8.0)


def test_save_beside_the_case_file_used_at_once_and_reloaded(window, two_ct_sample, tmp_path):
    w = window
    w.reset()
    w.set_parameters(mr.RigidParameters(-30.0, 18.0, -60.0, 0.0, 0.0, -2.5, w.center))
    path = w.ask_and_save()
    assert path == str(tmp_path / "case" / "RTR_SAMPLE_001_L_ILIUM_to_LIVER.reg.dcm")
    reg = read_registration(path)
    np.testing.assert_allclose(reg.transforms[0].matrix, w.matrix(), atol=1e-9)
    assert reg.transforms[0].source_frame == w.moving_frame and reg.frame_of_reference_uid == w.fixed_frame
    assert w.patient.registrations[0].path == path  # in use, instead of the loaded REG
    np.testing.assert_allclose(w.patient.frame_links.mapping(w.moving_frame, w.fixed_frame).matrix, w.matrix(),
                               atol=1e-9)
    assert "instead of REG_CT2_TO_CT1.dcm" in w.status.text()
    # never into an input folder
    refused = w.save(str(two_ct_sample / "manual.reg.dcm"))
    assert refused is None and "input folders are never written to" in w.status.text()
    assert not (two_ct_sample / "manual.reg.dcm").exists()
    # a new session: the case file brings the saved registration back
    case = load(two_ct_sample)
    messages = store.attach_beside(case, tmp_path / "case" / "patient.case.json")
    assert messages and "RTR_SAMPLE_001_L_ILIUM_to_LIVER.reg.dcm in use" in messages[0]
    np.testing.assert_allclose(case.patients[0].frame_links.mapping(w.moving_frame, w.fixed_frame).matrix,
                               w.matrix(), atol=1e-9)
