"""The text report of ``rtreview check``: one table per plan and one for the composite."""
from __future__ import annotations

from rtreview.core.dicom.plan import SOURCE_LABELS

SYMBOL = {"pass": "PASS", "marginal": "MARGINAL", "fail": "FAIL", "not_evaluable": "N/A"}


def _num(x, unit="") -> str:
    return "-" if x is None else f"{x:.2f}{unit}"


def _row(r: dict) -> list[str]:
    unit = r["unit"]
    if unit.startswith("Gy"):
        value, limit = _num(r["value"], " " + unit), f"{r['comparator']} {_num(r['limit'], ' ' + unit)}"
        eqd2 = f"{_num(r['value_eqd2_gy'])} / {_num(r['limit_eqd2_gy'])}"
    else:
        value, limit = _num(r["value"], " " + unit), f"{r['comparator']} {_num(r['limit'], ' ' + unit)}"
        if r["threshold_gy"] is None:  # composite: the dose level is an EQD2
            eqd2 = f"at {_num(r['threshold_eqd2_gy'], ' Gy EQD2')}"
        else:
            eqd2 = f"at {_num(r['threshold_gy'], ' Gy')} (EQD2 {_num(r['threshold_eqd2_gy'], ' Gy')})"
    return [SYMBOL[r["status"]], r["level"], r["structure"], r["metric"], value, limit, eqd2,
            f"{r['alpha_beta_gy']:g}", r["limit_as_written"]]


HEADER = ["STATUS", "LEVEL", "STRUCTURE", "METRIC", "VALUE", "LIMIT", "EQD2 VALUE / LIMIT (Gy)", "A/B",
          "AS WRITTEN"]


def _table(rows: list[list[str]]) -> list[str]:
    rows = [HEADER] + rows
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _section(title: str, results: list[dict], unmatched: list[str], notes: list[str]) -> list[str]:
    lines = [title]
    lines += _table([_row(r) for r in results]) if results else ["  (no results)"]
    if unmatched:
        lines.append("  unmatched protocol structures: " + ", ".join(unmatched))
    lines += [f"  note: {n}" for n in notes]
    for r in results:
        if r["note"] and r["status"] == "not_evaluable":
            lines.append(f"  {r['structure']} {r['metric']}: {r['note']}")
    return lines


def format_report(report: dict) -> str:
    lines: list[str] = []
    for p in report["plans"]:
        fx = f"{p['fractions']} fx" if p["fractions"] else "fractions unknown"
        source = SOURCE_LABELS.get(p.get("prescription_source"), "")
        rx = f", {p['prescription_gy']:g} Gy" + (f" ({source})" if source else "") if p.get("prescription_gy") \
            else ", Rx unknown"
        title = f"{p['plan_label']} ({fx}{rx}): protocol {p['protocol'] or '(none)'}"
        lines += _section(title, p["results"], p.get("unmatched_structures", []), p.get("notes", [])) + [""]
    c = report.get("composite")
    if c:
        title = f"Composite {' + '.join(c['plans'])} (voxel-wise EQD2 sum; values in Gy EQD2)"
        lines += _section(title, c["results"], [], c.get("notes", [])) + [""]
    all_rows = [r for p in report["plans"] for r in p["results"]] + (c["results"] if c else [])
    failed = [r for r in all_rows if r["level"] == "mandatory" and r["status"] == "fail"]
    lines.append(f"{len(failed)} mandatory constraint(s) failed; exit status {report['exit_status']}")
    return "\n".join(lines)
