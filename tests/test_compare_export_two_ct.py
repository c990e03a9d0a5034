"""RT Dose export of the two-CT sample: the L ILIUM dose (on CT 2) enters the composite on CT 1's
frame through the REG; checked against the generator's known offset applied by hand."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pydicom

from rtreview.core.compare.resample import dose_on_grid
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtdose import read_dose
from rtreview.core.dvh.interpolate import trilinear


def test_composite_export_through_the_registration(two_ct_sample, tmp_path):
    out = tmp_path / "sum.dcm"
    run = subprocess.run([sys.executable, "-m", "rtreview", "composite", str(two_ct_sample), "-o", str(out),
                          "--format", "json"], capture_output=True, text=True, check=True)
    summary = json.loads(run.stdout)
    assert summary["registrations"]["L ILIUM"]["type"] == "RIGID"
    assert summary["registrations"]["L ILIUM"]["files"][0].endswith("REG_CT2_TO_CT1.dcm")
    ds = pydicom.dcmread(out)
    case = load(two_ct_sample)
    liver, ilium = (case.patients[0].link_for_plan(x) for x in ("LIVER", "L ILIUM"))
    assert ds.FrameOfReferenceUID == liver.dose.frame_of_reference_uid != ilium.dose.frame_of_reference_uid
    assert "REG_CT2_TO_CT1.dcm" in ds.DoseComment and ds.DoseSummationType == "MULTI_PLAN"
    grid = read_dose(out)
    # frame 1 -> frame 2 as the generator defines it: 3 degrees about z, then (35, -20, 60) mm
    a = math.radians(3.0)
    rng = np.random.default_rng(7)
    # points of CT 1 where the ilium course has dose: its grid's centre region mapped back to frame 1
    q = np.column_stack([rng.uniform(60, 150, 400), rng.uniform(-30, 60, 400), rng.uniform(-240, -140, 400)])
    p = np.empty_like(q)
    t = q - np.array([35.0, -20.0, 60.0])
    p[:, 0] = math.cos(a) * t[:, 0] + math.sin(a) * t[:, 1]
    p[:, 1] = -math.sin(a) * t[:, 0] + math.cos(a) * t[:, 1]
    p[:, 2] = t[:, 2]
    expected_ilium, inside = trilinear(ilium.dose, q[:, 0], q[:, 1], q[:, 2])
    got, _ = trilinear(grid, p[:, 0], p[:, 1], p[:, 2])
    liver_part, liver_in = trilinear(liver.dose, p[:, 0], p[:, 1], p[:, 2])
    liver_part = np.where(liver_in, liver_part, 0.0)
    assert inside.sum() > 300 and np.nanmax(expected_ilium) > 25.0
    # the export's grid adds one more trilinear step: agreement within a few % of the local dose
    err = np.abs(got[inside] - (expected_ilium[inside] + liver_part[inside]))
    assert np.median(err) < 0.15 and np.percentile(err, 95) < 0.8, (np.median(err), np.percentile(err, 95))
    assert dose_on_grid(grid, (liver.dose.x_mm, liver.dose.y_mm, liver.dose.z_mm)).max() > 50.0  # LIVER too
