"""DICOM Spatial Registration: reading (hand-written REG files), chains, inverses, the writer.

No real-world REG file with a permissive licence was found (searched: pydicom test files and
pydicom-data, SlicerRT, fo-dicom, the shared reference sets; none holds a REG). The REG files
here are written field by field with pydicom from PS3.3 C.20.2, and every expected mapping is
computed independently of the matrices: points are rotated with explicit cos/sin and shifted
by hand, never through the module under test.
"""
from __future__ import annotations

import math

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from dicom_builders import base, save
from rtreview.core.dicom.errors import DicomReadError
from rtreview.core.dicom.frame_links import FrameLinks, MissingRegistration, apply, invert
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.registration import read_registration
from rtreview.core.dicom.registration_writer import RegistrationSubject, write_registration

REG = "1.2.840.10008.5.1.4.1.1.66.1"
DREG = "1.2.840.10008.5.1.4.1.1.66.3"


def rot_z(deg: float) -> np.ndarray:
    a = math.radians(deg)
    m = np.eye(4)
    m[:2, :2] = [[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]
    return m


def shift(t) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = t
    return m


def matrix_item(m: np.ndarray, kind: str = "RIGID") -> Dataset:
    item = Dataset()
    item.FrameOfReferenceTransformationMatrixType = kind
    item.FrameOfReferenceTransformationMatrix = [float(v) for v in np.asarray(m).reshape(16)]
    return item


def reg_item(frame: str, matrices: list[Dataset]) -> Dataset:
    mrs = Dataset()
    mrs.MatrixSequence = Sequence(matrices)
    item = Dataset()
    item.FrameOfReferenceUID = frame
    item.MatrixRegistrationSequence = Sequence([mrs])
    return item


def rigid_reg(registered: str, moving: str, matrices: list[Dataset], patient_id: str = "SYN001") -> Dataset:
    ds = base(REG, "REG", patient_id=patient_id, frame_uid=registered)
    ds.RegistrationSequence = Sequence([reg_item(moving, matrices), reg_item(registered, [matrix_item(np.eye(4))])])
    return ds


def by_hand(points, deg: float, t) -> np.ndarray:
    """Rotate about the z axis by ``deg`` then add ``t``, one coordinate at a time."""
    a = math.radians(deg)
    out = []
    for x, y, z in points:
        out.append((x * math.cos(a) - y * math.sin(a) + t[0], x * math.sin(a) + y * math.cos(a) + t[1], z + t[2]))
    return np.array(out)


POINTS = np.array([[0.0, 0.0, 0.0], [100.0, -50.0, 20.0], [-37.5, 212.0, -480.0]])


def test_rigid_reg_two_matrices_apply_in_item_order(tmp_path):
    a, b = generate_uid(), generate_uid()
    # item 1 rotates 4 degrees about z, item 2 translates: PS3.3 C.20.2.1.1, M = M2 M1
    ds = rigid_reg(a, b, [matrix_item(rot_z(4.0)), matrix_item(shift((31.0, -12.5, 40.0)))])
    reg = read_registration(save(ds, tmp_path / "reg.dcm"))
    assert not reg.deformable and reg.frame_of_reference_uid == a and not reg.unsupported
    assert [(t.source_frame, t.target_frame, t.kind) for t in reg.transforms] == [(b, a, "RIGID")]
    got = apply(reg.transforms[0].matrix, POINTS)
    np.testing.assert_allclose(got, by_hand(POINTS, 4.0, (31.0, -12.5, 40.0)), atol=1e-9)
    # the opposite order would rotate the translation too: a wrong reading cannot pass
    wrong = apply(rot_z(4.0) @ shift((31.0, -12.5, 40.0)), POINTS)
    assert np.abs(wrong - got).max() > 1.0


def test_rigid_scale_read_affine_deformable_and_bad_matrices_reported(tmp_path):
    a, b, c, d, e, f = (generate_uid() for _ in range(6))
    scale = np.diag([1.02, 0.98, 1.0, 1.0]) @ rot_z(2.0)
    reg = read_registration(rigid_reg(a, b, [matrix_item(scale, "RIGID_SCALE")]))
    assert reg.transforms[0].kind == "RIGID_SCALE"
    np.testing.assert_allclose(reg.transforms[0].matrix, scale)
    shear = np.eye(4)
    shear[0, 1] = 0.1
    mirror = np.diag([-1.0, 1.0, 1.0, 1.0])
    for m, kind, words in ((shear, "AFFINE", "'AFFINE' is not supported yet"),
                           (shear, "RIGID", "not orthonormal"),
                           (np.diag([1.1, 1.1, 1.1, 1.0]), "RIGID", "not orthonormal"),
                           (mirror, "RIGID", "mirrors")):
        reg = read_registration(rigid_reg(c, d, [matrix_item(m, kind)]))
        assert reg.transforms == []
        assert len(reg.unsupported) == 1 and words in reg.unsupported[0][2], reg.unsupported
    # deformable: read, reported as not supported, never a rigid transform
    ds = base(DREG, "REG", frame_uid=e)
    item = Dataset()
    item.SourceFrameOfReferenceUID = f
    item.PreDeformationMatrixRegistrationSequence = Sequence([matrix_item(shift((5.0, 0, 0)))])
    grid = Dataset()
    grid.GridDimensions = [2, 2, 2]
    item.DeformableRegistrationGridSequence = Sequence([grid])
    ds.DeformableRegistrationSequence = Sequence([item])
    reg = read_registration(save(ds, tmp_path / "dreg.dcm"))
    assert reg.deformable and reg.transforms == []
    assert reg.unsupported[0][:2] == (f, e) and "not supported yet" in reg.unsupported[0][2]
    with pytest.raises(MissingRegistration, match="only a registration that is not supported"):
        FrameLinks([reg]).mapping(f, e)


def test_not_a_registration_and_no_frame(tmp_path):
    ds = base("1.2.840.10008.5.1.4.1.1.481.2", "RTDOSE")
    with pytest.raises(DicomReadError, match="not a Spatial Registration"):
        read_registration(ds, "x.dcm")
    ds = rigid_reg(generate_uid(), generate_uid(), [matrix_item(np.eye(4))])
    del ds.FrameOfReferenceUID
    with pytest.raises(DicomReadError, match="names no Frame of Reference UID"):
        read_registration(ds, "x.dcm")


def test_chain_composes_inverts_and_names_the_missing_link():
    a, b, c, d = (generate_uid() for _ in range(4))
    # REG 1: B -> A (rotate 3 degrees, shift); REG 2: C -> B (rotate -5 degrees, shift)
    r1 = read_registration(rigid_reg(a, b, [matrix_item(shift((10.0, 20.0, -30.0)) @ rot_z(3.0))]), "reg1.dcm")
    r2 = read_registration(rigid_reg(b, c, [matrix_item(shift((-60.0, 5.0, 12.0)) @ rot_z(-5.0))]), "reg2.dcm")
    links = FrameLinks([r1, r2])
    c_to_a = links.mapping(c, a)
    expected = by_hand(by_hand(POINTS, -5.0, (-60.0, 5.0, 12.0)), 3.0, (10.0, 20.0, -30.0))
    np.testing.assert_allclose(apply(c_to_a.matrix, POINTS), expected, atol=1e-9)
    assert [s.transform.path for s in c_to_a.steps] == ["reg2.dcm", "reg1.dcm"]
    assert not any(s.inverted for s in c_to_a.steps) and c_to_a.kind == "RIGID"
    a_to_c = links.mapping(a, c)
    assert all(s.inverted for s in a_to_c.steps)
    np.testing.assert_allclose(apply(a_to_c.matrix, expected), POINTS, atol=1e-9)
    np.testing.assert_allclose(a_to_c.matrix, invert(c_to_a.matrix), atol=1e-12)
    assert "(inverted)" in a_to_c.describe() and "reg1.dcm" in a_to_c.describe()
    assert links.mapping(b, b).is_identity and sorted(links.reachable(a)) == sorted([a, b, c])
    with pytest.raises(MissingRegistration) as info:
        links.mapping(c, d, names={d: "the L ILIUM CT"})
    message = str(info.value)
    assert "the L ILIUM CT" in message and c in message and "2 other frame(s)" in message
    with pytest.raises(MissingRegistration, match="no Spatial Registration"):
        FrameLinks([]).mapping(a, d)


def test_loader_reads_reg_files_and_reports_unsupported(tmp_path):
    a, b, e, f = (generate_uid() for _ in range(4))
    save(rigid_reg(a, b, [matrix_item(shift((1.0, 2.0, 3.0)))]), tmp_path / "in" / "reg.dcm")
    ds = base(DREG, "REG", frame_uid=e)
    item = Dataset()
    item.SourceFrameOfReferenceUID = f
    ds.DeformableRegistrationSequence = Sequence([item])
    save(ds, tmp_path / "in" / "dreg.dcm")
    case = load(tmp_path / "in")
    [patient] = case.patients
    assert sorted(r.deformable for r in patient.registrations) == [False, True]
    np.testing.assert_allclose(patient.frame_links.mapping(b, a).matrix, shift((1.0, 2.0, 3.0)))
    warnings = [i.message for i in case.report.warnings if i.path.endswith("dreg.dcm")]
    assert any("Deformable Spatial Registration" in w and "not supported" in w for w in warnings)
    assert not case.report.ignored


def test_writer_round_trip_by_rtreview_and_pydicom(tmp_path):
    a, b = generate_uid(), generate_uid()
    m = shift((-42.0, 17.5, 60.0)) @ rot_z(-3.5)
    subject = RegistrationSubject(patient_id="SYN001", patient_name="Synthetic^Patient", fixed_frame=a,
                                  moving_frame=b, study_instance_uid=generate_uid())
    path = tmp_path / "manual.reg.dcm"
    uid = write_registration(path, subject, m)
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == REG and ds.SOPInstanceUID == uid and ds.Modality == "REG"
    assert ds.FrameOfReferenceUID == a and ds.RegistrationSequence[0].FrameOfReferenceUID == b
    reg = read_registration(path)
    np.testing.assert_allclose(reg.transforms[0].matrix, m, atol=1e-12)
    assert [p.name for p in tmp_path.iterdir()] == ["manual.reg.dcm"]  # no temporary file left
    with pytest.raises(ValueError, match="not orthonormal"):
        write_registration(tmp_path / "bad.dcm", subject, np.diag([2.0, 1.0, 1.0, 1.0]))
    assert not (tmp_path / "bad.dcm").exists()


def test_info_lists_registrations(tmp_path):
    import json
    import subprocess
    import sys
    a, b = generate_uid(), generate_uid()
    save(rigid_reg(a, b, [matrix_item(shift((1.0, 2.0, 3.0)))]), tmp_path / "reg.dcm")
    out = subprocess.run([sys.executable, "-m", "rtreview", "info", str(tmp_path), "--json"], capture_output=True,
                         text=True, check=True)
    [patient] = json.loads(out.stdout)["patients"]
    [reg] = patient["registrations"]
    assert reg["registered_frame"] == a and reg["transforms"][0]["source_frame"] == b
    assert reg["transforms"][0]["matrix"][0][3] == 1.0 and reg["transforms"][0]["type"] == "RIGID"
