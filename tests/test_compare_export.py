"""RT Dose export of composites and differences (``rtreview composite``), re-read by rtreview and
pydicom, and ``rtreview compare`` on the sample plus a re-plan built from it."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pydicom
import pytest

from compare_support import make_replan
from rtreview.core.compare.resample import dose_on_grid, grid_axes
from rtreview.core.constraints.fractionation import eqd2_gy
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtdose import read_dose


def rtreview(*args, check=True):
    return subprocess.run([sys.executable, "-m", "rtreview", *map(str, args)], capture_output=True, text=True,
                          check=check)


@pytest.fixture(scope="module")
def sample(one_ct_sample):
    """The sample with both courses on one CT: the sums below are checked at the same mm of one
    frame (the committed two-CT sample's export: test_compare_export_two_ct.py)."""
    case = load(one_ct_sample)
    patient = case.patients[0]
    return one_ct_sample, patient.link_for_plan("LIVER"), patient.link_for_plan("L ILIUM")


@pytest.fixture(scope="module")
def replan(one_ct_sample, tmp_path_factory):
    """The LIVER dose scaled by 0.97 and shifted one voxel (+2.5 mm) in x, as a dose naming no plan
    (paired with the one structure set; with two structure sets the loader pairs none)."""
    return make_replan(one_ct_sample, tmp_path_factory.mktemp("replan") / "replan.dcm")


def test_physical_and_eqd2_composites_reread(sample, tmp_path):
    folder, liver, ilium = sample
    out = tmp_path / "sum.dcm"
    rtreview("composite", folder, "-o", out, "--plans", "LIVER,L ILIUM")
    ds = pydicom.dcmread(out)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.481.2" and ds.DoseSummationType == "MULTI_PLAN"
    assert ds.DoseType == "PHYSICAL" and ds.SeriesDescription == "Physical dose sum: LIVER + L ILIUM"
    assert ds.FrameOfReferenceUID == liver.dose.frame_of_reference_uid
    assert ds.SOPInstanceUID not in (liver.dose.sop_instance_uid, ilium.dose.sop_instance_uid)
    assert ds.SeriesInstanceUID != pydicom.dcmread(folder / "RD_LIVER.dcm").SeriesInstanceUID
    assert {r.ReferencedSOPInstanceUID for r in ds.ReferencedRTPlanSequence} == {
        liver.plan.sop_instance_uid, ilium.plan.sop_instance_uid}
    grid = read_dose(out)  # rtreview's own reader
    assert grid.summation_type == "MULTI_PLAN"
    # at the LIVER grid's voxel centres: LIVER + L ILIUM (0 Gy where its grid does not reach)
    axes = grid_axes(liver.dose)
    got = dose_on_grid(grid, axes)
    il = np.nan_to_num(dose_on_grid(ilium.dose, axes), nan=0.0)
    expected = np.asarray(liver.dose.dose_gy, float) + il
    assert np.nanmax(np.abs(got - expected)) < 1e-4
    ilium_axes = grid_axes(ilium.dose)  # and at the L ILIUM grid's (the grids of the sample do not overlap)
    li = np.nan_to_num(dose_on_grid(liver.dose, ilium_axes), nan=0.0)
    assert np.nanmax(np.abs(dose_on_grid(grid, ilium_axes) - (np.asarray(ilium.dose.dose_gy, float) + li))) < 1e-4
    # EQD2 with alpha/beta 3 Gy: each course converted with its own fractions (25, 10)
    out2 = tmp_path / "eqd2.dcm"
    summary = json.loads(rtreview("composite", folder, "-o", out2, "--dose", "eqd2", "--alpha-beta", "3",
                                  "--format", "json").stdout)
    assert summary["dose_type"] == "EFFECTIVE" and pydicom.dcmread(out2).DoseType == "EFFECTIVE"
    got = dose_on_grid(read_dose(out2), axes)
    expected = eqd2_gy(np.asarray(liver.dose.dose_gy, float), 25, 3.0) + eqd2_gy(il, 10, 3.0)
    assert np.nanmax(np.abs(got - expected)) < 1e-4
    # loaded with the sample, the export is one more dose of the patient (no input changed)
    case = load([folder, out2])
    assert any(link.dose.path == str(out2) and link.dose.dose_type == "EFFECTIVE" for link in case.links)


def test_difference_export_and_refusals(sample, replan, tmp_path):
    folder, liver, _ilium = sample
    out = tmp_path / "diff.dcm"
    rtreview("composite", folder, replan, "-o", out, "--plans", "LIVER,replan.dcm", "--difference")
    ds = pydicom.dcmread(out)
    assert ds.DoseType == "ERROR" and ds.PixelRepresentation == 1
    assert ds.SeriesDescription == "Dose difference LIVER - replan.dcm"
    diff = read_dose(out)
    b = read_dose(replan)
    expected = np.asarray(liver.dose.dose_gy, float) - np.nan_to_num(dose_on_grid(b, grid_axes(liver.dose)), nan=0.0)
    assert np.abs(diff.dose_gy - expected).max() < 1e-4
    assert float(diff.dose_gy.min()) < -1.0 < 1.0 < float(diff.dose_gy.max())  # both signs kept
    before = (folder / "RD_LIVER.dcm").read_bytes()
    r = rtreview("composite", folder, "-o", folder / "RD_LIVER.dcm", check=False)
    assert r.returncode == 1 and "input file" in r.stderr and (folder / "RD_LIVER.dcm").read_bytes() == before
    r = rtreview("composite", folder, "-o", tmp_path / "x.dcm", "--dose", "eqd2", check=False)
    assert r.returncode == 2 and "--alpha-beta" in r.stderr and not (tmp_path / "x.dcm").exists()
    r = rtreview("composite", folder, "-o", tmp_path / "x.dcm", "--plans", "LIVER,NOPE", check=False)
    assert r.returncode == 1 and "NOPE" in r.stderr


def test_compare_json_on_a_replan(sample, replan):
    folder, liver, _ilium = sample
    j = json.loads(rtreview("compare", folder, replan, "--plans", "LIVER,replan.dcm", "--format", "json").stdout)
    assert j["plans"] == ["LIVER", "replan.dcm"] and j["registrations"]["replan.dcm"]["type"] == "IDENTITY"
    b = read_dose(replan)
    b_on_a = dose_on_grid(b, grid_axes(liver.dose))
    diff = np.asarray(liver.dose.dose_gy, float) - b_on_a
    finite = diff[np.isfinite(diff)]
    d = j["dose_difference"]
    assert d["max_gy"] == pytest.approx(finite.max(), abs=1e-3) and d["mean_gy"] == pytest.approx(finite.mean(), abs=1e-3)
    assert d["points_outside_b"] == int(np.count_nonzero(np.isnan(diff)))
    rates = {g["criteria"]: g["pass_rate_percent"] for g in j["gamma"]}
    assert set(rates) == {"3%/3 mm", "2%/2 mm"} and 0 < rates["2%/2 mm"] <= rates["3%/3 mm"] < 100
    ptv = next(s for s in j["structures"] if s["name"] == "PTV_LIVER")
    a_mean, b_mean = ptv["plans"]["LIVER"]["mean_gy"], ptv["plans"]["replan.dcm"]["mean_gy"]
    assert ptv["differences"]["replan.dcm"]["mean_gy"] == pytest.approx(b_mean - a_mean, abs=2e-4)
    assert 0.95 < b_mean / a_mean < 0.99  # scaled by 0.97 and moved 2.5 mm
    text = rtreview("compare", folder, replan, "--plans", "LIVER,replan.dcm", "--no-gamma").stdout
    assert "PTV_LIVER" in text and "Dose difference LIVER - replan.dcm" in text
    r = rtreview("compare", folder, "--plans", "LIVER", check=False)
    assert r.returncode == 2
