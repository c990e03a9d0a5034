"""Synthetic cases for the reliability tests: one patient anatomy written in any patient position.

The anatomy and the dose are functions of DICOM patient coordinates (mm), so the same case
written head-first/feet-first, supine/prone (with the matching ImageOrientationPatient,
flipped pixel axes and frame order) must load to the same CT, contours and DVHs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

import dicom_builders as b

# Row direction cosine, column direction cosine per patient position (CT and dose alike).
POSITIONS = {
    "HFS": (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    "HFP": (-1.0, 0.0, 0.0, 0.0, -1.0, 0.0),
    "FFS": (-1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    "FFP": (1.0, 0.0, 0.0, 0.0, -1.0, 0.0),
}
HOT_SPOT_MM = (6.0, -4.0, 2.0)  # centre of the dose hot spot (and of the "Hot" ROI)


def hu_at(x, y, z):
    """CT number at patient coordinates: distinct along each axis, so any flip shows."""
    return np.round(3 * x - 7 * y + 11 * z).astype(np.int64)


def dose_at(x, y, z):
    """Dose (Gy): a 60 Gy Gaussian hot spot at HOT_SPOT_MM on a gradient along +x +y +z."""
    hx, hy, hz = HOT_SPOT_MM
    r2 = (x - hx) ** 2 + (y - hy) ** 2 + (z - hz) ** 2
    return 60.0 * np.exp(-r2 / (2 * 8.0 ** 2)) + 0.2 * (x + 30) + 0.1 * (y + 30) + 0.05 * (z + 30)


def _axis(lo: float, hi: float, step: float, sign: int) -> np.ndarray:
    axis = np.arange(lo, hi + step / 2, step)
    return axis if sign > 0 else axis[::-1]


def positioned_case(folder: Path, position: str, *, patient_id: str = "POS001") -> dict:
    """CT (2 mm, x -20..20, y -16..16, z -10..10), RTSTRUCT (Hot square around the hot spot,
    Side square off to +x), RTPLAN and RTDOSE (2.5 mm grid) in ``position``; files in ``folder``.

    Pixel columns run along the row cosine, rows along the column cosine, dose frames along
    their cross product (the plane normal): the file's voxel order differs per position, the
    patient coordinates of every voxel do not.
    """
    orientation = POSITIONS[position]
    xs, ys = int(orientation[0]), int(orientation[4])
    normal = xs * ys
    frame, study = b.generate_uid(), b.generate_uid()
    patient = dict(patient_id=patient_id, patient_name="Position^Test")

    # CT: one file per slice; IPP is the centre of the first transmitted voxel.
    ct_x, ct_y = _axis(-20, 20, 2.0, xs), _axis(-16, 16, 2.0, ys)
    ct_z = np.arange(-10.0, 10.0 + 1, 2.0)
    yy, xx = np.meshgrid(ct_y, ct_x, indexing="ij")
    hu = np.stack([hu_at(xx, yy, z) for z in ct_z]).astype(np.float64)
    cts = b.ct_series(list(ct_z), rows=len(ct_y), cols=len(ct_x), origin=(ct_x[0], ct_y[0]), hu=hu,
                      orientation=orientation, frame_uid=frame, study_uid=study, **patient)
    for ds in cts:
        ds.PatientPosition = position

    rois = [{"number": 1, "name": "Hot", "type": "PTV", "contours": [
                ("CLOSED_PLANAR", b.roi_square(z, half=6.0, cx=HOT_SPOT_MM[0], cy=HOT_SPOT_MM[1]))
                for z in (-2.0, 0.0, 2.0, 4.0, 6.0)]},
            {"number": 2, "name": "Side", "type": "ORGAN", "contours": [
                ("CLOSED_PLANAR", b.roi_square(z, half=3.0, cx=-12.0, cy=8.0)) for z in (-6.0, -4.0)]}]
    ss = b.rtstruct(rois, frame_uid=frame, series_uid=cts[0].SeriesInstanceUID, study_uid=study, **patient)
    plan = b.rtplan(structure_set_uid=ss.SOPInstanceUID, frame_uid=frame, study_uid=study, **patient)

    d_x, d_y = _axis(-25, 25, 2.5, xs), _axis(-20, 20, 2.5, ys)
    d_z = _axis(-12.5, 12.5, 2.5, normal)  # frames in file order along the plane normal
    zz, yy, xx = np.meshgrid(d_z, d_y, d_x, indexing="ij")
    dose = b.rtdose(dose_at(xx, yy, zz), origin=(d_x[0], d_y[0], d_z[0]), spacing=(2.5, 2.5),
                    offsets=[2.5 * k for k in range(len(d_z))], orientation=orientation, scaling=2e-3,
                    plan_uid=plan.SOPInstanceUID, frame_uid=frame, study_uid=study, **patient)
    for k, ds in enumerate(cts):
        b.save(ds, folder / f"CT{k:02d}.dcm")
    b.save(ss, folder / "RS.dcm")
    b.save(plan, folder / "RP.dcm")
    b.save(dose, folder / "RD.dcm")
    return {"ct": cts, "rtstruct": ss, "rtplan": plan, "rtdose": dose}
