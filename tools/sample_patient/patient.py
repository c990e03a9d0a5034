"""Make one synthetic patient: CT, structure set, and one RT Plan + RT Dose per course."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .anatomy import Anatomy
from .hu import hu_volume
from .plan_writers import rtdose, rtplan
from .plans import PLANS, PlanSpec, compute_plan
from .second_ct import write_second_ct
from .writers import Identity, ct_slices, rtstruct

CT_COLUMNS, CT_ROWS, CT_PIXEL_MM = 256, 192, 1.8
CT_SLICES, CT_SLICE_MM, CT_TOP_Z_MM = 117, 3.0, 30.0
CT_NOISE_HU = 10.0
STRUCT_DATE, STRUCT_TIME = "20200622", "160000"


@dataclass
class PatientSummary:
    """What was written, for scripts and tests."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    ct_shape: tuple[int, int, int] = (0, 0, 0)
    plans: dict[str, dict] = field(default_factory=dict)


def ct_axes(scale: float = 1.0):
    """Voxel-centre axes (x, y, z) of the CT in mm; z descending from the top slice. The slice
    count follows the anatomy's scale (the same anatomy is always covered)."""
    xs = (np.arange(CT_COLUMNS) - (CT_COLUMNS - 1) / 2) * CT_PIXEL_MM
    ys = (np.arange(CT_ROWS) - (CT_ROWS - 1) / 2) * CT_PIXEL_MM
    zs = CT_TOP_Z_MM * scale - CT_SLICE_MM * np.arange(int(round(CT_SLICES * scale)))
    return xs, ys, np.round(zs, 3)


def make_patient(out_dir, *, patient_id: str = "RTR-SAMPLE-001", seed: int = 20200607,
                 anatomy_scale: float = 1.0, patient_name: str = "SYNTHETIC^SAMPLE",
                 plans: tuple[PlanSpec, ...] = PLANS, noise_hu: float = CT_NOISE_HU,
                 second_ct: str | None = None) -> PatientSummary:
    """Write the patient's DICOM files into ``out_dir`` (created) and return a summary.

    Deterministic: the same arguments give byte-identical files. ``anatomy_scale`` scales
    every organ and the body (not the CT grid); ``seed`` drives the CT noise only.
    ``second_ct``: the label of a course planned on a second CT in its own frame of reference
    (CT 2, its structure set, that course's plan and dose, and a REG linking the frames: see
    second_ct.py); None puts every course on the one CT.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ident = Identity(patient_id=patient_id, patient_name=patient_name)
    anat = Anatomy(anatomy_scale)
    rng = np.random.default_rng(seed)
    xs, ys, zs = ct_axes(anatomy_scale)
    hu = hu_volume(anat, xs, ys, zs, rng=rng, noise_hu=noise_hu)
    summary = PatientSummary(out, ct_shape=hu.shape)

    def save(ds, name):
        path = out / name
        ds.save_as(path, enforce_file_format=True)
        summary.files.append(path)

    ct = ct_slices(ident, hu, xs, ys, zs, CT_SLICE_MM)
    for ds in ct:
        save(ds, f"CT_{int(ds.InstanceNumber):03d}.dcm")
    struct = rtstruct(ident, ct, anat.rois, lambda roi, z: anat.contours(roi.shape, z),
                      STRUCT_DATE, STRUCT_TIME)
    save(struct, "RS_SYNTHETIC.dcm")
    names = [r.name for r in anat.rois]
    for n, spec in enumerate(plans):
        result, iso = compute_plan(anat, spec, hu, (xs, ys, zs))
        key = spec.label.replace(" ", "_")
        if spec.label == second_ct:
            summary.plans[spec.label] = write_second_ct(save, ident, anat, hu, (xs, ys, zs), spec, result, iso,
                                                        10 + n)
            continue
        plan = rtplan(ident, spec, result, iso, struct, names.index(spec.ptv) + 1, 10 + n)
        save(plan, f"RP_{key}.dcm")
        save(rtdose(ident, spec, result, plan), f"RD_{key}.dcm")
        summary.plans[spec.label] = dict(
            iso_mm=tuple(float(v) for v in iso), shape=result.dose_gy.shape,
            x_mm=(float(result.xs[0]), float(result.xs[-1])), y_mm=(float(result.ys[0]), float(result.ys[-1])),
            z_mm=(float(result.zs[0]), float(result.zs[-1])), ptv_d95_gy=result.ptv_d95_gy,
            max_gy=result.max_gy, iso_gy=result.iso_gy)
    return summary
