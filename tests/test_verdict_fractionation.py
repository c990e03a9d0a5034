"""Defect 7: fractionation outside the protocol. Every converted limit says so; a conventional
protocol's limits are not extrapolated above 4 Gy per fraction (issue 14)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from verdict_support import protocol, row


def _link(rx_gy, fractions, dose_gy=10.0):
    """A cord, a bowel loop and a PTV in a uniform dose (in memory)."""
    from rtreview.core.dicom.case import DoseLink
    from rtreview.core.dicom.dose_grid import DoseGrid
    from rtreview.core.dicom.plan import Plan
    from rtreview.core.dicom.structure_set import Roi, StructureSet

    def box(number, name, kind, x0, x1):
        roi = Roi(number, name, (0, 200, 0), kind)
        for z in np.arange(-6.0, 6.1, 3.0):
            roi.planes[float(z)] = [np.array([[x0, -5], [x1, -5], [x1, 5], [x0, 5]], float)]
        return roi

    ss = StructureSet("1.2.ssf", "/virtual/ssf.dcm", rois=[box(1, "PTV_ILIUM", "PTV", -20, -10),
                                                           box(2, "CAUDA_EQUINA", "ORGAN", 0, 4),
                                                           box(3, "BOWEL_SMALL", "ORGAN", 10, 20)], patient_id="P3")
    x = np.arange(-30.0, 30.1, 2.5)
    z = np.arange(-12.0, 12.1, 2.5)
    dose = DoseGrid("1.2.df", "/virtual/df.dcm", np.full((z.size, x.size, x.size), dose_gy, np.float32), x, x, z)
    plan = Plan("1.2.pf", "/virtual/pf.dcm", label="TEST", prescription_gy=rx_gy, fractions=fractions)
    return DoseLink(dose, plan, ss, None)


def test_converted_limits_say_so():
    from rtreview.core.constraints.plan_check import check_plan

    ev = check_plan(_link(36.0, 12), protocol("Bone metastasis"))  # 3 Gy per fraction, 12 fx, not 10
    cauda = row(ev, "CaudaEquina", "D0.03cc", "mandatory")
    assert "converted to this plan's 12 fractions" in cauda.note and "α/β 2 Gy" in cauda.note
    bowel = row(ev, "Bowel_Small", "V15Gy_cc")
    assert "written for 25 fractions" in bowel.note and "12 fractions" in bowel.note
    assert bowel.converted_from_fractions == 25
    assert cauda.limit_converted and bowel.limit_converted
    ptv = row(ev, "PTV", "D95%")  # relative to Rx: nothing converted
    assert "fractions" not in ptv.note
    assert not ptv.limit_converted
    same = check_plan(_link(30.0, 10), protocol("Bone metastasis"))  # the protocol's own fractionation
    assert "converted" not in row(same, "CaudaEquina", "D0.03cc", "mandatory").note
    assert not any(r.limit_converted for r in same.results)


def test_the_text_report_marks_converted_limits():
    from rtreview.cli.check_text import format_report
    from rtreview.core.constraints.plan_check import check_plan

    ev = check_plan(_link(36.0, 12), protocol("Bone metastasis"))
    text = format_report({"plans": [ev.to_dict()], "composite": None, "exit_status": 0})
    cauda = next(line for line in text.splitlines() if "CaudaEquina" in line and "mandatory" in line)
    assert cauda.rstrip().endswith("†") and "† : limit converted" not in text and "†: limit converted" in text


def test_above_4_gy_per_fraction_conventional_limits_are_not_extrapolated():
    from rtreview.core.constraints import Status
    from rtreview.core.constraints.plan_check import check_plan

    ev = check_plan(_link(30.0, 5, dose_gy=6.0), protocol("Bone metastasis"))  # 6 Gy per fraction
    for r in ev.results:
        if r.structure == "PTV":  # % of Rx: evaluated
            assert r.status is not Status.NOT_EVALUABLE
        elif r.roi_name is not None:
            assert r.status is Status.NOT_EVALUABLE and "needs an SBRT protocol" in r.note, (r.structure, r.note)
    assert row(ev, "CaudaEquina", "D0.03cc", "mandatory").limit_gy is None
    # exactly 4 Gy per fraction is still converted
    ok = check_plan(_link(20.0, 5, dose_gy=6.0), protocol("Bone metastasis"))
    assert row(ok, "CaudaEquina", "D0.03cc", "mandatory").status is Status.PASS


def test_raystation_srs_plan_on_a_conventional_protocol(reference_dicom):
    """The RayStation brain SRS plan (70 Gy in 5 fractions: 14 Gy per fraction) forced onto the
    conventional bone protocol: its organ limits are not evaluable, the target's are."""
    def check(*extra):
        out = subprocess.run([sys.executable, "-m", "rtreview", "check", str(reference_dicom / "raystation-brain-srs"),
                              "--protocol", "Bone metastasis", "--map", "PTV=PTV_ALL", "--map",
                              "CaudaEquina=BRAIN STEM", "--format", "json", *extra], capture_output=True, text=True,
                             timeout=300)
        return json.loads(out.stdout)["plans"][0]["results"]

    # the file states no prescription: the dose per fraction is bounded by the maximum dose
    results = check()
    cauda = [r for r in results if r["structure"] == "CaudaEquina"]
    assert cauda and all(r["status"] == "not_evaluable" and "needs an SBRT protocol" in r["note"]
                         and "prescription is unknown" in r["note"] for r in cauda)
    # with a prescription given by the user (--rx 70 Gy in 5 fractions: 14 Gy per fraction)
    results = check("--rx", "imrt 4=70/5")
    assert all(r["status"] == "not_evaluable" and "14.00 Gy per fraction" in r["note"]
               for r in results if r["structure"] == "CaudaEquina")
    assert all(r["status"] != "not_evaluable" for r in results if r["structure"] == "PTV")
