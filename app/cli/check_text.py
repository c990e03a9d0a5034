"""The text report of ``rtreview check``: one table per plan and one for the composite."""
from __future__ import annotations

from rtreview.core.dicom.plan import SOURCE_LABELS

SYMBOL = {"pass": "PASS", "marginal": "MARGINAL", "fail": "FAIL", "not_evaluable": "N/A"}
ALLOWED = "MARGINAL*"  # marginal inside a variation band the protocol allows
CONVERTED = "†"  # the limit was converted to a fractionation other than the protocol's


def _num(x, unit="") -> str:
    return "-" if x is None else f"{x:.2f}{unit}"


def _row(r: dict) -> list[str]:
    unit = r["unit"]
    if unit.startswith("Gy"):
        value, limit = _num(r["value"], " " + unit), f"{r['comparator']} {_num(r['limit'], ' ' + unit)}"
        if unit == "Gy EQD2" and r["value_gy"] is not None and r["value"] is not None:
            value += f" ({_num(r['value_gy'], ' Gy')})"  # a plan's mean dose: judged in EQD2
        if unit == "Gy EQD2" and r["limit_gy"] is not None and r["limit"] is not None:
            limit += f" ({_num(r['limit_gy'], ' Gy')})"
        eqd2 = f"{_num(r['value_eqd2_gy'])} / {_num(r['limit_eqd2_gy'])}"
    else:
        value, limit = _num(r["value"], " " + unit), f"{r['comparator']} {_num(r['limit'], ' ' + unit)}"
        if r["threshold_gy"] is None:  # composite: the dose level is an EQD2
            eqd2 = f"at {_num(r['threshold_eqd2_gy'], ' Gy EQD2')}"
        else:
            eqd2 = f"at {_num(r['threshold_gy'], ' Gy')} (EQD2 {_num(r['threshold_eqd2_gy'], ' Gy')})"
    status = ALLOWED if r["status"] == "marginal" and r.get("variation_allowed") else SYMBOL[r["status"]]
    written = r["limit_as_written"] + (f" {CONVERTED}" if r.get("limit_converted") else "")
    return [status, r["level"], r["structure"], r["metric"], value, limit, eqd2,
            f"{r['alpha_beta_gy']:g}", written]


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
    rows = [r for p in report["plans"] for r in p["results"]] + (c["results"] if c else [])
    if any(r.get("limit_converted") for r in rows):
        lines.append(f"{CONVERTED}: limit converted to the plan's fractionation (linear-quadratic, the structure's α/β; "
                     "the plan's fractions differ from the protocol's; each row's note in --format json)")
    if any(r["status"] == "marginal" and r.get("variation_allowed") for r in rows):
        lines.append(f"{ALLOWED}: inside a variation band the protocol allows for that constraint")
    if any(r["unit"] == "Gy EQD2" and r.get("value_gy") is not None for r in (p_r for p in report["plans"]
                                                                                for p_r in p["results"])):
        lines.append("Mean doses are judged as the voxel-wise mean EQD2 against the limit's EQD2 (physical Gy in "
                     "parentheses)")
    lines.append(summary_line(report))
    return "\n".join(lines)


def summary_line(report: dict) -> str:
    """'N mandatory constraint(s) failed (...); exit status S': N counts exactly the rows that set
    the exit status (fail, marginal without an allowed band, not evaluable under --strict)."""
    c = report.get("composite")
    rows = [r for p in report["plans"] for r in p["results"]] + (c["results"] if c else [])
    failing = [r for r in rows if r.get("counts_as_failed")]
    kinds = {"fail": "failed", "marginal": "marginal without an allowed variation band",
             "not_evaluable": "not evaluable (counted as failed: --strict)"}
    parts = [f"{sum(1 for r in failing if r['status'] == k)} {text}" for k, text in kinds.items()
             if any(r["status"] == k for r in failing)]
    detail = f" ({', '.join(parts)})" if parts else ""
    marginal_ok = sum(1 for r in rows if r["status"] == "marginal" and not r.get("counts_as_failed"))
    allowed = f"; {marginal_ok} marginal within an allowed variation" if marginal_ok else ""
    return (f"{len(failing)} mandatory constraint(s) failed{detail}{allowed}; "
            f"exit status {report['exit_status']}")
