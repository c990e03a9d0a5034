"""A small synthetic patient for cohorts: the sample-patient anatomy and plans on a coarse CT.

``make_small_patient(out_dir, patient_id=..., seed=...)`` writes CT, RT Structure Set and one RT
Plan + RT Dose per course like ``tools/sample_patient.make_patient``, reusing its anatomy, dose
model and DICOM writers, but on a coarse CT (3.6 mm pixels, 6 mm slices by default) and with
fewer compensation iterations, so a patient takes a few seconds instead of a minute. The
anatomy scale, prescriptions, beam weights, margins and which courses a patient has are drawn
from ``seed``: the same arguments give byte-identical files.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sample_patient.anatomy import Anatomy
from sample_patient.hu import hu_volume
from sample_patient.patient import CT_TOP_Z_MM, STRUCT_DATE, STRUCT_TIME, PatientSummary
from sample_patient.plan_writers import rtdose, rtplan
from sample_patient.plans import ILIUM_PLAN, LIVER_PLAN, PlanSpec, compute_plan
from sample_patient.writers import Identity, ct_slices, rtstruct

FOV_X_MM, FOV_Y_MM = 256 * 1.8, 192 * 1.8  # the sample CT's field of view
REFERENCE_CT_LENGTH_MM = 117 * 3.0  # the sample CT's length at anatomy scale 1


def coarse_ct_axes(scale: float, pixel_mm: float, slice_mm: float):
    """Voxel-centre axes (x, y, z) of a coarse CT over the sample CT's field of view (mm)."""
    nx, ny = int(round(FOV_X_MM / pixel_mm)), int(round(FOV_Y_MM / pixel_mm))
    nz = int(round(REFERENCE_CT_LENGTH_MM * scale / slice_mm))
    xs = (np.arange(nx) - (nx - 1) / 2) * pixel_mm
    ys = (np.arange(ny) - (ny - 1) / 2) * pixel_mm
    zs = CT_TOP_Z_MM * scale - slice_mm * np.arange(nz)
    return np.round(xs, 3), np.round(ys, 3), np.round(zs, 3)


def varied_plans(rng: np.random.Generator) -> tuple[PlanSpec, ...]:
    """One or both courses of the worked example, with varied prescription, weights and margins."""
    def vary(spec: PlanSpec, rx_fx: tuple[float, int]) -> PlanSpec:
        beams = tuple(dataclasses.replace(b, weight=round(b.weight * float(rng.uniform(0.8, 1.2)), 3))
                      for b in spec.beams)
        return dataclasses.replace(spec, rx_gy=rx_fx[0], fractions=rx_fx[1], beams=beams,
                                   margin_mm=round(float(rng.uniform(4.0, 8.0)), 1), compensation_iterations=1)

    liver = vary(LIVER_PLAN, [(50.0, 25), (50.0, 25), (45.0, 25)][int(rng.integers(3))])
    ilium = vary(ILIUM_PLAN, [(30.0, 10), (30.0, 10), (20.0, 5)][int(rng.integers(3))])
    which = int(rng.integers(4))
    return {0: (liver,), 1: (ilium,)}.get(which, (liver, ilium))


def make_small_patient(out_dir, *, patient_id: str, seed: int, anatomy_scale: float | None = None,
                       plans: tuple[PlanSpec, ...] | None = None, ct_pixel_mm: float = 3.6,
                       ct_slice_mm: float = 6.0, patient_name: str | None = None) -> PatientSummary:
    """Write one small synthetic patient into ``out_dir``; unset options are drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    scale = anatomy_scale if anatomy_scale is not None else round(float(rng.uniform(0.55, 0.75)), 3)
    plans = plans if plans is not None else varied_plans(rng)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ident = Identity(patient_id=patient_id, patient_name=patient_name or f"SYNTHETIC^COHORT^{patient_id}")
    anat = Anatomy(scale)
    xs, ys, zs = coarse_ct_axes(scale, ct_pixel_mm, ct_slice_mm)
    hu = hu_volume(anat, xs, ys, zs, rng=rng, noise_hu=10.0)
    summary = PatientSummary(out, ct_shape=hu.shape)

    def save(ds, name):
        path = out / name
        ds.save_as(path, enforce_file_format=True)
        summary.files.append(path)

    ct = ct_slices(ident, hu, xs, ys, zs, ct_slice_mm)
    for ds in ct:
        save(ds, f"CT_{int(ds.InstanceNumber):03d}.dcm")
    struct = rtstruct(ident, ct, anat.rois, lambda roi, z: anat.contours(roi.shape, z), STRUCT_DATE, STRUCT_TIME)
    save(struct, "RS_SYNTHETIC.dcm")
    names = [r.name for r in anat.rois]
    for n, spec in enumerate(plans):
        result, iso = compute_plan(anat, spec, hu, (xs, ys, zs))  # dose on the coarse CT's numbers
        key = spec.label.replace(" ", "_")
        plan = rtplan(ident, spec, result, iso, struct, names.index(spec.ptv) + 1, 10 + n)
        save(plan, f"RP_{key}.dcm")
        save(rtdose(ident, spec, result, plan), f"RD_{key}.dcm")
        summary.plans[spec.label] = dict(rx_gy=spec.rx_gy, fractions=spec.fractions, shape=result.dose_gy.shape,
                                         max_gy=result.max_gy)
    return summary
