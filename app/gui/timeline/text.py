"""Text the timeline pane shows on demand: the symbol key, the derived facts and the linked DICOM
plan's facts in an RT course's tooltip."""
from __future__ import annotations

import datetime as _dt
import html

from rtreview.core.timeline import (CaseTimeline, RtCourse, find_plan, lines_of_therapy, progression_free_survival,
                                    time_on_therapy)

# Always on show under the lanes (the full key is behind the pane's Key button).
KEY_LINE_HTML = ("<span style='color:#2b8a3e'>◆ CR/PR</span> complete/partial response &nbsp; "
                 "<span style='color:#0c8599'>◆ SD/DC</span> stable disease/disease control &nbsp; "
                 "<span style='color:#c92a2a'>◆ PD</span> progression &nbsp; ● imaging &nbsp; ▶ procedure &nbsp; "
                 "■ diagnosis/note &nbsp; ┃L1┃ line of therapy &nbsp; dashed: illustrative &nbsp; ⚠ warning")

KEY_HTML = ("<b>Timeline key</b><br>Bars: treatments (RT courses, systemic therapy, adverse events)<br>"
            "Fading bar with arrow: ongoing at the last follow-up (dashed vertical line)<br>"
            "◆ response: <span style='color:#2b8a3e'>CR/PR</span>, <span style='color:#0c8599'>SD/DC "
            "(disease control)</span>, <span style='color:#c92a2a'>PD</span> &nbsp; ● imaging &nbsp; "
            "▶ procedure &nbsp; ■ diagnosis/note &nbsp; ✕ death<br>"
            "Systemic: <span style='color:#1971c2'>anti-VEGF</span>, <span style='color:#7048e8'>checkpoint "
            "inhibitor</span>, <span style='color:#1098ad'>other</span><br>"
            "Lines of therapy: the bottom lane (L1, L2, …: therapies started together form a line)<br>"
            "Tumor markers: log axis, dotted line = upper limit of normal (labelled)<br>"
            "Dashed outline or curve: illustrative (made-up) values &nbsp; ⚠ consistency warning<br>"
            "Click an RT course to select its plan; double-click to edit; drag to pan, wheel to zoom.")


def _days(days: int | None) -> str:
    return "? days" if days is None else f"{days} days"


def facts_html(case: CaseTimeline, pfs_start: _dt.date | str | None = None) -> str:
    """Lines of therapy, time on therapy and PFS (from ``pfs_start``, default the latest line)."""
    if not case.events:
        return "No events"
    rows = ["<b>Lines of therapy</b>"]
    for line in lines_of_therapy(case):
        end = "ongoing" if line.ongoing else line.end_date
        rows.append(f"{line.number}. {line.start_date} → {end} ({_days(line.days)}): {html.escape(line.regimen)}")
    rows.append("<b>Time on therapy</b>")
    for t in time_on_therapy(case):
        rows.append(f"{html.escape(t.drug)}: {_days(t.days)}{' (ongoing, to last follow-up)' if t.ongoing else ''}")
    pfs = progression_free_survival(case, pfs_start)
    months = f", {pfs.months:.1f} months" if pfs.months is not None else ""
    rows.append(f"<b>PFS</b> from {pfs.start_date} ({html.escape(pfs.start_label)}): "
                f"{_days(pfs.days)}{months}, {html.escape(pfs.censor_rule)}")
    return "<br>".join(rows)


def plan_facts_html(course: RtCourse, plans: list) -> str:
    """The DICOM plan linked to ``course`` among ``plans``: its prescription, fractions and date."""
    plan = find_plan(course, plans)
    if plan is None:
        return "DICOM plan: not among the loaded plans"
    rx = f"{plan.prescription_gy:g} Gy" if plan.prescription_gy is not None else "? Gy"
    return f"DICOM plan {html.escape(plan.label)}: {rx} / {plan.fractions or '?'} fx, dated {plan.date or '?'}"
