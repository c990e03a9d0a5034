"""The report's numbers are the command line's: mean doses equal ``rtreview dvh`` rounded as
printed (2 decimals), constraint results equal ``rtreview check`` (status, value, limit)."""
from __future__ import annotations

import pytest

from report_support import cli_json, pdftotext, sample_pdf, sections

SYMBOL = {"pass": "PASS", "marginal": "MARGINAL", "fail": "FAIL", "not_evaluable": "N/A"}


@pytest.fixture(scope="module")
def report_text() -> str:
    path, _ = sample_pdf()
    return pdftotext(path)


def _is_number(token: str) -> bool:
    return token.rstrip("*†").replace(".", "", 1).isdigit() or token in ("–",)


def _metric_rows(section_text: str) -> dict[str, list[str]]:
    """Structure name -> the cells of its metrics-table row (name first)."""
    rows = {}
    for line in section_text.splitlines():
        tokens = line.split()
        if len(tokens) >= 12 and _is_number(tokens[1]) and _is_number(tokens[2]) and tokens[0] not in rows:
            rows[tokens[0]] = tokens
    return rows


def test_every_structure_and_its_mean_dose_equal_rtreview_dvh(report_text):
    dvh = cli_json("dvh")
    labels = [d["plan_label"] for d in dvh["doses"]]
    parts = sections(report_text, labels)
    assert set(labels) <= set(parts), f"sections found: {list(parts)}"
    checked = 0
    for dose in dvh["doses"]:
        rows = _metric_rows(parts[dose["plan_label"]])
        for s in dose["structures"]:
            assert s["name"] in rows, f"{dose['plan_label']}: {s['name']} missing from the metrics table"
            cells = rows[s["name"]]
            expected = "–" if s["mean_gy"] is None else f"{s['mean_gy']:.2f}"
            assert cells[4] == expected, f"{dose['plan_label']} {s['name']}: mean {cells[4]} != dvh {expected}"
            expected_max = "–" if s["max_gy"] is None else f"{s['max_gy']:.2f}"
            assert cells[5] == expected_max
            checked += 1
    assert checked >= 30  # both plans, all ROIs


def _rows_in_order(section_text: str, rows: list[dict]) -> None:
    lines = section_text.splitlines()
    at = 0
    for r in rows:
        unit = "" if r["unit"].startswith("Gy") else " " + r["unit"]
        value = "–" if r["value"] is None else f"{r['value']:.2f}{unit}"
        limit = "–" if r["limit"] is None else f"{r['limit']:.2f}{unit}"
        for i in range(at, len(lines)):
            line = lines[i]
            # a Child-Pugh variant's metric cell wraps ("Dmean [CP B]"): its name and structure sit higher
            near = " ".join(lines[max(i - (2 if r.get("applies_when") else 1), 0):i + 2]) + " "
            if (f" {r['metric']} " in (line if not r.get("applies_when") else near)
                    and SYMBOL[r["status"]] in line.split() and value in line
                    and limit in line and r["structure"] in near):
                at = i + 1
                break
        else:
            raise AssertionError(f"row not found in order: {SYMBOL[r['status']]} {r['structure']} {r['metric']} "
                                 f"value {value} limit {limit}")


def test_constraint_results_equal_rtreview_check(report_text):
    check = cli_json("check")
    labels = [p["plan_label"] for p in check["plans"]]
    parts = sections(report_text, labels)
    for plan in check["plans"]:
        text = parts[plan["plan_label"]]
        assert f"Constraints — {plan['protocol']}" in text
        _rows_in_order(text, plan["results"])
        counts = {k: sum(r["status"] == k for r in plan["results"]) for k in SYMBOL}
        assert (f"{counts['pass']} pass, {counts['marginal']} marginal, {counts['fail']} fail, "
                f"{counts['not_evaluable']} not evaluable") in " ".join(text.split())
    composite = check["composite"]
    assert composite is not None, "the sample's two courses are summed by rtreview check"
    assert "Composite" in parts
    _rows_in_order(parts["Composite"], composite["results"])


def test_header_names_plan_prescription_protocol_software_and_uids(report_text):
    import rtreview

    dvh = cli_json("dvh")
    flat = " ".join(report_text.split())
    assert f"{rtreview.APP_NAME} {rtreview.__version__}" in flat
    for dose in dvh["doses"]:
        assert dose["sop_instance_uid"] in flat  # the RT Dose the numbers come from
        assert f"{dose['prescription_gy']:g} Gy in {dose['fractions']} fx" in flat
    assert "Page 1 of" in flat and "Generated" in flat
