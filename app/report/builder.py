"""Assemble the report: a title, one section per plan (header, DVH, metrics, constraints, axial
slice, timeline strip) and a composite section when several courses were checked together
(EQD2 DVH of the structures dosed by two or more courses with their limits, constraints,
timeline strip).

``export(...)`` is the one entry point for the CLI and the window: load, compute, paint,
write atomically. It reports progress and can be cancelled.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Callable

from rtreview.core.constraints import parse_metric
from rtreview.core.dicom.dose_units import describe_max, display_scale
from rtreview.core.dicom.plan import SOURCE_DESCRIPTIONS

from .content import Progress, ReportContent, gather
from .deidentify import Redactor
from .document import PageBreak, write_pdf
from .dvh_figure import DvhFigure, LimitMark
from .header import KeyValueBlock, SectionTitle, TextBlock, TitleBlock, footer_painter
from .slice_figure import SliceFigure
from .tables import constraints_table, metrics_table
from .timeline_strip import TimelineStrip

TARGET_TYPES = ("PTV", "CTV", "GTV", "ITV")


@dataclass
class ExportResult:
    path: str
    pages: int
    plans: list[str]
    deidentified: bool
    notes: list[str] = field(default_factory=list)


def _gy(value) -> str:
    return "–" if value is None else f"{value:g} Gy"


def limit_marks(evaluation, dvhs: dict, eqd2: bool = False) -> list[LimitMark]:
    """Constraint limits to mark on the DVH plot (only for ROIs drawn there). ``eqd2``: a
    composite, whose DVHs are ``evaluation.dvhs`` (by protocol structure) in Gy EQD2, and whose
    limits are placed at their EQD2 doses."""
    by_name = {d.name.casefold(): d for d in dvhs.values()}
    marks = []
    for r in (evaluation.results if evaluation is not None else []):
        dvh = dvhs.get(r.structure) if eqd2 else by_name.get((r.roi_name or "").casefold())
        if dvh is None or r.status.value == "not_evaluable" or dvh.covered_volume_cc <= 0:
            continue
        try:
            metric = parse_metric(r.metric)
        except ValueError:
            continue
        upper = r.comparator == "<="
        status = r.status.value
        limit_gy = r.limit_eqd2_gy if eqd2 else r.limit_gy
        threshold_gy = r.threshold_eqd2_gy if eqd2 else r.threshold_gy
        if metric.is_dose:
            if limit_gy is None:
                continue
            volume = {"Dmean": None, "Dmax": 0.0, "Dmin": 100.0}.get(metric.kind)
            if metric.kind == "D%":
                volume = metric.parameter
            elif metric.kind == "Dcc":
                volume = 100.0 * metric.parameter / dvh.covered_volume_cc
            if volume is None or volume <= 100.0:
                marks.append(LimitMark(dvh.roi_number, limit_gy, volume, upper, status))
        elif threshold_gy is not None and r.limit is not None:
            volume = r.limit if r.unit == "%" else 100.0 * r.limit / dvh.covered_volume_cc
            if volume > 100.0:  # a volume limit larger than the structure cannot be exceeded: no mark
                continue
            marks.append(LimitMark(dvh.roi_number, threshold_gy, volume, upper, status))
    return marks


def scaled(dvh, factor: float):
    """``dvh`` with its dose axis and statistics multiplied by ``factor`` (a relative dose in %)."""
    import dataclasses

    return dataclasses.replace(dvh, dose_gy=dvh.dose_gy * factor, min_gy=dvh.min_gy * factor,
                               mean_gy=dvh.mean_gy * factor, max_gy=dvh.max_gy * factor,
                               bin_width_gy=dvh.bin_width_gy * factor, sample_dose_gy=dvh.sample_dose_gy * factor)


def plotted(dvhs) -> list:
    """The DVHs drawn on a figure: with dose in the grid, not the EXTERNAL."""
    return [d for d in dvhs if d.covered_volume_cc > 0 and d.type.upper() != "EXTERNAL" and math.isfinite(d.max_gy)]


def composite_blocks(content: ReportContent, dvh_height: float = 300.0) -> list:
    comp = content.composite
    ev = comp.evaluation
    labels = " + ".join(comp.labels)
    blocks: list = [
        SectionTitle("Composite " + labels, "voxel-wise EQD2 sum"),
        TextBlock("Each course's dose is looked up at the DVH engine's own sample points of each structure "
                  "(no dose grid is resampled, so no peak is smoothed), converted to EQD2 with that course's "
                  "number of fractions and the structure's α/β, and summed point by point; the physical sum is "
                  "kept beside it. Structures dosed by at least two courses are evaluated against the "
                  "absolute-dose limits of the plans' protocols (one row per structure, metric and level: the "
                  "stricter limit); values are Gy EQD2.", 8.5, italic=False)]
    shown = plotted((getattr(ev, "dvhs", None) or {}).values())
    if shown:
        blocks.append(DvhFigure(shown, f"Composite DVH — {labels} (Gy EQD2, each structure's α/β; volume in % "
                                       "inside the dose grid)",
                                None, limit_marks(ev, ev.dvhs, eqd2=True), dvh_height, dose_label="Dose (Gy EQD2)"))
    blocks += [constraints_table(ev, "Constraints on the composite (Gy EQD2)", composite=True),
               TimelineStrip(content.timeline, comp.labels, [], content.timeline_note)]
    return blocks


def _is_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)


def person_name(pn: str) -> str:
    """DICOM PN for reading: 'DOE^JOHN' -> 'DOE JOHN'; CJK components joined without a space
    ('张^三' -> '张三'); an ideographic group is shown beside the alphabetic one."""
    groups = []
    for group in pn.split("="):
        parts = [p.strip() for p in group.split("^") if p.strip()]
        if parts:
            groups.append(("" if all(_is_cjk(p) for p in parts) else " ").join(parts))
    if not groups:
        return ""
    return groups[0] + (f" ({', '.join(groups[1:])})" if len(groups) > 1 else "")


def _patient_lines(content: ReportContent, deidentify: bool) -> tuple[str, str]:
    if deidentify:
        return "De-identified patient", "name, ID and birth date removed; UIDs pseudonymised"
    name = person_name(content.patient_name) or "(no name)"
    detail = f"ID {content.patient_id or '–'}"
    if content.birth_date:
        detail += f"  ·  born {content.birth_date}"
    return name, detail


# DVH figure height (px at 96 dpi) per page size: Letter is 18 mm shorter than A4, and the
# metrics table of a plan should stay on the DVH's page.
DVH_HEIGHT_PX = {"A4": 300.0, "LETTER": 240.0}


def fraction_groups_text(plan) -> str:
    """'25 fx (50 Gy) + 7 fx (14 Gy) + 3 fx (6 Gy)'; '?' where unknown."""
    return " + ".join(f"{g.fractions or '?'} fx ({_gy(g.prescription_gy) if g.prescription_gy else 'Rx ?'})"
                      for g in plan.fraction_groups)


def plan_blocks(content: ReportContent, section, redactor: Redactor, dvh_height: float = 300.0) -> list:
    link, plan = section.link, section.plan
    rx = plan.prescription_gy if plan is not None else None
    n = plan.fractions if plan is not None else None
    fx = f" in {n} fx" if n else ""
    per = f" ({plan.dose_per_fraction_gy:g} Gy/fx)" if plan is not None and plan.dose_per_fraction_gy else ""
    source = f" — {SOURCE_DESCRIPTIONS[plan.prescription_source]}" \
        if rx and plan.prescription_source in SOURCE_DESCRIPTIONS else ""
    caption = f"{_gy(rx)}{fx}{per}{source}" if rx else "prescription unknown: values relative to it need Rx"
    ss, ct, dose = link.structure_set, link.ct, link.dose
    proto = section.protocol
    pairs = [
        ("Plan label", link.label), ("Plan name", plan.name if plan is not None and plan.name else "–"),
        ("Prescription", caption), ("Intent", (plan.intent or "–") if plan is not None else "–"),
        *([("Fraction groups", fraction_groups_text(plan))] if plan is not None and len(plan.fraction_groups) > 1
          else []),
        ("Plan date", (plan.date or "–") if plan is not None else "–"), ("Dose date", section.dose_date or "–"),
        ("Protocol", proto.name if proto is not None else "none fits (choose one with --protocol)"),
        ("Dose grid", f"{describe_max(dose)}; " + " × ".join(f"{s:g}" for s in dose.spacing_mm) + " mm"),
        ("Structure set", (ss.label or "–") if ss is not None else "not linked"),
        ("CT", f"{ct.hu.shape[0]} slices" if ct is not None else "not linked"),
    ]
    small = [("RT Plan SOP Instance UID", redactor.uid(plan.sop_instance_uid) if plan is not None else "–"),
             ("RT Dose SOP Instance UID", redactor.uid(dose.sop_instance_uid)),
             ("RT Structure Set SOP Instance UID", redactor.uid(ss.sop_instance_uid) if ss is not None else "–"),
             ("CT Series Instance UID", redactor.uid(ct.series_instance_uid) if ct is not None else "–")]
    blocks: list = [SectionTitle(f"Plan {link.label}", caption), KeyValueBlock(pairs, small)]
    for note in section.notes + list(link.notes):
        blocks.append(TextBlock("Note: " + note))
    shown = plotted(section.dvhs.values())
    scale, unit = display_scale(dose)
    if shown and unit == "Gy":
        blocks.append(DvhFigure(shown, f"Cumulative DVH — {link.label} (physical dose; volume in % of each structure inside the dose grid)", link.prescription_gy,
                                limit_marks(section.evaluation, section.dvhs), dvh_height))
    elif shown:  # a relative dose: drawn in % of its (unstated) reference, never as Gy
        blocks.append(DvhFigure([scaled(d, scale) for d in shown],
                                f"Cumulative DVH — {link.label} (relative dose, DoseUnits RELATIVE: 1.0 = 100 %; "
                                "volume in % of each structure inside the dose grid)", None, [], dvh_height,
                                dose_label="Dose (% of the relative reference)"))
    if ss is not None:
        blocks.append(metrics_table(section.dvhs, section.skipped, ss, link.prescription_gy, scale, unit))
    if section.evaluation is not None:
        blocks.append(constraints_table(section.evaluation, f"Constraints — {proto.name}"))
    elif proto is None:
        blocks.append(TextBlock("Constraints: no shipped protocol fits this plan; choose one with --protocol.", 8.5))
    if ct is not None:
        blocks.append(SliceFigure(link, section.dvhs))
    blocks.append(TimelineStrip(content.timeline, [link.label], [plan.sop_instance_uid] if plan else [],
                                content.timeline_note))
    return blocks


def build_blocks(content: ReportContent, redactor: Redactor, deidentify: bool, page_size: str = "A4") -> list:
    name, detail = _patient_lines(content, deidentify)
    labels = [s.label for s in content.sections]
    stamp = content.generated.strftime("%Y-%m-%d %H:%M %Z").strip()
    blocks: list = [TitleBlock("DVH report", f"Generated {stamp} by {content.software}", name, detail)]
    for note in content.notes:
        blocks.append(TextBlock("Note: " + note))
    for i, section in enumerate(content.sections):
        if i:
            blocks.append(PageBreak())
        blocks += plan_blocks(content, section, redactor, DVH_HEIGHT_PX.get(page_size.upper(), 300.0))
    if content.composite is not None:
        blocks += [PageBreak()] + composite_blocks(content, DVH_HEIGHT_PX.get(page_size.upper(), 300.0))
    return blocks


def render(content: ReportContent, path: str, *, deidentify: bool = False, page_size: str = "A4") -> list:
    """Paint ``content`` into the PDF ``path`` (atomically); the pages as placed blocks."""
    redactor = Redactor(deidentify, content.patient_name, content.patient_id, content.birth_date)
    labels = ", ".join(s.label for s in content.sections)
    who = "De-identified patient" if deidentify else _patient_lines(content, False)[0] + f" ({content.patient_id})"
    footer = footer_painter(who, f"DVH report {labels} · {content.generated:%Y-%m-%d %H:%M}")
    blocks = build_blocks(content, redactor, deidentify, page_size)
    return write_pdf(path, blocks, page_size=page_size, title=f"DVH report {labels}", creator=content.software,
                     redactor=redactor, footer=footer)


def export(paths: list[str], output: str, *, plan_labels: list[str] | None = None, protocol: str | None = None,
           protocols: dict | None = None, manual: dict | None = None, case_file: str | None = None,
           deidentify: bool = False, page_size: str = "A4",
           progress: Progress | None = None, cancel: Callable[[], bool] | None = None, case=None,
           prescriptions: dict | None = None, relative_dose_gy: float | None = None,
           alpha_beta: dict | None = None) -> ExportResult:
    """Load ``paths`` (unless ``case`` is given), compute and write the report to ``output``.
    ``protocols`` / ``manual``: per plan label, the protocol and hand structure mapping to use
    (the window's Constraints panel choices); see ``content.gather``. ``prescriptions``: the
    user's prescriptions by plan label (``{label casefolded: (label, Gy, fractions)}``, as
    ``--rx``), overriding the files and the case file; an unknown label is a ReportUsageError.
    ``alpha_beta``: the user's α/β per ROI name; ``relative_dose_gy``: Gy of a relative 1.0 for
    DoseUnits RELATIVE doses (else shown in %). ReportError when nothing can be reported (no RT
    Dose, no DVH)."""
    from rtreview.core.dicom.loader import load

    from .atomic import check_writable_folder

    check_writable_folder(output)  # fail before minutes of work, not after
    if case_file and not os.path.isfile(case_file):
        from .content import ReportUsageError

        raise ReportUsageError(f"case file {case_file}: no such file")
    from_window = case is not None
    if case is None:
        case = load(paths, cancel=cancel,
                    progress=(lambda d, t, m: progress(0, 1, f"loading: {m}")) if progress else None)
    from rtreview.core.dicom.dose_units import normalise_case

    unit_notes = normalise_case(case, relative_dose_gy)
    if not case.links:
        from .content import ReportError

        problems = "; ".join(f"{i.path}: {i.message}" for i in case.report.errors)
        raise ReportError(f"no RT Dose found in {', '.join(map(str, paths))}"
                          f"{f' ({problems})' if problems else ''}; nothing to report")
    if prescriptions:
        from rtreview.core.dicom.prescription import apply_user_prescriptions

        from .content import ReportUsageError

        plans = [plan for patient in case.patients for plan in patient.plans]
        missing = apply_user_prescriptions(plans, prescriptions, "set with --rx on the command line")
        if missing:
            raise ReportUsageError(f"--rx names plan(s) not found: {', '.join(missing)}")
    content = gather(case, paths, plan_labels=plan_labels, protocol=protocol, protocols=protocols, manual=manual,
                     case_file=case_file, case_prescriptions=not from_window, alpha_beta=alpha_beta,
                     progress=progress, cancel=cancel)
    content.notes += unit_notes
    if progress is not None:
        progress(1, 1, "writing the PDF")
    pages = render(content, output, deidentify=deidentify, page_size=page_size)
    notes = list(content.notes) + ([content.timeline_note] if content.timeline_note else [])
    return ExportResult(os.path.abspath(output), len(pages), [s.label for s in content.sections], deidentify, notes)
