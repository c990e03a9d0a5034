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


def test_a_plan_less_replan_pairs_with_the_structure_set_on_its_frame(two_ct_sample, tmp_path):
    """A re-plan dose naming no RT Plan, loaded with two structure sets on two frames, is paired with
    the only structure set on its own frame (CT 1's) and gets that set's DVHs; the note says why."""
    from compare_support import make_replan

    from rtreview.core.dvh.compute import compute_dvh

    replan = make_replan(two_ct_sample, tmp_path / "replan" / "replan.dcm")
    case = load([two_ct_sample, replan])
    (link,) = [lk for lk in case.links if lk.dose is not None and lk.dose.path.endswith("replan.dcm")]
    liver = case.patients[0].link_for_plan("LIVER")
    assert link.plan is None and link.structure_set is liver.structure_set and link.ct is liver.ct
    assert any("paired with the only one of 2 structure sets on the dose's frame of reference" in n
               for n in link.notes)
    ptv = next(r for r in link.structure_set.rois if r.name == "PTV_LIVER")
    ratio = compute_dvh(ptv, link.dose).mean_gy / compute_dvh(ptv, liver.dose).mean_gy
    assert 0.95 < ratio < 0.99  # the replan is the LIVER dose x 0.97 moved 2.5 mm


def test_a_plan_less_dose_stays_unpaired_when_two_structure_sets_share_its_frame(two_ct_sample, tmp_path):
    """A second structure set on CT 1's frame (a copy under a new UID): no guess, the note says so."""
    from compare_support import make_replan
    from pydicom.uid import generate_uid

    replan = make_replan(two_ct_sample, tmp_path / "replan" / "replan.dcm")
    ds = pydicom.dcmread(two_ct_sample / "RS_SYNTHETIC.dcm")
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.save_as(tmp_path / "replan" / "RS_COPY.dcm", enforce_file_format=True)
    case = load([two_ct_sample, tmp_path / "replan"])
    (link,) = [lk for lk in case.links if lk.dose is not None and lk.dose.path.endswith("replan.dcm")]
    assert link.structure_set is None
    assert any("3 structure sets in the load and no reference to one of them (2 share" in n for n in link.notes)
