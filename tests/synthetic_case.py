"""Tiny in-memory cases for viewing / GUI tests: known geometry, known dose (built here, no files).

CT: 20 x 32 x 40 voxels (z, y, x), 2 mm in-plane, 3 mm slices, HU = x index (a ramp).
Dose: a 2.5 mm grid offset from the CT, dose = 2 + 0.5 * x_mm (Gy), linear so trilinear
interpolation is exact. ROIs: a cylinder 'PTV' (r 10 mm) and a box 'Cord' (ORGAN).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rtreview.core.dicom.case import Case, DoseLink, Patient
from rtreview.core.dicom.ct_volume import CtVolume
from rtreview.core.dicom.dose_grid import DoseGrid
from rtreview.core.dicom.load_report import LoadReport
from rtreview.core.dicom.plan import Plan
from rtreview.core.dicom.structure_set import Roi, StructureSet


def make_ct() -> CtVolume:
    x = -39.0 + 2.0 * np.arange(40)
    y = -31.0 + 2.0 * np.arange(32)
    z = -30.0 + 3.0 * np.arange(20)
    hu = np.broadcast_to(np.arange(40, dtype=np.int16) * 10 - 200, (20, 32, 40)).copy()
    return CtVolume("1.2.ct", hu, x, y, z, frame_of_reference_uid="1.2.for", patient_id="P1")


def make_dose(scale: float = 1.0, uid: str = "1.2.dose1") -> DoseGrid:
    x = -30.0 + 2.5 * np.arange(25)
    y = -25.0 + 2.5 * np.arange(21)
    z = -24.0 + 2.5 * np.arange(19)
    dose = np.broadcast_to((2.0 + 0.5 * x) * scale, (19, 21, 25)).astype(np.float32)
    dose = np.clip(dose, 0, None)
    return DoseGrid(uid, f"/virtual/{uid}.dcm", np.ascontiguousarray(dose), x, y, z, patient_id="P1")


def circle(cx: float, cy: float, r: float, n: int = 48) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def make_structure_set() -> StructureSet:
    ptv = Roi(1, "PTV", (255, 0, 0), "PTV")
    cord = Roi(2, "Cord", (0, 255, 0), "ORGAN")
    for z in np.arange(-12.0, 13.0, 3.0):
        ptv.planes[float(z)] = [circle(10.0, 0.0, 10.0)]
    for z in np.arange(-21.0, 22.0, 3.0):
        cord.planes[float(z)] = [np.array([[-20.0, 10.0], [-12.0, 10.0], [-12.0, 18.0], [-20.0, 18.0]])]
    return StructureSet("1.2.ss", "/virtual/ss.dcm", label="TEST", rois=[ptv, cord], patient_id="P1")


def make_case(patient_id: str = "P1") -> Case:
    ct, ss = make_ct(), make_structure_set()
    plan_a = Plan("1.2.plan1", "/virtual/plan1.dcm", label="PLAN A", prescription_gy=20.0, fractions=5)
    plan_b = Plan("1.2.plan2", "/virtual/plan2.dcm", label="PLAN B", prescription_gy=10.0, fractions=2)
    dose_a, dose_b = make_dose(1.0, "1.2.dose1"), make_dose(0.5, "1.2.dose2")
    patient = Patient(patient_id, "TEST^PATIENT", plans=[plan_a, plan_b], doses=[dose_a, dose_b],
                      structure_sets=[ss], cts=[ct],
                      links=[DoseLink(dose_a, plan_a, ss, ct), DoseLink(dose_b, plan_b, ss, ct)])
    return Case([patient], LoadReport())


@dataclass
class FakeDvh:
    """Stands in for the engine's Dvh in tests of views (arrays only; metrics by interpolation)."""

    roi_number: int
    name: str
    type: str
    color_rgb: tuple[int, int, int]
    volume_cc: float
    covered_volume_cc: float
    min_gy: float
    mean_gy: float
    max_gy: float
    dose_gy: np.ndarray = field(default_factory=lambda: np.zeros(1))
    cumulative_cc: np.ndarray = field(default_factory=lambda: np.zeros(1))
    differential_cc: np.ndarray = field(default_factory=lambda: np.zeros(1))

    def d_pct(self, x: float) -> float:
        return self.d_cc(self.volume_cc * x / 100.0)

    def d_cc(self, x: float) -> float:
        return float(np.interp(x, self.cumulative_cc[::-1], self.dose_gy[::-1]))

    def v_gy(self, d: float) -> float:
        return float(np.interp(d, self.dose_gy, self.cumulative_cc))


def fake_dvhs(structure_set: StructureSet, dose: DoseGrid, prescription_gy=None, **_) -> dict[int, FakeDvh]:
    out = {}
    top = float(dose.max_gy)
    for k, roi in enumerate(structure_set.rois):
        volume = 10.0 * (k + 1)
        edges = np.linspace(0, top, 101)
        cum = volume * np.clip(1.0 - edges / (top * (0.6 + 0.3 * k)), 0, 1)
        out[roi.number] = FakeDvh(roi.number, roi.name, roi.type, roi.color_rgb, volume, volume * (1 - 0.1 * k),
                                  0.0, top / 3, top, edges, cum, -np.diff(np.append(cum, 0.0)))
    return out
