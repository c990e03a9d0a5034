#!/usr/bin/env python3
"""Generate the synthetic sample patient (CT, RTSTRUCT, two RTPLAN + RTDOSE).

Usage: python tools/make_sample_dicom.py [OUT_DIR] [--one-ct | --two-ct]   (default: sample_dicom/)

--two-ct puts the L ILIUM course on a second CT in its own frame of reference with a REG linking
the CTs (tools/sample_patient/second_ct.py); --one-ct keeps both courses on one CT. The default
is SAMPLE["second_ct"] (the committed sample).

Deterministic: rerunning gives byte-identical files (tests/test_sample_dicom.py checks it).
Only *.dcm files in OUT_DIR are replaced; README.md and __init__.py there are left alone.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sample_patient import make_patient  # noqa: E402

SAMPLE = dict(patient_id="RTR-SAMPLE-001", seed=20200607, anatomy_scale=1.0, second_ct="L ILIUM")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", nargs="?", default=str(HERE.parent / "sample_dicom"))
    variant = ap.add_mutually_exclusive_group()
    variant.add_argument("--one-ct", dest="second_ct", action="store_const", const="",
                         help="both courses on one CT")
    variant.add_argument("--two-ct", dest="second_ct", action="store_const", const="L ILIUM",
                         help="the L ILIUM course on a second CT with a REG")
    args = ap.parse_args(argv)
    out = Path(args.out_dir)
    for old in out.glob("*.dcm"):
        old.unlink()
    t0 = time.perf_counter()
    options = dict(SAMPLE)
    if args.second_ct is not None:
        options["second_ct"] = args.second_ct or None
    s = make_patient(out, **options)
    size_mb = sum(p.stat().st_size for p in s.files) / 1e6
    print(f"wrote {len(s.files)} files, {size_mb:.1f} MB, to {out} in {time.perf_counter() - t0:.1f} s")
    print(f"CT (slices, rows, columns) = {s.ct_shape}")
    for label, p in s.plans.items():
        print(f"{label}: dose grid {p['shape']} x {p['x_mm']} y {p['y_mm']} z {p['z_mm']} mm, "
              f"iso {p['iso_mm']}, PTV D95 {p['ptv_d95_gy']:.2f} Gy, max {p['max_gy']:.2f} Gy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
