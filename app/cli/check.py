"""``rtreview check PATH... [--protocol NAME] [--format json|text] [--rx PLAN=GY/FRACTIONS]``: check plans
against dose constraints.

Every dose with a plan is checked against a protocol: the one named by ``--protocol`` (a shipped
protocol's name or file stem, or a protocol JSON file; ``LABEL=NAME`` for one plan only), else
the shipped protocol that fits the plan's site (target and organ names) and fractionation; when
none fits, the plan's notes say why ("no shipped protocol fits: ..."). ``--rx`` sets a plan's
prescription and fractions (overriding the files). Limits relative to an unknown prescription
are not evaluable ("needs Rx"), as are fractionation-dependent limits with unknown fractions. Plans of one patient
on one frame of reference are also summed (voxel-wise EQD2 per structure alpha/beta, and
physically) and the structures dosed by more than one course are checked on the composite.

Exit status: 3 when a mandatory constraint fails, or is marginal (inside its variation band)
without the protocol allowing that band for it (per plan or on the composite); with ``--strict``
also when a mandatory constraint is not evaluable; else 0. 1 when nothing could be checked (no
such file or folder, no RT Dose), 2 for usage errors (incl. an unknown protocol).

``--format json`` prints::

    {"plans": [{"plan_label", "fractions", "prescription_gy", "protocol", "results": [ROW...],
                "unmatched_structures": [str], "notes": [str], "prescription_source",
                "prescription_note", "dose_per_fraction_gy", "fraction_groups": [...],
                "fraction_group", "protocol_reason"}],
     "composite": {"plans": [label...], "protocol", "results": [ROW...], "notes": [str]} | null,
     "exit_status": int, "failed_count": int, "strict": bool}

with ROW = {"structure", "roi", "metric", "value_gy", "value_eqd2_gy", "alpha_beta_gy", "limit_gy",
"limit_eqd2_gy", "level", "status" (pass|marginal|fail|not_evaluable), "source", "comparator",
"value", "limit", "marginal_limit", "unit", "threshold_gy", "threshold_eqd2_gy", "limit_as_written",
"note", "variation_allowed", "alpha_beta_origin", "alpha_beta_source", "converted_from_fractions",
"limit_converted", "counts_as_failed"}; see docs/protocols.md. ``fractions`` / ``prescription_gy`` are the
plan's total planned fractions and prescription (null when unknown); the prescription keys are described in
``rtreview.cli.plan_json``; ``protocol_reason`` says why the protocol was suggested, or why none was.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from rtreview.cli.inputs import add_relative_dose_argument, apply_relative_dose, load_problems, missing_paths
from rtreview.cli.plan_json import link_prescription
from rtreview.cli.rx_option import add_rx_argument, apply_rx_to_case, parse_rx

EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
PROG = "rtreview check"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files, folders or .zip archives")
    parser.add_argument("--protocol", action="append", default=[], metavar="NAME",
                        help="protocol name, file stem or JSON file for every plan; LABEL=NAME for one plan "
                             "(repeatable). Default: suggested from each plan's fractionation and targets")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.add_argument("--map", action="append", default=[], metavar="STRUCTURE=ROI",
                        help="map a protocol structure to an ROI by hand (repeatable)")
    parser.add_argument("--no-composite", action="store_true", help="do not evaluate the multi-course composite")
    parser.add_argument("--composite-all", action="store_true",
                        help="evaluate every matched structure on the composite, not only those dosed by 2+ courses")
    add_relative_dose_argument(parser)
    parser.add_argument("--strict", action="store_true",
                        help="a mandatory constraint that is not evaluable counts as failed too (exit 3)")
    add_rx_argument(parser)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{what} {v!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _choose_protocols(links, args, shipped):
    """(protocol or None, reason) per link."""
    from rtreview.core.constraints import find_protocol
    from rtreview.core.constraints.plan_check import suggestion_for_link

    # NAME or FILE.json for every plan; LABEL=NAME and LABEL=FILE.json for one (a file whose own
    # name holds '=' counts as a file)
    general = [p for p in args.protocol if "=" not in p or os.path.isfile(p)]
    specific = {k.casefold(): v for k, v in _pairs([p for p in args.protocol if p not in general], "--protocol").items()}
    if len(general) > 1:
        raise ValueError("--protocol NAME given more than once; use LABEL=NAME for per-plan protocols")
    default = find_protocol(general[0], shipped) if general else None
    chosen = []
    for link in links:
        if link.label.casefold() in specific:
            chosen.append((find_protocol(specific[link.label.casefold()], shipped), "named with --protocol"))
            continue
        if default is not None:
            chosen.append((default, "named with --protocol"))
            continue
        suggestion = suggestion_for_link(shipped, link)
        chosen.append((suggestion.protocol, suggestion.reason))
    unknown = set(specific) - {link.label.casefold() for link in links}
    if unknown:
        raise ValueError(f"--protocol names plan(s) not found: {', '.join(sorted(unknown))}")
    return chosen


def _composite_groups(case, links, protocols):
    """Per patient and frame of reference, the checked links (>= 2) to sum."""
    groups = []
    for patient in case.patients:
        by_frame: dict[str, list[int]] = {}
        for i, link in enumerate(links):
            mine = any(link is other for other in patient.links)  # identity: links hold numpy arrays
            if mine and protocols[i] is not None and link.structure_set is not None:
                frame = link.dose.frame_of_reference_uid or link.structure_set.frame_of_reference_uid
                by_frame.setdefault(frame, []).append(i)
        groups += [idx for idx in by_frame.values() if len(idx) >= 2]
    return groups


def _failed(ev, strict: bool) -> int:
    """How many results of ``ev`` fail the check (fail, marginal without an allowed band; with
    ``strict`` also not evaluable), all mandatory."""
    return len(ev.failing(strict))


def _with_strict(entry: dict, ev, strict: bool) -> dict:
    """Rows' ``counts_as_failed`` as this run counts them (``--strict``: not evaluable too)."""
    for row, result in zip(entry["results"], ev.results):
        row["counts_as_failed"] = result.counts_as_failed(strict)
    return entry


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    from rtreview.core.constraints import ProtocolError, shipped_protocols
    from rtreview.core.constraints.plan_check import check_composite, check_plan
    from rtreview.core.dicom.loader import load

    try:
        manual = _pairs(args.map, "--map")
        overrides = parse_rx(args.rx)
        shipped = shipped_protocols()
    except (ValueError, ProtocolError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    case = load(args.paths)
    for message in missing_paths(case):
        print(f"{PROG}: {message}", file=sys.stderr)
    try:
        unit_notes = apply_relative_dose(case, args, PROG)
    except ValueError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problem = apply_rx_to_case(case, overrides)
    if problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # Courses in treatment order (plan date, then load order), as a composite reads best.
    links = sorted(case.links, key=lambda link: (link.plan.date if link.plan is not None and link.plan.date
                                                 else "9999"))
    if not links:
        why = load_problems(case)
        print(f"{PROG}: no RT Dose found in {', '.join(args.paths)}{f' ({why})' if why else ''}; nothing to check",
              file=sys.stderr)
        return EXIT_NOTHING
    try:
        chosen = _choose_protocols(links, args, shipped)
    except (KeyError, ValueError, ProtocolError) as exc:
        print(f"{PROG}: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return EXIT_USAGE
    protocols = [proto for proto, _ in chosen]
    plans, failed = [], 0
    for link, (proto, reason) in zip(links, chosen):
        if proto is None:
            plans.append({"plan_label": link.label, "protocol": None, "results": [], "unmatched_structures": [],
                          "notes": [f"{reason}; choose one with --protocol"], **link_prescription(link),
                          "protocol_reason": reason})
            continue
        ev = check_plan(link, proto, manual=manual)
        ev.notes += [n for n in unit_notes if n.startswith(link.dose.path or "\0")]
        failed += _failed(ev, args.strict)
        plans.append({**_with_strict(ev.to_dict(), ev, args.strict), **link_prescription(link),
                      "protocol_reason": reason})
    composite = None
    if not args.no_composite:
        for idx in _composite_groups(case, links, protocols)[:1]:
            ev = check_composite([links[i] for i in idx], [protocols[i] for i in idx], manual=manual,
                                 all_structures=args.composite_all)
            failed += _failed(ev, args.strict)
            composite = _with_strict({"plans": [links[i].label for i in idx], "protocol": ev.protocol,
                                      "results": [r.to_dict() for r in ev.results], "notes": list(ev.notes)},
                                     ev, args.strict)
    status = EXIT_FAILED if failed else EXIT_OK
    report = {"plans": plans, "composite": composite, "exit_status": status, "failed_count": failed,
              "strict": bool(args.strict)}
    if args.format == "json":
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        from rtreview.cli.check_text import format_report

        print(format_report(report))
    return status
