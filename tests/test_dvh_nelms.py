"""The Nelms et al. (2015) analytic DVH benchmark, scored as in the paper (3 % of the analytic value).

Per case V, Dmin, Dmax, Dmean, D99, D95, D5, D1 and D0.03cc; V counted once per structure and
dose grid in Test 1 / Test 2 (their AP and SI rows share it), per row in the shifted set. The
D-values are scored twice: from the engine's own metrics (exact weighted quantiles) and read off
its cumulative curve (the highest dose at which the curve still holds >= x % of the volume,
linear between points). Dose files are keyed by path: the AP and SI files of one grid size share
their SOP Instance UID. ``pytest -s`` prints the per-metric failure tables.
"""
from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

import pytest

from reference_data import NELMS, NELMS_SKIP_REASON

METRICS = ("V", "Dmin", "Dmax", "Dmean", "D99", "D95", "D5", "D1", "D0.03cc")
COLUMNS = {"V": "volume_cc", "Dmin": "dmin_gy", "Dmax": "dmax_gy", "Dmean": "dmean_gy", "D99": "d99_gy",
           "D95": "d95_gy", "D5": "d5_gy", "D1": "d1_gy", "D0.03cc": "d0.03cc_gy"}
TESTS = ("test1", "test2", "test2s")
LIMITS = {"test1": 0, "test2": 10, "test2s": 15}
TOLERANCE_PCT = 3.0

pytestmark = pytest.mark.skipif(not (NELMS / "cases.csv").is_file(), reason=NELMS_SKIP_REASON)


def load_cases() -> list[dict]:
    with open(NELMS / "cases.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["available"] == "1"]
    for r in rows:
        r["truth"] = {m: float(r[COLUMNS[m]]) for m in METRICS}
    return rows


@lru_cache(maxsize=None)
def _dose(path: str):
    from rtreview.core.dicom.rtdose import read_dose
    return read_dose(path)


@lru_cache(maxsize=None)
def _roi(path: str, number: int):
    from rtreview.core.dicom.rtstruct import read_structure_set
    return read_structure_set(path).roi(number)


def compute_all(cases: list[dict]) -> dict[str, tuple[dict, dict]]:
    """case_id -> (own metrics, curve metrics)."""
    from rtreview.core.dvh import compute_dvh
    out = {}
    for c in cases:
        dvh = compute_dvh(_roi(str(NELMS / c["structure_file"]), int(c["roi_number"])),
                          _dose(str(NELMS / c["dose_file"])))
        own = {"V": dvh.volume_cc, "Dmin": dvh.min_gy, "Dmax": dvh.max_gy, "Dmean": dvh.mean_gy,
               "D99": dvh.d_pct(99), "D95": dvh.d_pct(95), "D5": dvh.d_pct(5), "D1": dvh.d_pct(1),
               "D0.03cc": dvh.d_cc(0.03)}
        curve = dict(own)
        curve.update({"D99": dvh.d_pct_curve(99), "D95": dvh.d_pct_curve(95), "D5": dvh.d_pct_curve(5),
                      "D1": dvh.d_pct_curve(1), "D0.03cc": dvh.d_cc_curve(0.03)})
        out[c["case_id"]] = (own, curve)
    return out


def score(cases: list[dict], values: dict[str, dict]) -> tuple[dict, list[str]]:
    """{test: {metric: [fails, scored]}} and the failure lines."""
    table = {t: {m: [0, 0] for m in METRICS} for t in TESTS}
    failures = []
    v_groups: dict[tuple, list[bool]] = {}
    for c in cases:
        calc = values[c["case_id"]]
        for m in METRICS:
            truth = c["truth"][m]
            got = calc.get(m)
            diff = 100.0 * (got - truth) / truth if got is not None and math.isfinite(got) else float("inf")
            fail = not abs(diff) <= TOLERANCE_PCT
            if fail:
                failures.append(f"  {c['case_id']:34s} {m:8s} analytic {truth:8.4g} calc {got:8.4g} {diff:+6.1f} %")
            if m == "V" and c["test"] in ("test1", "test2"):
                key = (c["test"], c["structure_file"], c["dose_voxel_mm"])
                v_groups.setdefault(key, []).append(fail)
                continue
            table[c["test"]][m][0] += fail
            table[c["test"]][m][1] += 1
    for (test, _, _), fails in v_groups.items():
        table[test]["V"][0] += any(fails)
        table[test]["V"][1] += 1
    return table, failures


def format_table(table: dict, title: str) -> str:
    lines = [title, f"{'metric':9s}" + "".join(f"{t:>14s}" for t in TESTS)]
    for m in METRICS:
        lines.append(f"{m:9s}" + "".join(f"{table[t][m][0]:>8d}/{table[t][m][1]:<5d}" for t in TESTS))
    totals = {t: (sum(v[0] for v in table[t].values()), sum(v[1] for v in table[t].values())) for t in TESTS}
    lines.append(f"{'TOTAL':9s}" + "".join(f"{totals[t][0]:>8d}/{totals[t][1]:<5d}" for t in TESTS))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def results():
    cases = load_cases()
    if not cases:
        pytest.skip("no runnable Nelms cases")
    return cases, compute_all(cases)


@pytest.mark.parametrize("source", ["own", "curve"])
def test_nelms_benchmark(results, source):
    cases, values = results
    index = 0 if source == "own" else 1
    table, failures = score(cases, {k: v[index] for k, v in values.items()})
    print("\n" + format_table(table, f"Nelms 2015 benchmark, D-values from the {source} "
                                     f"{'metrics' if source == 'own' else 'cumulative curve'} (fails/scored)"))
    print("\n".join(failures))
    # The copy has 30 runnable Test 1 rows, 30 Test 2 rows and 30 shifted rows.
    assert [sum(v[1] for v in table[t].values()) for t in TESTS] == [255, 255, 270]
    for test, limit in LIMITS.items():
        fails = sum(v[0] for v in table[test].values())
        assert fails <= limit, f"{test}: {fails} failures (limit {limit})"
        assert table[test]["Dmin"][0] == 0 and table[test]["Dmax"][0] == 0, f"{test}: Dmin/Dmax failure"


def test_nelms_volumes_match_contour_stack(results):
    """Every benchmark structure's volume equals its polygon areas x slab thicknesses (±0.5 %)."""
    from rtreview.core.dvh import compute_dvh, stack_volume_cc
    cases, _ = results
    seen = set()
    for c in cases:
        if c["structure_file"] in seen:
            continue
        seen.add(c["structure_file"])
        roi = _roi(str(NELMS / c["structure_file"]), int(c["roi_number"]))
        dose = _dose(str(NELMS / c["dose_file"]))
        assert compute_dvh(roi, dose).volume_cc == pytest.approx(stack_volume_cc(roi), rel=5e-3), c["case_id"]
