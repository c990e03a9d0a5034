"""The PDF report with the issue-16 models: the worked case's liver course shows its RILD risk
(the NTCP of rtreview check, with model and parameters), the target BEDs, the liver-function basis
("needs Child-Pugh" for the worked case) and the Child-Pugh variant row; a spared-volume limit is
marked on the report's DVH plot at (Y Gy, covered - X cc)."""
from __future__ import annotations

import pytest

from report_support import cli_json, pdftotext, sample_pdf, sections


@pytest.fixture(scope="module")
def report_text() -> str:
    path, _ = sample_pdf()
    return pdftotext(path)


def test_the_liver_course_shows_its_rild_risk_as_check_computes_it(report_text):
    check = cli_json("check")
    parts = sections(report_text, [p["plan_label"] for p in check["plans"]])
    liver = " ".join(parts["LIVER"].split())
    (rild,) = [n for n in {p["plan_label"]: p for p in check["plans"]}["LIVER"]["ntcp"]
               if n["model_id"] == "rild_primary_liver_dawson2002"]
    assert "NTCP (risk estimates)" in liver
    assert f"39.8 / {rild['td50_eqd2_gy']:.2f}" in liver and f"{rild['geud_eqd2_gy']:.2f}" in liver
    assert "0.97 0.12" in liver and "< 0.01 %" in liver  # n, m; the sample's risk is tiny
    assert "Dawson LA" in liver and "A risk estimate from a published model, not a verdict" in liver
    assert "Liver function (selects the protocol's Child-Pugh variants): needs Child-Pugh" in liver
    assert "Dmean" in liver and "[CP B]" in liver  # the Child-Pugh B variant row (wrapped in its cell)


def test_target_bed_table_equals_check(report_text):
    check = cli_json("check")
    parts = sections(report_text, [p["plan_label"] for p in check["plans"]])
    for plan in check["plans"]:
        text = " ".join(parts[plan["plan_label"]].split())
        assert "Target BED (Gy)" in text
        for t in plan["target_bed"]:
            cells = [f"{t[k]:.2f}" for k in ("d98_bed_gy", "d95_bed_gy", "d50_bed_gy", "mean_bed_gy",
                                             "prescription_bed_gy", "d95_eqd2_gy")]
            assert f"{t['structure']} 10 (default) " + " ".join(cells) in text


def test_spared_volume_limit_mark_on_the_report_plot():
    from constraints_support import LinearDvh

    from rtreview.core.constraints import evaluate, protocol_from_dict
    from rtreview.report.builder import limit_marks

    proto = protocol_from_dict({
        "format": "rtreview-protocol", "format_version": 1, "name": "t", "fractionation":
            {"prescription_gy": 45, "fractions": 3}, "sbrt": True,
        "structures": [{"name": "Liver", "aliases": ["LIVER"], "constraints": [
            {"metric": "CV15Gy_cc", "comparator": ">=", "limit": 700, "dose_basis": "physical",
             "basis_fractions": 3, "level": "mandatory", "source": "test"}]}]})
    dvh = LinearDvh(0.0, 30.0, volume_cc=1500.0)
    dvh.name, dvh.roi_number = "LIVER", 7
    ev = evaluate(proto, {"Liver": dvh}, fractions=3, prescription_gy=45.0, dose_per_fraction_gy=15.0,
                  roi_names={"Liver": "LIVER"})
    (mark,) = limit_marks(ev, {7: dvh})
    assert mark.dose_gy == pytest.approx(15.0) and mark.volume_pct == pytest.approx(100 * 800 / 1500)
    assert mark.upper and mark.status == "pass"
