#!/usr/bin/env python3
"""Write a LARGE CT case for memory measurements: 512 x 512 x 400 CT + a fine RT Dose.

    .venv/bin/python bench/make_large_ct.py OUT_DIR [--slices 400] [--dose-mm 1.0]

- CT: 400 slices of 512 x 512 int16 (0.98 mm pixels, 1.25 mm slices: 500 x 500 x 500 mm),
  one file per slice (about 210 MB), an elliptic water body in air with a bone ring;
- RTSTRUCT: BODY and PTV (a 60 mm sphere) contoured on every 2nd CT slice;
- RTPLAN 60 Gy / 30 fx; RTDOSE on a 1 mm grid over 400 x 300 x 300 mm (36 million voxels,
  uint32, about 144 MB): 60 Gy in the sphere with a smooth fall-off.

Deterministic. Each slice is written as it is made, so this script itself stays small in memory.
Used by bench/bench_memory.py (which writes into a temporary folder by default).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import dicom_builders as b  # noqa: E402

PIXEL_MM, SLICE_MM, SIZE = 500.0 / 512, 1.25, 512
PTV_CENTRE, PTV_RADIUS = (20.0, 10.0, 0.0), 30.0


def _uids():
    counter = iter(range(1, 1 << 30))
    return lambda *a, **k: f"1.2.826.0.1.3680043.10.1047.9.{next(counter)}"


def make(out: Path, slices: int = 400, dose_mm: float = 1.0) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    b.generate_uid = _uids()  # deterministic UIDs (this script only)
    frame, study = b.generate_uid(), b.generate_uid()
    patient = dict(patient_id="LARGE001", patient_name="Large^Ct")
    axis = (np.arange(SIZE) - (SIZE - 1) / 2) * PIXEL_MM
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    r = np.hypot(xx / 180.0, yy / 120.0)
    body = np.where(r <= 1.0, 0.0, -1000.0)
    body[(r > 0.9) & (r <= 1.0)] = 700.0  # a bone-like ring
    z_mm = (np.arange(slices) - (slices - 1) / 2) * SLICE_MM
    template = b.ct_series([0.0], rows=SIZE, cols=SIZE, spacing=(PIXEL_MM, PIXEL_MM), origin=(axis[0], axis[0]),
                           hu=body[None], frame_uid=frame, study_uid=study, **patient)[0]
    for k, z in enumerate(z_mm):
        template.SOPInstanceUID = template.file_meta.MediaStorageSOPInstanceUID = b.generate_uid()
        template.ImagePositionPatient = [float(axis[0]), float(axis[0]), float(z)]
        template.InstanceNumber = k + 1
        b.save(template, out / f"CT_{k + 1:04d}.dcm")

    angles = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    rois = [{"number": 1, "name": "BODY", "type": "EXTERNAL", "contours": []},
            {"number": 2, "name": "PTV", "type": "PTV", "contours": []}]
    cx, cy, cz = PTV_CENTRE
    for z in z_mm[::2]:
        rois[0]["contours"].append(("CLOSED_PLANAR", np.column_stack(
            [180 * np.cos(angles), 120 * np.sin(angles), np.full(angles.size, z)])))
        if abs(z - cz) < PTV_RADIUS:
            rr = np.sqrt(PTV_RADIUS ** 2 - (z - cz) ** 2)
            rois[1]["contours"].append(("CLOSED_PLANAR", np.column_stack(
                [cx + rr * np.cos(angles), cy + rr * np.sin(angles), np.full(angles.size, z)])))
    ss = b.rtstruct(rois, frame_uid=frame, series_uid=template.SeriesInstanceUID, study_uid=study, **patient)
    plan = b.rtplan(label="LARGE", rx_gy=60.0, fractions=30, structure_set_uid=ss.SOPInstanceUID, frame_uid=frame,
                    study_uid=study, **patient)
    b.save(ss, out / "RS.dcm")
    b.save(plan, out / "RP.dcm")

    dx = np.arange(-200.0, 200.0, dose_mm)
    dy = np.arange(-150.0, 150.0, dose_mm)
    dz = np.arange(-150.0, 150.0, dose_mm)
    ds = b.rtdose(np.zeros((1, 1, 1)), origin=(dx[0], dy[0], dz[0]), spacing=(dose_mm, dose_mm),
                  offsets=[float(v - dz[0]) for v in dz], scaling=1e-5, plan_uid=plan.SOPInstanceUID,
                  frame_uid=frame, study_uid=study, **patient)
    yy, xx = np.meshgrid(dy - cy, dx - cx, indexing="ij")
    stored = np.empty((dz.size, dy.size, dx.size), dtype=np.uint32)
    for k, z in enumerate(dz):  # frame by frame: no float64 volume
        distance = np.sqrt(xx ** 2 + yy ** 2 + (z - cz) ** 2)
        stored[k] = (60.0 / (1 + np.exp((distance - PTV_RADIUS) / 4.0)) / 1e-5).astype(np.uint32)
    ds.Rows, ds.Columns, ds.NumberOfFrames = dy.size, dx.size, dz.size
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit, ds.PixelRepresentation = 31, 0
    ds.PixelData = stored.tobytes()
    del stored
    b.save(ds, out / "RD.dcm")
    return {"ct_voxels": SIZE * SIZE * slices, "dose_voxels": int(dx.size * dy.size * dz.size)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--slices", type=int, default=400)
    parser.add_argument("--dose-mm", type=float, default=1.0)
    args = parser.parse_args(argv)
    start = time.monotonic()
    sizes = make(args.out, args.slices, args.dose_mm)
    print(f"wrote {args.out} in {time.monotonic() - start:.0f} s: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
