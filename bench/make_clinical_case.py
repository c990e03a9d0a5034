#!/usr/bin/env python3
"""Write a clinical-size case: a 300-slice CT, a 60-structure RT Structure Set, two plans, two doses.

    .venv/bin/python bench/make_clinical_case.py OUT_DIR [--slices 300] [--structures 60]

- CT: 300 slices of 512 x 512 int16 (0.98 mm pixels, 2 mm slices: 500 x 500 x 600 mm), one file
  per slice (about 160 MB): an elliptic water body (36 x 26 cm) with a bone-like ring, in air;
- RTSTRUCT: BODY on every slice, plus ellipsoids inside it (organs 20-90 mm across, lymph nodes
  and other small ones of 8-20 mm, two target sets GTV/CTV/PTV), outlines wobbled by a few smooth
  harmonics, contoured on every CT slice they cross, one point per ~1.5 mm of outline, coordinates
  written with 2 decimals as planning systems do;
- two RTPLANs (60 Gy / 30 fx on PTV_A, 30 Gy / 10 fx on PTV_B) and their RTDOSEs on 2.5 mm grids
  covering each target's half of the body (uint32, DoseGridScaling 1e-5 Gy): Rx in the PTV with a
  ~4 mm sigmoid fall-off and a broad low-dose halo.

Synthetic and deterministic (fixed seed, UIDs from a counter). Used by bench/bench_cli.py
(``--cases clinical``) and bench/bench_startup.py (the window loading it). Files are written one
by one, so this script stays small in memory.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import dicom_builders as b  # noqa: E402

SEED = 20261204
PIXEL_MM, SLICE_MM, SIZE = 500.0 / 512, 2.0, 512
BODY_AXES = (180.0, 130.0)  # semi-axes of the body's cross-section (mm)
TARGETS = {"A": ((-60.0, -20.0, 80.0), 28.0, 60.0, 30), "B": ((50.0, 30.0, -150.0), 20.0, 30.0, 10)}


def _uids():
    counter = iter(range(1, 1 << 30))
    return lambda *a, **k: f"1.2.826.0.1.3680043.10.1047.18.{next(counter)}"


def structures(count: int, z_half: float, rng: np.random.Generator) -> list[dict]:
    """Specs: name, type, centre (x, y, z), semi-axes (a, b, c), wobble harmonics."""
    out = [dict(name="BODY", type="EXTERNAL", centre=(0.0, 0.0, 0.0), axes=(*BODY_AXES, z_half), body=True)]
    for label, (centre, radius, _rx, _fx) in TARGETS.items():
        for kind, grow in (("GTV", 0.0), ("CTV", 7.0), ("PTV", 12.0)):
            r = radius + grow
            out.append(dict(name=f"{kind}_{label}", type=kind, centre=centre, axes=(r, r * 0.9, r * 1.1)))
    k = 0
    while len(out) < count:
        k += 1
        small = k % 3 == 0
        a = rng.uniform(4, 10) if small else rng.uniform(10, 45)
        axes = (a, a * rng.uniform(0.6, 1.2), a * rng.uniform(0.8, 2.0))
        # inside the body with a margin
        x = rng.uniform(-BODY_AXES[0] + 50, BODY_AXES[0] - 50)
        y = rng.uniform(-BODY_AXES[1] + 40, BODY_AXES[1] - 40)
        z = rng.uniform(-z_half + 60, z_half - 60)
        out.append(dict(name=f"{'LN' if small else 'ORGAN'}_{k:02d}", type="ORGAN", centre=(x, y, z), axes=axes))
    for spec in out:
        spec["harmonics"] = (np.array([2, 3, 4, 5]), rng.uniform(0.0, 0.04, 4), rng.uniform(0, 2 * np.pi, 4))
    return out


def outline(spec: dict, z: float) -> np.ndarray | None:
    """The structure's (N, 3) contour on plane z (2 decimals), or None where it does not reach."""
    (cx, cy, cz), (a, b_, c) = spec["centre"], spec["axes"]
    if spec.get("body"):
        scale = 1.0 if abs(z - cz) <= c else 0.0
    else:
        s2 = 1.0 - ((z - cz) / c) ** 2
        scale = math.sqrt(s2) if s2 > 0 else 0.0
    if scale * min(a, b_) < 1.0:
        return None
    a, b_ = a * scale, b_ * scale
    n = int(np.clip(round(math.pi * (a + b_) / 1.5), 24, 700))
    theta = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    orders, amps, phases = spec["harmonics"]
    f = 1.0 + np.sin(np.outer(theta, orders) + phases + z / 40.0) @ amps
    points = np.column_stack([cx + a * f * np.cos(theta), cy + b_ * f * np.sin(theta), np.full(n, z)])
    return np.round(points, 2)


def dose_block(centre, radius: float, rx_gy: float, x: np.ndarray, y: np.ndarray, z: float) -> np.ndarray:
    """One frame of a plan-like dose (Gy): Rx inside the PTV, sigmoid fall-off, a low-dose halo."""
    yy, xx = np.meshgrid(y - centre[1], x - centre[0], indexing="ij")
    d = np.sqrt(xx ** 2 + yy ** 2 + (z - centre[2]) ** 2)
    ptv = radius + 12.0
    dose = rx_gy * (1.0 / (1.0 + np.exp((d - ptv) / 4.0)) * 0.8 + 0.2 * np.exp(-d / 90.0))
    inside = (xx + centre[0]) ** 2 / BODY_AXES[0] ** 2 + (yy + centre[1]) ** 2 / BODY_AXES[1] ** 2 <= 1.0
    return np.where(inside, dose * 1.04, 0.0)


def make(out: Path, slices: int = 300, count: int = 60) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    b.generate_uid = _uids()
    rng = np.random.default_rng(SEED)
    frame, study = b.generate_uid(), b.generate_uid()
    patient = dict(patient_id="CLIN-SYN-300", patient_name="Synthetic^Clinical")
    axis = (np.arange(SIZE) - (SIZE - 1) / 2) * PIXEL_MM
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    r = np.hypot(xx / BODY_AXES[0], yy / BODY_AXES[1])
    body = np.where(r <= 1.0, 20.0, -1000.0)
    body[(r > 0.92) & (r <= 1.0)] = 650.0
    z_mm = (np.arange(slices) - (slices - 1) / 2) * SLICE_MM
    template = b.ct_series([0.0], rows=SIZE, cols=SIZE, spacing=(PIXEL_MM, PIXEL_MM), origin=(axis[0], axis[0]),
                           hu=body[None], frame_uid=frame, study_uid=study, **patient)[0]
    for k, z in enumerate(z_mm):
        template.SOPInstanceUID = template.file_meta.MediaStorageSOPInstanceUID = b.generate_uid()
        template.ImagePositionPatient = [float(axis[0]), float(axis[0]), float(z)]
        template.InstanceNumber = k + 1
        b.save(template, out / f"CT_{k + 1:04d}.dcm")

    z_half = (slices - 1) / 2 * SLICE_MM
    specs = structures(count, z_half, rng)
    colors = [(255, 0, 0), (0, 200, 0), (0, 0, 255), (255, 200, 0), (200, 0, 255), (0, 200, 200), (255, 120, 0)]
    rois, points = [], 0
    for number, spec in enumerate(specs, start=1):
        contours = []
        for z in z_mm:
            pts = outline(spec, float(z))
            if pts is not None:
                contours.append(("CLOSED_PLANAR", pts))
                points += len(pts)
        rois.append(dict(number=number, name=spec["name"], type=spec["type"], color=colors[number % len(colors)],
                         contours=contours))
    ss = b.rtstruct(rois, frame_uid=frame, series_uid=template.SeriesInstanceUID, study_uid=study,
                    label="CLIN_SS", **patient)
    b.save(ss, out / "RS.dcm")
    for label, (centre, radius, rx_gy, fractions) in TARGETS.items():
        plan = b.rtplan(label=f"PLAN_{label}", rx_gy=rx_gy, fractions=fractions, structure_set_uid=ss.SOPInstanceUID,
                        frame_uid=frame, study_uid=study, **patient)
        b.save(plan, out / f"RP_{label}.dcm")
        x = np.arange(-BODY_AXES[0] - 10, BODY_AXES[0] + 10, 2.5)
        y = np.arange(-BODY_AXES[1] - 10, BODY_AXES[1] + 10, 2.5)
        z = np.arange(centre[2] - 150.0, centre[2] + 150.0, 2.5)
        ds = b.rtdose(np.zeros((1, 1, 1)), origin=(x[0], y[0], z[0]), spacing=(2.5, 2.5),
                      offsets=[float(v - z[0]) for v in z], scaling=1e-5, plan_uid=plan.SOPInstanceUID,
                      frame_uid=frame, study_uid=study, **patient)
        stored = np.empty((z.size, y.size, x.size), dtype=np.uint32)
        for k, zk in enumerate(z):
            stored[k] = np.round(dose_block(centre, radius, rx_gy, x, y, float(zk)) / 1e-5).astype(np.uint32)
        ds.Rows, ds.Columns, ds.NumberOfFrames = y.size, x.size, z.size
        ds.BitsAllocated = ds.BitsStored = 32
        ds.HighBit, ds.PixelRepresentation = 31, 0
        ds.PixelData = stored.tobytes()
        b.save(ds, out / f"RD_{label}.dcm")
    return {"slices": slices, "structures": len(rois), "contour_points": points}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--structures", type=int, default=60)
    args = parser.parse_args(argv)
    start = time.monotonic()
    sizes = make(args.out, args.slices, args.structures)
    print(f"wrote {args.out} in {time.monotonic() - start:.0f} s: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
