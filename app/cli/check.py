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
     "composite": {"plans": [label...], "protocol", "results": [ROW...], "notes": [str],
                   "registrations": [{"plan_label", "frame_of_reference_uid", "type"
                                      (IDENTITY|RIGID|RIGID_SCALE), "files", "inverted", "matrix"}]} | null,
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
    parser.add_argument("--case", metavar="FILE",
                        help="case timeline file (*.case.json) with the liver-function facts (Child-Pugh) that select "
                             "a protocol's Child-Pugh variants; default: found beside the DICOM")
    parser.add_argument("--target-alpha-beta", type=float, metavar="GY",
                        help="alpha/beta (Gy) for the targets' BED (default: each target's own, 10 Gy; "
                             "15 Gy is used for HCC in the literature)")


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
    given = _pairs([p for p in args.protocol if p not in general], "--protocol")
    specific = {k.casefold(): v for k, v in given.items()}
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
    labels = {link.label.casefold() for link in links}
    unknown = [k for k in given if k.casefold() not in labels]  # as the user spelled them
    if unknown:
        raise ValueError(f"--protocol names plan(s) not found: {', '.join(unknown)} "
                         f"(plans: {', '.join(link.label for link in links)})")
    return chosen


def _check_map(manual: dict[str, str], links, protocols) -> None:
    """ValueError naming a --map STRUCTURE no chosen protocol has, or a ROI no structure set has."""
    structures = {s.name.casefold(): s.name for p in protocols if p is not None for s in p.structures}
    rois = {r.name.casefold(): r.name for link in links if link.structure_set is not None
            for r in link.structure_set.rois}
    for structure, roi in manual.items():
        if structure.casefold() not in structures:
            names = ", ".join(sorted(structures.values())) or "none: no protocol chosen"
            raise ValueError(f"--map {structure}={roi}: the protocol has no structure {structure!r} "
                             f"(its structures: {names})")
        if roi.casefold() not in rois:
            raise ValueError(f"--map {structure}={roi}: no ROI {roi!r} in the structure set "
                             f"(ROIs: {', '.join(sorted(rois.values()))})")


def _composite_groups(case, links, protocols):
    """Per patient, the checked links (>= 2) to sum: on one frame of reference, or on frames joined
    by the loaded registrations (rtreview.core.compare.composite_frames)."""
    from rtreview.core.compare.composite_frames import composite_groups
    return composite_groups(case, links, lambda i: protocols[i] is not None and links[i].structure_set is not None)


def _failed(ev, strict: bool) -> int:
    """How many results of ``ev`` fail the check (fail, marginal without an allowed band; with
    ``strict`` also not evaluable), all mandatory."""
    return len(ev.failing(strict))


def _with_strict(entry: dict, ev, strict: bool) -> dict:
    """Rows' ``counts_as_failed`` as this run counts them (``--strict``: not evaluable too)."""
    for row, result in zip(entry["results"], ev.results):
        row["counts_as_failed"] = result.counts_as_failed(strict)
    return entry


def _timeline(args, case):
    """The case timeline named by --case (a bad one is a usage error) or found beside the DICOM
    (a bad one is ignored: no liver facts), or None."""
    from rtreview.core.timeline import CaseFileError, find_case_file, load_case

    if args.case:
        try:
            return load_case(args.case)
        except (CaseFileError, OSError) as exc:
            raise ValueError(f"case file {args.case}: {exc}") from None
    patient_id = case.patients[0].patient_id if case.patients else ""
    path = find_case_file([str(p) for p in args.paths], patient_id)
    if path is None:
        return None
    try:
        return load_case(path)
    except (CaseFileError, OSError):
        return None


def _time_factor(timeline, links) -> dict:
    """The user's re-irradiation time factor per course (case file; off by default)."""
    from rtreview.core.timeline.reirradiation import weights_for_plans

    return weights_for_plans(timeline, [(link.label, link.plan.sop_instance_uid if link.plan is not None else "")
                                        for link in links])


def _child_pugh(timeline, link) -> tuple[str | None, str]:
    from rtreview.core.timeline import child_pugh_for_plan

    plan = link.plan
    cp, text, _ = child_pugh_for_plan(timeline, link.label, plan.sop_instance_uid if plan is not None else "",
                                      plan.date if plan is not None else "")
    return cp, text


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    from rtreview.core.constraints import ProtocolError, shipped_protocols
    from rtreview.core.compare.composite_frames import check_across_frames, registrations_json
    from rtreview.core.constraints.plan_check import check_plan
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
        _check_map(manual, links, [p for p, _reason in chosen])
    except (KeyError, ValueError, ProtocolError) as exc:
        print(f"{PROG}: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return EXIT_USAGE
    protocols = [proto for proto, _ in chosen]
    if args.target_alpha_beta is not None and not args.target_alpha_beta > 0:
        print(f"{PROG}: --target-alpha-beta must be a positive number of Gy", file=sys.stderr)
        return EXIT_USAGE
    try:
        timeline = _timeline(args, case)
    except ValueError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    plans, failed = [], 0
    for link, (proto, reason) in zip(links, chosen):
        if proto is None:
            plans.append({"plan_label": link.label, "protocol": None, "results": [], "unmatched_structures": [],
                          "notes": [f"{reason}; choose one with --protocol"], **link_prescription(link),
                          "protocol_reason": reason})
            continue
        cp, cp_text = _child_pugh(timeline, link)
        ev = check_plan(link, proto, manual=manual, child_pugh=cp, child_pugh_text=cp_text,
                        target_alpha_beta_gy=args.target_alpha_beta)
        ev.notes += [n for n in unit_notes if n.startswith(link.dose.path or "\0")]
        failed += _failed(ev, args.strict)
        plans.append({**_with_strict(ev.to_dict(), ev, args.strict), **link_prescription(link),
                      "protocol_reason": reason})
    composite = None
    if not args.no_composite:
        for idx in _composite_groups(case, links, protocols)[:1]:
            group = [links[i] for i in idx]
            cp, cp_text = _child_pugh(timeline, links[idx[-1]])  # before the latest course
            weights = _time_factor(timeline, group)
            ev, mappings = check_across_frames(case, group, [protocols[i] for i in idx], manual=manual,
                                               all_structures=args.composite_all, child_pugh=cp,
                                               child_pugh_text=cp_text, course_weights=weights)
            failed += _failed(ev, args.strict)
            composite = _with_strict({"plans": [links[i].label for i in idx], "protocol": ev.protocol,
                                      "results": [r.to_dict() for r in ev.results], "notes": list(ev.notes),
                                      "registrations": registrations_json(group, mappings)},
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
