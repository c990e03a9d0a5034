#!/usr/bin/env python3
"""Write the LARGE synthetic benchmark case: an RTSTRUCT of 31 structures and an RTDOSE.

    .venv/bin/python bench/make_large_case.py [--out bench/out/large_case]

Deterministic (fixed seed, UIDs derived from fixed strings): the same bytes on every run.
Output (git-ignored): ``bench/out/large_case/RS.large_case.dcm`` and ``RD.large_case.dcm``.

Synthetic abdomen, all in DICOM patient mm (x: patient left +, y: posterior +, z: superior +):
- BODY: elliptic cylinder 300 x 210 mm (30 cm wide), z -177 .. +177 mm;
- 30 more structures: liver, spleen, stomach, kidneys, bowel, lung bases, heart base, cord, cord
  PRV, vertebrae (a ring: outer contour + canal hole on every plane), aorta, IVC, esophagus, ...,
  small ones of 1-10 cc (adrenals, lymph nodes, GTV_node), the targets GTV/CTV/PTV, a PTV ring
  (hole = the PTV), Liver-GTV (hole) and Kidneys (two disjoint contours per plane);
- contour planes every 3 mm (z = -177 + 3 k), 100-400 points per contour (about one point per
  1.5 mm of perimeter), outlines wobbled by a few smooth harmonics so they are not ellipses;
- RTDOSE: 200 x 200 x 150 voxels of 2.5 mm (x, y -248.75 .. 248.75, z -186.25 .. 186.25;
  the contour planes do not coincide with dose planes), uint32 with DoseGridScaling 1e-5 Gy,
  a smooth plan-like dose: 50 Gy to the PTV with a ~3 mm sigmoid fall-off, two crossed
  low-dose beam corridors, a little scatter, zero outside the body (max ~53.5 Gy).

Written with pydicom 3 (app venv) as proper Part 10 files (preamble, File Meta, Explicit VR
Little Endian), so pydicom 2.4.5 / dicompyler-core (bench/.venv-peer) read them too.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out" / "large_case"
SEED = 20261126
PLANE_Z0, PLANE_STEP, N_PLANES = -177.0, 3.0, 119          # z = -177 .. +177 mm
DOSE_SHAPE = (150, 200, 200)                                # frames, rows, columns
DOSE_SPACING = 2.5
DOSE_ORIGIN = (-248.75, -248.75, -186.25)                   # first voxel centre (x, y, z)
DOSE_SCALING = 1e-5                                         # Gy per stored unit
RX_GY = 50.0

# name, type, centre (x, y, z) mm, semi-axes (a, b, c) mm, kind, wobble amplitude
#   kind "ellipsoid": ellipsoid; "cylinder": elliptic cylinder, c = half length
STRUCTURES = [
    ("BODY", "EXTERNAL", (0, 0, 0), (150, 105, 177), "cylinder", 0.015),
    ("Liver", "ORGAN", (-60, -10, 60), (85, 70, 65), "ellipsoid", 0.05),
    ("Spleen", "ORGAN", (90, 30, 70), (40, 32, 50), "ellipsoid", 0.05),
    ("Stomach", "ORGAN", (45, -40, 85), (50, 38, 45), "ellipsoid", 0.06),
    ("Kidney_L", "ORGAN", (70, 50, 10), (30, 28, 50), "ellipsoid", 0.04),
    ("Kidney_R", "ORGAN", (-70, 50, 0), (30, 28, 50), "ellipsoid", 0.04),
    ("SpinalCord", "ORGAN", (0, 78, 0), (6, 5, 170), "cylinder", 0.03),
    ("SpinalCord_PRV", "AVOIDANCE", (0, 78, 0), (11, 10, 170), "cylinder", 0.02),
    ("Aorta", "ORGAN", (15, 42, 25), (12, 12, 145), "cylinder", 0.02),
    ("IVC", "ORGAN", (-22, 38, 20), (11, 13, 140), "cylinder", 0.03),
    ("Esophagus", "ORGAN", (12, 45, 140), (9, 8, 37), "cylinder", 0.05),
    ("Pancreas", "ORGAN", (10, 12, 22), (60, 15, 20), "ellipsoid", 0.08),
    ("Duodenum", "ORGAN", (-32, 2, 2), (25, 20, 40), "ellipsoid", 0.07),
    ("Bowel_Small", "ORGAN", (0, -40, -90), (100, 50, 70), "ellipsoid", 0.08),
    ("Colon", "ORGAN", (0, -25, -145), (110, 55, 28), "ellipsoid", 0.08),
    ("Gallbladder", "ORGAN", (-62, -50, 28), (15, 13, 30), "ellipsoid", 0.05),
    ("Lung_L", "ORGAN", (72, 25, 160), (55, 55, 45), "ellipsoid", 0.04),
    ("Lung_R", "ORGAN", (-72, 25, 165), (55, 55, 48), "ellipsoid", 0.04),
    ("Heart", "ORGAN", (10, -25, 170), (60, 48, 32), "ellipsoid", 0.04),
    ("Adrenal_L", "ORGAN", (55, 45, 58), (10, 6, 15), "ellipsoid", 0.06),     # ~3.8 cc
    ("Adrenal_R", "ORGAN", (-52, 45, 52), (9, 6, 14), "ellipsoid", 0.06),     # ~3.2 cc
    ("LN_Portal", "ORGAN", (-28, 8, 44), (8, 7, 9), "ellipsoid", 0.05),       # ~2.1 cc
    ("LN_Celiac", "ORGAN", (5, 24, 40), (7, 6, 8), "ellipsoid", 0.05),        # ~1.4 cc
    ("GTV_node", "GTV", (2, -4, 52), (6, 6, 7), "ellipsoid", 0.04),          # ~1.1 cc
    ("GTV", "GTV", (-50, -20, 60), (25, 22, 24), "ellipsoid", 0.05),
    ("CTV", "CTV", (-50, -20, 60), (32, 29, 31), "ellipsoid", 0.04),
    ("PTV", "PTV", (-50, -20, 60), (37, 34, 36), "ellipsoid", 0.03),
    ("Vertebrae", "ORGAN", (0, 72, 0), (24, 22, 175), "cylinder", 0.04),      # + canal hole
    ("PTV_Ring", "CONTROL", (-50, -20, 60), (57, 54, 56), "ellipsoid", 0.0),  # + PTV hole
    ("Liver-GTV", "ORGAN", (-60, -10, 60), (85, 70, 65), "ellipsoid", 0.05),  # Liver + GTV hole
    ("Kidneys", "ORGAN", None, None, "union", 0.0),                          # both kidneys
]
COLORS = [(255, 0, 0), (0, 200, 0), (0, 0, 255), (255, 200, 0), (200, 0, 255), (0, 200, 200),
          (255, 120, 0), (120, 60, 0), (255, 0, 160), (128, 128, 255)]


@dataclass
class Outline:
    """Per-structure smooth wobble: r(theta) *= 1 + sum_k amp_k sin(k theta + phase_k)."""
    harmonics: np.ndarray   # (K,) integer orders
    amps: np.ndarray        # (K,)
    phases: np.ndarray      # (K,)
    z_phase: float

    def radius_factor(self, theta: np.ndarray, z: float) -> np.ndarray:
        w = np.sin(np.outer(theta, self.harmonics) + self.phases + self.z_phase * z / 50.0)
        return 1.0 + w @ self.amps


def plane_z() -> np.ndarray:
    return PLANE_Z0 + PLANE_STEP * np.arange(N_PLANES)


def polygon(centre_xy, a: float, b: float, outline: Outline | None, z: float) -> np.ndarray:
    """(N, 2) closed polygon (no repeated point), 100-400 points, counter-clockwise."""
    perimeter = math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))  # Ramanujan
    n = int(np.clip(round(perimeter / 1.5), 100, 400))
    theta = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    f = outline.radius_factor(theta, z) if outline is not None else 1.0
    return np.column_stack([centre_xy[0] + a * f * np.cos(theta), centre_xy[1] + b * f * np.sin(theta)])


def section(spec, z: float):
    """Semi-axes of the structure's cross-section on plane z, or None."""
    _, _, c, (a, b, h), kind, _ = spec
    dz = z - c[2]
    if kind == "cylinder":
        return (a, b) if abs(dz) <= h + 1e-9 else None
    s2 = 1.0 - (dz / h) ** 2
    if s2 <= 0:
        return None
    s = math.sqrt(s2)
    if a * s < 1.0 or b * s < 1.0:      # drop slivers under 1 mm
        return None
    return a * s, b * s


def build_structures() -> list[dict]:
    rng = np.random.default_rng(SEED)
    outlines = {}
    for spec in STRUCTURES:
        name, amp = spec[0], spec[5]
        k = np.array([2, 3, 4, 5])
        amps = amp * rng.uniform(0.3, 1.0, size=4) / np.array([1.0, 1.5, 2.0, 3.0])
        outlines[name] = Outline(k, amps, rng.uniform(0, 2 * math.pi, 4), rng.uniform(-1, 1))
    by_name = {s[0]: s for s in STRUCTURES}
    zs = plane_z()

    def contours_of(name: str, z: float) -> list[np.ndarray]:
        spec = by_name[name]
        ab = section(spec, z)
        if ab is None:
            return []
        return [polygon(spec[2][:2], ab[0], ab[1], outlines[name] if spec[5] else None, z)]

    out = []
    for number, spec in enumerate(STRUCTURES, start=1):
        name, roi_type = spec[0], spec[1]
        planes: dict[float, list[np.ndarray]] = {}
        for z in zs:
            z = float(round(z, 3))
            if name == "Kidneys":
                cs = contours_of("Kidney_L", z) + contours_of("Kidney_R", z)
            elif name == "Liver-GTV":
                cs = contours_of("Liver-GTV", z)
                cs += contours_of("GTV", z) if cs else []
            elif name == "PTV_Ring":
                cs = contours_of("PTV_Ring", z)
                cs += contours_of("PTV", z) if cs else []
            elif name == "Vertebrae":
                cs = contours_of("Vertebrae", z)
                if cs:  # spinal canal: a hole a bit larger than the cord
                    cs.append(polygon((0, 78), 8.0, 7.0, None, z))
            else:
                cs = contours_of(name, z)
            if cs:
                planes[z] = cs
        out.append({"number": number, "name": name, "type": roi_type,
                    "color": COLORS[(number - 1) % len(COLORS)], "planes": planes})
    return out


def dose_array() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(dose_gy (nz, ny, nx) float64, x, y, z) of a smooth plan-like dose."""
    nz, ny, nx = DOSE_SHAPE
    x = DOSE_ORIGIN[0] + DOSE_SPACING * np.arange(nx)
    y = DOSE_ORIGIN[1] + DOSE_SPACING * np.arange(ny)
    z = DOSE_ORIGIN[2] + DOSE_SPACING * np.arange(nz)
    Z, Y, X = np.meshgrid(z, y, x, indexing="ij", sparse=True)
    ptv = next(s for s in STRUCTURES if s[0] == "PTV")
    (cx, cy, cz), (a, b, c) = ptv[2], ptv[3]
    rho = np.sqrt(((X - cx) / a) ** 2 + ((Y - cy) / b) ** 2 + ((Z - cz) / c) ** 2)
    d_mm = (rho - 1.0) * (a + b + c) / 3.0            # ~distance outside the PTV surface
    # high dose: 50 Gy covering the PTV, a gentle 4 % inhomogeneity, sigmoid fall-off ~3 mm
    inhom = 1.0 + 0.04 * np.cos((X - cx) / 15.0) * np.cos((Y - cy) / 17.0) * np.cos((Z - cz) / 19.0)
    high = RX_GY * 1.02 * inhom / (1.0 + np.exp((d_mm - 8.0) / 3.0))
    # two crossed beam corridors (AP-PA along y, laterals along x), attenuated with depth
    sigma = 30.0
    ap = np.exp(-((X - cx) ** 2 + (Z - cz) ** 2) / (2 * sigma ** 2)) * np.exp(-(Y + 105.0) / 250.0)
    lat = np.exp(-((Y - cy) ** 2 + (Z - cz) ** 2) / (2 * sigma ** 2)) * np.exp(-(X + 150.0) / 300.0)
    scatter = 1.5 * np.exp(-np.maximum(d_mm, 0.0) / 60.0)
    # the bath fades out where the high dose is (no hot spot where the corridors cross the PTV)
    bath = (9.0 * ap + 7.0 * lat + scatter) * np.clip(1.0 - high / RX_GY, 0.0, 1.0)
    dose = high + bath
    # zero outside the body (smooth edge)
    body = STRUCTURES[0]
    (ba, bb, bh) = body[3]
    rb = np.sqrt((X / ba) ** 2 + (Y / bb) ** 2)
    inside = 1.0 / (1.0 + np.exp((rb - 1.0) * ba / 2.0)) / (1.0 + np.exp((np.abs(Z) - bh - 3.0) / 2.0))
    return np.asarray(dose * inside, dtype=np.float64), x, y, z


# ----------------------------------------------------------------------------- DICOM writing

def _uid(*parts: str) -> str:
    from pydicom.uid import generate_uid
    return generate_uid(entropy_srcs=["rtreview-bench-large-case", *parts])


def _base(sop_class: str, sop_uid: str, modality: str, series_uid: str, series_no: int):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260101"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
    ds.Modality = modality
    ds.Manufacturer = "rtreview bench (synthetic)"
    ds.PatientName = "BENCH^LARGE"
    ds.PatientID = "BENCH-LARGE-0001"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = _uid("study")
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "BENCH"
    ds.SeriesNumber = series_no
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = _uid("frame-of-reference")
    ds.PositionReferenceIndicator = ""
    return ds


def _ds_text(values: np.ndarray) -> list[str]:
    # DS strings of at most 16 characters; 0.01 mm resolution is plenty for contours
    return [f"{v:.2f}" for v in values]


def write_rtstruct(path: Path, structures: list[dict]) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    rtss_class = "1.2.840.10008.5.1.4.1.1.481.3"
    ds = _base(rtss_class, _uid("rtstruct"), "RTSTRUCT", _uid("rtstruct-series"), 2)
    ds.StructureSetLabel = "LARGE"
    ds.StructureSetName = "Large synthetic bench case"
    ds.StructureSetDate, ds.StructureSetTime = "20260101", "120000"
    ds.SeriesDescription = "Synthetic benchmark structures (rtreview bench)"
    ref_for = Dataset()
    ref_for.FrameOfReferenceUID = ds.FrameOfReferenceUID
    ds.ReferencedFrameOfReferenceSequence = Sequence([ref_for])
    roi_seq, contour_seq, obs_seq = [], [], []
    for s in structures:
        roi = Dataset()
        roi.ROINumber = s["number"]
        roi.ReferencedFrameOfReferenceUID = ds.FrameOfReferenceUID
        roi.ROIName = s["name"]
        roi.ROIGenerationAlgorithm = "AUTOMATIC"
        roi_seq.append(roi)
        rc = Dataset()
        rc.ROIDisplayColor = list(s["color"])
        rc.ReferencedROINumber = s["number"]
        items = []
        for z, polys in sorted(s["planes"].items()):
            for poly in polys:
                c = Dataset()
                c.ContourGeometricType = "CLOSED_PLANAR"
                c.NumberOfContourPoints = len(poly)
                xyz = np.column_stack([poly, np.full(len(poly), z)]).ravel()
                c.ContourData = _ds_text(xyz)
                items.append(c)
        rc.ContourSequence = Sequence(items)
        contour_seq.append(rc)
        obs = Dataset()
        obs.ObservationNumber = s["number"]
        obs.ReferencedROINumber = s["number"]
        obs.RTROIInterpretedType = s["type"]
        obs.ROIInterpreter = ""
        obs_seq.append(obs)
    ds.StructureSetROISequence = Sequence(roi_seq)
    ds.ROIContourSequence = Sequence(contour_seq)
    ds.RTROIObservationsSequence = Sequence(obs_seq)
    ds.ApprovalStatus = "UNAPPROVED"
    ds.save_as(path, enforce_file_format=True)


def write_rtdose(path: Path, dose_gy: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    rtdose_class = "1.2.840.10008.5.1.4.1.1.481.2"
    ds = _base(rtdose_class, _uid("rtdose"), "RTDOSE", _uid("rtdose-series"), 3)
    ds.SeriesDescription = "Synthetic benchmark dose (rtreview bench)"
    nz, ny, nx = dose_gy.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = 0x3004000C
    ds.Rows, ds.Columns = ny, nx
    ds.PixelSpacing = [DOSE_SPACING, DOSE_SPACING]
    ds.SliceThickness = DOSE_SPACING
    ds.ImagePositionPatient = [float(x[0]), float(y[0]), float(z[0])]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.GridFrameOffsetVector = [f"{v:g}" for v in (z - z[0])]
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    ds.DoseGridScaling = DOSE_SCALING
    ds.TissueHeterogeneityCorrection = "IMAGE"
    stored = np.round(dose_gy / DOSE_SCALING).astype("<u4")
    ds.PixelData = stored.tobytes()
    ds.save_as(path, enforce_file_format=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Write the large synthetic DVH benchmark case.")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    structures = build_structures()
    dose, x, y, z = dose_array()
    rs, rd = out / "RS.large_case.dcm", out / "RD.large_case.dcm"
    write_rtstruct(rs, structures)
    write_rtdose(rd, dose, x, y, z)
    n_contours = sum(len(p) for s in structures for p in s["planes"].values())
    n_points = sum(len(c) for s in structures for p in s["planes"].values() for c in p)
    print(f"{rs}\n{rd}")
    print(f"{len(structures)} structures, {n_contours} contours, {n_points} points "
          f"(per contour {min(len(c) for s in structures for p in s['planes'].values() for c in p)}"
          f"..{max(len(c) for s in structures for p in s['planes'].values() for c in p)}); "
          f"dose {dose.shape[2]}x{dose.shape[1]}x{dose.shape[0]} @ {DOSE_SPACING} mm, "
          f"max {dose.max():.2f} Gy; {time.perf_counter() - t0:.1f} s")
    for s in structures:
        zs = sorted(s["planes"])
        # quick slab volume estimate (shoelace area x 3 mm, even-odd: signed areas of holes)
        vol = 0.0
        for pl in s["planes"].values():
            areas = [0.5 * abs(np.dot(c[:, 0], np.roll(c[:, 1], 1)) - np.dot(c[:, 1], np.roll(c[:, 0], 1)))
                     for c in pl]
            # outer first; the holes/second contours are inside (ring) or disjoint (Kidneys)
            if s["name"] == "Kidneys":
                vol += sum(areas)
            else:
                vol += areas[0] - sum(areas[1:])
        print(f"  {s['number']:2d} {s['name']:15s} {s['type']:9s} planes {len(zs):3d} "
              f"z {zs[0]:7.1f}..{zs[-1]:6.1f}  ~{vol * PLANE_STEP / 1000:8.1f} cc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
