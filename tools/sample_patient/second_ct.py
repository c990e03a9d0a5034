"""The second CT of the synthetic patient: one course planned on its own scan, in its own frame
of reference, with a known rigid offset from the first CT, and the REG object that links them.

Frame 2 is frame 1 moved rigidly: q = Rz(ROTATION_DEG) p + TRANSLATION_MM (p in frame 1 mm,
q in frame 2 mm; rotation about the table (z) axis through the origin). TRANSLATION_MM z is a
multiple of the 3 mm slice spacing, so the analytic contours of frame-1 plane z1 lie on the
frame-2 plane z1 + tz. Everything on CT 2 is made from the same synthetic anatomy and course:
- CT 2: the first CT's HU trilinearly interpolated at frame-2 voxel centres mapped back
  (air outside it), slices 3 mm from CT2_TOP_Z_MM down (the pelvis), CT 1's matrix with its
  field of view moved by the in-plane translation (the patient centred, as on CT 1);
- its structure set: the anatomy's analytic contours on each CT 2 plane, mapped by the offset;
- the course's plan (isocentre mapped) and dose: the course's dose computed on CT 1 as in
  the one-CT sample, trilinearly resampled onto a 2.5 mm grid axis-aligned in frame 2;
- the REG (DICOM Spatial Registration): registered frame = CT 1's, one RIGID matrix mapping
  frame 2 into frame 1 (the inverse of the offset above), one identity item for frame 1.
All UIDs derive from the patient ID and a 'ct2' tag; no clock is read (deterministic).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from . import uids
from .dose_model import DoseResult
from .plan_writers import rtdose, rtplan
from .writers import IMPLEMENTATION_VERSION, Identity, _base, _item, ct_slices, rtstruct

ROTATION_DEG = 3.0
TRANSLATION_MM = (35.0, -20.0, 60.0)
CT2_TOP_Z_MM, CT2_SLICES = -60.0, 67  # frame 2: -60 .. -258 mm (frame 1: -120 .. -318, inside CT 1)
DOSE_STEP_MM = 2.5
SPATIAL_REGISTRATION = "1.2.840.10008.5.1.4.1.1.66.1"
REG_DATE, REG_TIME = "20201008", "110000"


@dataclass(frozen=True)
class SecondIdentity(Identity):
    """The same synthetic patient; every UID (study, frame, series, instances) tagged 'ct2'."""

    study_date: str = "20201006"  # the second planning CT, a week before the ilium course
    study_time: str = "083000"

    def uid(self, *parts) -> str:
        return uids.uid(self.patient_id, "ct2", *parts)


def offset_matrix() -> np.ndarray:
    """Frame 1 mm -> frame 2 mm (4x4)."""
    a = math.radians(ROTATION_DEG)
    m = np.eye(4)
    m[:2, :2] = [[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]
    m[:3, 3] = TRANSLATION_MM
    return m


def _to_frame1(points2: np.ndarray) -> np.ndarray:
    inv = np.linalg.inv(offset_matrix())
    return points2 @ inv[:3, :3].T + inv[:3, 3]


def _trilinear(vol: np.ndarray, axes, pts: np.ndarray, outside: float) -> np.ndarray:
    """``vol`` (z, y, x) on increasing or decreasing axes (x, y, z) at points (N, 3) (x, y, z)."""
    out = np.zeros(len(pts))
    idx, frac, ok = [], [], np.ones(len(pts), bool)
    for k, axis in enumerate(axes):  # x, y, z
        a = np.asarray(axis, float)
        sign = 1.0 if a[-1] > a[0] else -1.0
        pos = (pts[:, k] - a[0]) / (a[1] - a[0]) if sign > 0 else (a[0] - pts[:, k]) / (a[0] - a[1])
        ok &= (pos >= -1e-6) & (pos <= a.size - 1 + 1e-6)
        i0 = np.clip(np.floor(pos).astype(int), 0, a.size - 2)
        idx.append(i0)
        frac.append(np.clip(pos - i0, 0.0, 1.0))
    (ix, iy, iz), (fx, fy, fz) = idx, frac
    for dz, wz in ((0, 1 - fz), (1, fz)):
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                out += wz * wy * wx * vol[iz + dz, iy + dy, ix + dx]
    return np.where(ok, out, outside)


def _grid_points(xs, ys, zs) -> np.ndarray:
    zz, yy, xx = np.meshgrid(zs, ys, xs, indexing="ij")
    return np.column_stack([xx.ravel(), yy.ravel(), zz.ravel()])


def ct2_axes(axes1) -> tuple[np.ndarray, np.ndarray]:
    """CT 2's column and row positions: CT 1's matrix and spacing with the field of view moved by
    the offset's in-plane translation, so the patient lies centred on CT 2 as on CT 1 (the
    scanner centres the field on the patient, not on frame 1's origin)."""
    xs1, ys1, _zs1 = axes1
    return (np.round(np.asarray(xs1, float) + TRANSLATION_MM[0], 3),
            np.round(np.asarray(ys1, float) + TRANSLATION_MM[1], 3))


def second_ct_hu(hu1: np.ndarray, axes1, xs, ys) -> tuple[np.ndarray, np.ndarray]:
    zs2 = np.round(CT2_TOP_Z_MM - 3.0 * np.arange(CT2_SLICES), 3)
    hu2 = np.empty((zs2.size, ys.size, xs.size), np.float32)
    for k, z in enumerate(zs2):  # plane by plane: bounded memory
        pts = _grid_points(xs, ys, [z])
        hu2[k] = _trilinear(hu1.astype(np.float64), axes1, _to_frame1(pts), -1000.0).reshape(ys.size, xs.size)
    return hu2, zs2


def _mapped_contours(anat, roi, z2: float):
    """The ROI's analytic frame-1 contours on plane z2 - tz, mapped into frame 2."""
    m = offset_matrix()
    z1 = round(z2 - TRANSLATION_MM[2], 3)
    out = []
    for poly in anat.contours(roi.shape, z1):
        xy = np.asarray(poly, float) @ m[:2, :2].T + m[:2, 3]
        out.append(xy)
    return out


def _dose_frame2(result: DoseResult) -> DoseResult:
    corners = np.array([[x, y, z] for x in (result.xs[0], result.xs[-1]) for y in (result.ys[0], result.ys[-1])
                        for z in (result.zs[0], result.zs[-1])])
    m = offset_matrix()
    q = corners @ m[:3, :3].T + m[:3, 3]
    lo = np.floor(q.min(axis=0) / DOSE_STEP_MM) * DOSE_STEP_MM
    hi = np.ceil(q.max(axis=0) / DOSE_STEP_MM) * DOSE_STEP_MM
    xs, ys, zs = (np.round(np.arange(lo[k], hi[k] + 1e-6, DOSE_STEP_MM), 3) for k in range(3))
    dose = np.empty((zs.size, ys.size, xs.size))
    for k, z in enumerate(zs):
        pts = _grid_points(xs, ys, [z])
        dose[k] = _trilinear(result.dose_gy, (result.xs, result.ys, result.zs), _to_frame1(pts),
                             0.0).reshape(ys.size, xs.size)
    return DoseResult(dose, xs, ys, zs, fields=result.fields, ptv_d95_gy=result.ptv_d95_gy,
                      max_gy=float(dose.max()), iso_gy=result.iso_gy)


def registration(ident1: Identity, ident2: SecondIdentity) -> Dataset:
    """The REG: frame 2 mapped into frame 1 (the registered frame), RIGID."""
    ds = _base(ident1, SPATIAL_REGISTRATION, ident2.uid("reg"), "REG", ident2.uid("reg-series"), 30,
               "SYNTHETIC registration CT2 -> CT1 (known rigid offset)", REG_DATE, REG_TIME)
    ds.FrameOfReferenceUID = ident1.frame_uid
    ds.PositionReferenceIndicator = ""
    ds.InstanceNumber = 1
    ds.ContentDate, ds.ContentTime = REG_DATE, REG_TIME
    ds.ContentLabel = "SYNTHETIC_RIGID"
    ds.ContentDescription = "SYNTHETIC: the generator's offset, not an image registration"
    ds.ContentCreatorName = ""
    inverse = np.linalg.inv(offset_matrix())
    items = []
    for frame, matrix, comment in ((ident2.frame_uid, inverse, "CT2 frame into CT1 frame (exact, synthetic)"),
                                   (ident1.frame_uid, np.eye(4), "CT1 frame (identity)")):
        m_item = _item(FrameOfReferenceTransformationMatrixType="RIGID",
                       FrameOfReferenceTransformationMatrix=[float(v) for v in matrix.reshape(16)])
        mrs = _item(MatrixSequence=Sequence([m_item]), FrameOfReferenceTransformationComment=comment)
        items.append(_item(FrameOfReferenceUID=frame, MatrixRegistrationSequence=Sequence([mrs])))
    ds.RegistrationSequence = Sequence(items)
    return ds


def write_second_ct(save, ident1: Identity, anat, hu1: np.ndarray, axes1, spec, result: DoseResult, iso1,
                    plan_number: int) -> dict:
    """Write CT 2, its structure set, the course's plan and dose on it, and the REG, through
    ``save(dataset, file name)``. Returns a summary for the generator's printout."""
    ident2 = SecondIdentity(patient_id=ident1.patient_id, patient_name=ident1.patient_name,
                            birth_date=ident1.birth_date, sex=ident1.sex, institution=ident1.institution)
    xs, ys = ct2_axes(axes1)
    hu2, zs2 = second_ct_hu(hu1, axes1, xs, ys)
    ct2 = ct_slices(ident2, hu2, xs, ys, zs2, 3.0)
    for ds in ct2:
        ds.SeriesDescription = "SYNTHETIC CT pelvis (2nd planning CT, own frame)"
        save(ds, f"CT2_{int(ds.InstanceNumber):03d}.dcm")
    rois2 = [r for r in anat.rois if any(_mapped_contours(anat, r, float(z)) for z in zs2)]
    struct2 = rtstruct(ident2, ct2, rois2, lambda roi, z: _mapped_contours(anat, roi, z), spec.date, "090000")
    struct2.StructureSetLabel = "SYNTHETIC_CT2"
    struct2.StructureSetName = "SYNTHETIC structures on CT 2"
    key = spec.label.replace(" ", "_")
    save(struct2, f"RS_{key}_CT2.dcm")
    result2 = _dose_frame2(result)
    m = offset_matrix()
    iso2 = np.asarray(iso1, float) @ m[:3, :3].T + m[:3, 3]
    names = [r.name for r in rois2]
    plan = rtplan(ident2, spec, result2, iso2, struct2, names.index(spec.ptv) + 1, plan_number)
    plan.RTPlanDescription = f"{plan.RTPlanDescription} (planned on CT 2)"
    save(plan, f"RP_{key}.dcm")
    save(rtdose(ident2, spec, result2, plan), f"RD_{key}.dcm")
    save(registration(ident1, ident2), "REG_CT2_TO_CT1.dcm")
    return dict(iso_mm=tuple(float(v) for v in iso2), shape=result2.dose_gy.shape,
                x_mm=(float(result2.xs[0]), float(result2.xs[-1])), y_mm=(float(result2.ys[0]), float(result2.ys[-1])),
                z_mm=(float(result2.zs[0]), float(result2.zs[-1])), ptv_d95_gy=result.ptv_d95_gy,
                max_gy=result2.max_gy, iso_gy=result.iso_gy, frame="CT 2")
