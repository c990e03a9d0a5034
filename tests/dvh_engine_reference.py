"""Bit-exact fingerprints of the DVH engine's results on real planning-system exports.

``tests/data/dvh_engine_reference.json.xz`` holds, per case and DVH, every statistic (``repr``,
so floats compare exactly) and a sha256 of each array (bytes, dtype and shape: the cumulative and
differential curves, the dose axis, and every sample's dose and volume) and its standard metrics, as computed by the code
that generated it (``tools/make_dvh_engine_reference.py``, run with ``--code`` on the old code).
``tests/test_dvh_engine_reference.py`` requires today's engine to give the same, bit for bit.
Cases (structure set and dose read directly, no CT / plan: the engine alone, default options):
the vendored exports ``breast`` (dicompyler-core example), ``pinnacle`` (Pinnacle H&N) and
``raystation`` (RayStation brain SRS), and ``nelms``: every runnable row of the Nelms benchmark's
cases.csv (``compute_dvh`` per row; not vendored, skipped when absent).
"""
from __future__ import annotations

import csv
import hashlib
import json
import lzma
from pathlib import Path

from reference_data import NELMS, unpacked_reference_dicom

STORED = Path(__file__).resolve().parent / "data" / "dvh_engine_reference.json.xz"
EXPORTS = {"breast": ("dicompyler-core-example", "rtss.dcm", "rtdose.dcm"),
           "pinnacle": ("pinnacle-hn-anon99185", "RS.dcm", "RD.dcm"),
           "raystation": ("raystation-brain-srs", "RS1.2.752.243.1.1.20180405120828292.2900.76357.dcm",
                          "RD_IMRT.dcm")}
CASES = (*EXPORTS, "nelms")
ARRAYS = ("dose_gy", "cumulative_cc", "differential_cc", "sample_dose_gy", "sample_volume_cc")
SCALARS = ("roi_number", "name", "type", "volume_cc", "covered_volume_cc", "min_gy", "mean_gy", "max_gy",
           "bin_width_gy", "notes", "prescription_gy")


def available(case: str) -> bool:
    return case != "nelms" or (NELMS / "cases.csv").is_file()


def dvh_entry(dvh) -> dict:
    import numpy as np
    entry = {k: repr(getattr(dvh, k)) for k in SCALARS}
    for k in ARRAYS:
        a = np.ascontiguousarray(getattr(dvh, k))
        entry[k] = f"{a.dtype}{a.shape} " + hashlib.sha256(a.tobytes()).hexdigest()
    entry["metrics"] = repr(dvh.metrics())  # Dx%, Dxcc and HI as rtreview dvh writes them
    return entry


def case_fingerprint(case: str) -> dict[str, dict]:
    """``{key: entry}`` of every DVH of ``case`` (key: ROI number, or the Nelms case id)."""
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import compute_dvh, compute_dvhs
    if case == "nelms":
        with open(NELMS / "cases.csv", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["available"] == "1"]
        structures, doses, out = {}, {}, {}
        for r in rows:
            s = structures.setdefault(r["structure_file"], read_structure_set(str(NELMS / r["structure_file"])))
            d = doses.setdefault(r["dose_file"], read_dose(str(NELMS / r["dose_file"])))
            out[r["case_id"]] = dvh_entry(compute_dvh(s.roi(int(r["roi_number"])), d))
        return out
    folder, rs, rd = EXPORTS[case]
    root = unpacked_reference_dicom() / folder
    results = compute_dvhs(read_structure_set(str(root / rs)), read_dose(str(root / rd)))
    out = {str(number): dvh_entry(dvh) for number, dvh in results.items()}
    out.update({f"{number} skipped": reason for number, reason in sorted(results.skipped.items())})
    out.update({f"{number} points": repr(points) for number, points in sorted(results.points.items())})
    return out


def load_stored() -> dict:
    with lzma.open(STORED, "rt", encoding="utf-8") as stream:
        return json.load(stream)


def write_stored(result: dict) -> None:
    with lzma.open(STORED, "wt", encoding="utf-8", preset=9) as stream:
        stream.write(json.dumps(result, indent=0, sort_keys=True) + "\n")
