"""``rtreview timeline CASE.json [PATH...] [--format json|text] [--pfs-start DATE|EVENT_ID]``

Prints a case timeline: its events in date order, the derived facts (lines of therapy,
time on each therapy, progression-free survival with its start and censoring) and the
consistency warnings. With DICOM ``PATH``s the RT courses are also checked against the
plans found there (date, prescription, fractions, patient ID).

Exit status: 0 done; 1 the plan checks asked for could not be made (the summary is still
printed, with ``plan_check_error``); 2 the case file is unusable (the message names each
bad field and its line).

JSON keys (``--format json``; dates ISO ``YYYY-MM-DD``, null when unknown):

- ``summary_version`` (int), ``title``, ``patient_id`` (PatientID the case links to).
- ``last_follow_up``: ``{date, status, source, illustrative}`` or null.
- ``events[]`` in date order: ``id``, ``kind`` (diagnosis, rt_course, systemic_therapy,
  procedure, response, adverse_event, imaging, death, note), ``title``, ``start_date``,
  ``end_date`` (null for a point event or an open-ended therapy), ``ongoing`` (bool),
  ``details`` (field -> text), ``source``, ``illustrative`` (bool: value made up for the
  example); RT courses add ``dose_gy`` (total, Gy), ``fractions``, ``plan_label``; systemic
  therapies add ``drug``, ``line``; responses add ``result`` (CR, PR, SD, PD, NE, DC).
- ``lab_series[]``: ``id``, ``analyte``, ``unit`` (e.g. ng/mL), ``upper_limit_normal`` (same
  unit), ``source``, ``illustrative``, ``samples[]`` of ``{date, value}`` (value in ``unit``).
- ``lines_of_therapy[]``: ``line`` (1-based), ``regimen`` (text), ``drugs`` (started in this
  line), ``continued_drugs`` (from earlier lines), ``start_date``, ``end_date`` (next line's
  start, or the last follow-up when ongoing), ``ongoing``, ``days``, ``line_inferred`` (true
  when a therapy had no ``line`` and was numbered from the progressions before it).
- ``time_on_therapy[]``: ``event_id``, ``drug``, ``line``, ``start_date``, ``end_date`` (stop
  date, or the last follow-up when ongoing), ``ongoing``, ``days`` (end minus start).
- ``pfs`` (null for a case without events): ``start_date``, ``start`` (what the start is), ``end_date``, ``pfs_days``,
  ``pfs_months`` (days / 30.44, one decimal), ``progressed`` (true: progression or death),
  ``censored`` (= not progressed), ``event_id`` (the progression), ``rule`` (how it ended).
  Default start: the start of the latest line of therapy.
- ``plans_checked`` (bool), ``plan_check_error`` (only when the DICOM could not be read).
- ``plan_links[]`` (null without PATH): per RT course ``event_id``, ``plan_label``, ``found``,
  and the plan's ``sop_instance_uid``, ``plan_date``, ``prescription_gy`` (Gy), ``fractions``.
- RT courses also give ``dose_per_fraction_gy``, ``schedule``, ``interval_hours``,
  ``fractions_delivered``, ``technique``, ``overall_treatment_days`` (first to last day, both
  counted), ``interruptions[]``; ``liver_function`` events give the Child-Pugh/ALBI/HBV/HCV fields.
- ``liver_status[]``: per RT course, the liver facts at its start (docs/timeline.md).
- ``warnings[]``: ``code`` (see ``rtreview.core.timeline.checks``), ``severity`` (warning or
  note), ``event_id``, ``message``.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

EXIT_OK = 0
EXIT_PLANS_UNCHECKED = 1
EXIT_BAD_CASE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", metavar="CASE.json", help="case timeline file (*.case.json)")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="DICOM files, folders or .zip archives whose RT plans the courses are checked against")
    parser.add_argument("--format", choices=("json", "text"), default="text", help="output format (default text)")
    parser.add_argument("--pfs-start", metavar="DATE|EVENT_ID", default=None,
                        help="start of progression-free survival (default: start of the latest line of therapy)")


def load_plans(paths: list[str]) -> list:
    """RT plans in ``paths`` via ``rtreview.core.dicom.loader.load``; raises RuntimeError if unavailable."""
    try:
        loader = importlib.import_module("rtreview.core.dicom.loader")
    except ImportError as exc:
        raise RuntimeError(f"the DICOM loader is not available in this build ({exc})") from None
    try:
        case = loader.load(paths)
    except Exception as exc:  # the loader's own errors are specific; report them, don't crash
        raise RuntimeError(f"cannot read the DICOM: {exc}") from None
    return [plan for patient in case.patients for plan in patient.plans]


def run(args: argparse.Namespace) -> int:
    from rtreview.core.timeline import CaseFileError, load_case, summarize

    try:
        case = load_case(args.case)
    except CaseFileError as exc:
        print(f"rtreview timeline: {exc}", file=sys.stderr)
        return EXIT_BAD_CASE
    plans, error = None, ""
    if args.paths:
        try:
            plans = load_plans(args.paths)
        except RuntimeError as exc:
            error = str(exc)
            print(f"rtreview timeline: plan checks skipped: {error}", file=sys.stderr)
    try:
        summary = summarize(case, plans, args.pfs_start)
    except ValueError as exc:
        print(f"rtreview timeline: --pfs-start {args.pfs_start}: {exc}", file=sys.stderr)
        return EXIT_BAD_CASE
    if error:
        summary["plan_check_error"] = error
    text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else format_text(summary)
    sys.stdout.write(text)  # a reader that leaves early (`| head`): rtreview.cli.main ends quietly
    return EXIT_PLANS_UNCHECKED if error else EXIT_OK


def _span(start: str | None, end: str | None, ongoing: bool) -> str:
    if ongoing:
        return f"{start} -> ongoing"
    return f"{start} -> {end}" if end and end != start else f"{start}"


def format_text(summary: dict) -> str:
    """The summary as plain text for a terminal; '*' marks illustrative values."""
    out = [summary["title"] or "Case timeline"]
    follow_up = summary["last_follow_up"]
    fu = f"{follow_up['date']}{' *' if follow_up['illustrative'] else ''}" if follow_up else "not recorded"
    out.append(f"Patient ID: {summary['patient_id'] or '-'}    Last follow-up: {fu}")
    out.append("\nEvents (* illustrative)")
    for e in summary["events"]:
        span = _span(e["start_date"], e["end_date"], e["ongoing"])
        out.append(f"  {span:<28} {e['kind']:<17} {e['title']}{' *' if e['illustrative'] else ''}")
    out.append("\nLines of therapy")
    for line in summary["lines_of_therapy"]:
        days = f"{line['days']} days" if line["days"] is not None else "? days"
        out.append(f"  {line['line']}. {_span(line['start_date'], line['end_date'], False)}"
                   f"{' (ongoing)' if line['ongoing'] else ''}, {days}: {line['regimen']}")
    out.append("\nTime on therapy")
    for t in summary["time_on_therapy"]:
        days = f"{t['days']} days" if t["days"] is not None else "? days"
        out.append(f"  {t['drug']:<16} {days:>10}  {_span(t['start_date'], t['end_date'], False)}"
                   f"{' (ongoing, to last follow-up)' if t['ongoing'] else ''}")
    pfs = summary["pfs"]
    if pfs is None:
        out.append("\nProgression-free survival: no events")
    else:
        out.append(f"\nProgression-free survival from {pfs['start_date']} ({pfs['start']}):")
        out.append(f"  {pfs['pfs_days']} days ({pfs['pfs_months']} months) to {pfs['end_date']}; {pfs['rule']}")
    for link in summary.get("plan_links") or []:
        if link["found"]:
            out.append(f"  RT course {link['event_id']} -> plan {link['plan_label']} dated {link['plan_date']}, "
                       f"{link['prescription_gy']} Gy / {link['fractions']} fx")
    if summary.get("liver_status"):
        out.append("\nLiver function at each RT course's start")
        for row in summary["liver_status"]:
            cp = row["child_pugh"]
            score = row["child_pugh_score"]["value"] if row["child_pugh_score"] else ""
            facts = [f"Child-Pugh {cp}{score}" if cp else "needs Child-Pugh"]
            for key, label in (("albi_grade", "ALBI"), ("hbv_status", "HBV"), ("hcv_status", "HCV")):
                facts.append(f"{label} {row[key]['value']}" if row[key] else f"{label} unknown")
            prior = ", ".join(f"{p['name']} {p['date']}" for p in row["prior_liver_directed"]) or "none recorded"
            out.append(f"  {row['plan_label'] or row['event_id']}: {'; '.join(facts)}; prior liver-directed: {prior}")
    checked = "with" if summary["plans_checked"] else "without"
    out.append(f"\nWarnings ({checked} DICOM plan checks)")
    for w in summary["warnings"] or [{"severity": "", "message": "none"}]:
        out.append(f"  {w['severity'] + ': ' if w['severity'] else ''}{w['message']}")
    if summary.get("plan_check_error"):
        out.append(f"  plan checks skipped: {summary['plan_check_error']}")
    return "\n".join(out) + "\n"
