"""What a report says, gathered without Qt: per plan its DVHs and constraint evaluation, the
multi-course composite, the case timeline. Painting (``builder``) only formats these objects.

The numbers are the ones ``rtreview dvh`` and ``rtreview check`` print: DVHs from
``compute_dvhs`` with default options and the plan's prescription; constraints from
``check_plan`` / ``check_composite`` with the protocol chosen the way ``rtreview check`` chooses
it (the named one, else the shipped protocol suggested by fractionation and target names).
"""
from __future__ import annotations

import datetime as _dt
import os
import warnings
from dataclasses import dataclass, field
from typing import Callable

from rtreview import APP_NAME, __version__

Progress = Callable[[int, int, str], None]


class ReportError(ValueError):
    """The report cannot be made from this input; the message says why (no traceback)."""


class ReportUsageError(ReportError):
    """A named plan, protocol or case file does not exist or cannot be used."""


@dataclass
class PlanSection:
    """One dose link's section: DVHs keyed by ROI number, and its constraint evaluation."""

    link: object  # rtreview.core.dicom.case.DoseLink
    dvhs: dict
    skipped: dict[int, str] = field(default_factory=dict)
    protocol: object | None = None  # rtreview.core.constraints.Protocol
    evaluation: object | None = None  # rtreview.core.constraints.Evaluation
    dose_date: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.link.label

    @property
    def plan(self):
        return self.link.plan


@dataclass
class CompositeSection:
    labels: list[str]
    evaluation: object  # Evaluation (values in Gy EQD2)
    # per course: the Mapping from the reference frame (rtreview.core.dicom.frame_links), or None
    mappings: list | None = None


@dataclass
class ReportContent:
    patient_name: str
    patient_id: str
    birth_date: str
    sections: list[PlanSection]
    composite: CompositeSection | None = None
    timeline: object | None = None  # rtreview.core.timeline.CaseTimeline
    timeline_note: str = ""
    generated: _dt.datetime = field(default_factory=lambda: _dt.datetime.now().astimezone())
    software: str = f"{APP_NAME} {__version__}"
    notes: list[str] = field(default_factory=list)
    review: object | None = None  # report.review_content.ReviewInfo: sign-offs, data files, protocols


def dose_date(path: str) -> str:
    """ContentDate (else InstanceCreationDate) of an RT Dose file, ISO; '' when unreadable."""
    if not path or not os.path.isfile(path):
        return ""
    try:
        from rtreview.core.dicom.rtplan import iso_date
        from rtreview.core.dicom.source import pydicom_module

        pydicom = pydicom_module()

        ds = pydicom.dcmread(path, stop_before_pixels=True,
                             specific_tags=["ContentDate", "InstanceCreationDate", "StudyDate"])
    except Exception:  # noqa: BLE001 - a date is optional in the header; never fail the report for it
        return ""
    for tag in ("ContentDate", "InstanceCreationDate"):
        value = iso_date(str(ds.get(tag, "") or ""))
        if value:
            return value
    return ""


def choose_links(case, plan_labels: list[str] | None = None) -> list:
    """The dose links to report, in treatment order (plan date, then load order).

    ReportError when nothing matches or when the links belong to more than one patient.
    """
    links = list(case.links)
    if not links:
        raise ReportError("no RT Dose found; nothing to report")
    if plan_labels:
        wanted = [lbl.casefold() for lbl in plan_labels]
        chosen = [link for link in links if link.label.casefold() in wanted]
        found = {link.label.casefold() for link in chosen}
        missing = [lbl for lbl in plan_labels if lbl.casefold() not in found]  # as the user spelled them
        if missing:
            have = ", ".join(link.label for link in links)
            raise ReportUsageError(f"plan(s) not found: {', '.join(missing)} (available: {have})")
        links = chosen
    patients = [p for p in case.patients if any(link in p.links for link in links)]
    if len(patients) > 1:
        ids = ", ".join(p.patient_id for p in patients)
        raise ReportError(f"the input holds {len(patients)} patients ({ids}); a report covers one patient: "
                          "choose the plans of one with --plan or pass only that patient's files")
    return sorted(links, key=lambda link: link.plan.date if link.plan is not None and link.plan.date else "9999")


def choose_protocol(link, name: str | None, shipped: list):
    """The protocol for ``link`` as ``rtreview check`` chooses it (None when none fits)."""
    from rtreview.core.constraints import find_protocol
    from rtreview.core.constraints.plan_check import suggest_for_link

    return find_protocol(name, shipped) if name else suggest_for_link(shipped, link)


def _as_protocol(value, shipped: list):
    """A Protocol given as itself, or by name / file (as ``--protocol``)."""
    from rtreview.core.constraints import find_protocol

    return find_protocol(value, shipped) if isinstance(value, str) else value


def child_pugh_of(timeline, link) -> tuple[str | None, str]:
    """The patient's Child-Pugh class before ``link``'s course (case file facts) and where it comes from."""
    from rtreview.core.timeline import child_pugh_for_plan

    plan = link.plan
    cp, text, _ = child_pugh_for_plan(timeline, link.label, plan.sop_instance_uid if plan is not None else "",
                                      plan.date if plan is not None else "")
    return cp, text


def find_timeline(paths: list[str], patient_id: str, case_file: str | None):
    """``(CaseTimeline or None, note)``: the named case file, else the one found beside the DICOM."""
    from rtreview.core.timeline import CaseFileError, find_case_file, load_case

    path = case_file or find_case_file([str(p) for p in paths], patient_id)
    if path is None:
        return None, "no case timeline file found beside the DICOM (use --case FILE)"
    try:
        timeline = load_case(path)
    except CaseFileError as exc:
        if case_file:
            raise ReportUsageError(str(exc)) from exc
        return None, f"case timeline not shown: {exc}"
    note = ""
    tl_id = getattr(timeline.patient, "patient_id", "")
    if tl_id and patient_id and tl_id != patient_id:
        note = "the case timeline names another PatientID than the DICOM; check it is this patient's"
    return timeline, note


def gather(case, paths: list[str], *, plan_labels: list[str] | None = None, protocol: str | None = None,
           protocols: dict | None = None, manual: dict | None = None,
           case_file: str | None = None, composite: bool = True, case_prescriptions: bool = True,
           alpha_beta: dict | None = None, target_alpha_beta_gy: float | None = None,
           progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> ReportContent:
    """Compute everything the report shows. ``progress(done, total, message)``; ``cancel()`` is
    polled between structures (DvhCancelled / ReportCancelled propagate).

    ``protocols`` maps plan labels to the protocol chosen for that plan (a Protocol, or a name
    or file as for ``--protocol``), e.g. the window's Constraints panel choice; the other plans
    get ``protocol`` or the suggested one. ``manual`` maps plan labels to hand structure
    mappings ({protocol structure: ROI name}) as made in the panel. ``case_prescriptions``: apply
    the case file's saved plan prescriptions (``plan_prescriptions``) to plans the user has not
    set otherwise (the window's case has them applied already). ``alpha_beta``: the user's α/β per
    ROI name (the window's structure list). ReportError when no DVH can be computed at all."""
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    from rtreview.core.constraints import ProtocolError, shipped_protocols
    from rtreview.core.compare.composite_frames import check_across_frames, composite_groups
    from rtreview.core.constraints.plan_check import check_plan
    from rtreview.core.dvh import compute_dvhs

    links = choose_links(case, plan_labels)
    patient = next(p for p in case.patients if links[0] in p.links)
    timeline, timeline_note = find_timeline(paths, patient.patient_id, case_file)  # before minutes of work
    if timeline is not None and case_prescriptions:
        # the case file's prescriptions (set in the window), unless --rx set the plan's already
        from rtreview.core.timeline.prescriptions import apply_saved_prescriptions

        apply_saved_prescriptions(patient.plans, timeline.raw, skip_user=True)
    try:
        shipped = shipped_protocols()
        chosen = protocols or {}
        protocols = [_as_protocol(chosen[link.label], shipped) if chosen.get(link.label) is not None
                     else choose_protocol(link, protocol, shipped) for link in links]
    except (KeyError, ProtocolError) as exc:
        raise ReportUsageError(exc.args[0] if isinstance(exc, KeyError) else str(exc)) from exc
    sizes = [len(link.structure_set.rois) if link.structure_set is not None else 0 for link in links]
    total = sum(sizes) + 2 * len(links) + 1
    done = 0

    def step(message: str, n: int = 1) -> None:
        nonlocal done
        if cancel is not None and cancel():
            raise ReportCancelled("report cancelled")
        done += n
        if progress is not None:
            progress(min(done, total), total, message)

    hand = manual or {}
    sections = []
    for link, proto, size in zip(links, protocols, sizes):
        rx = link.prescription_gy or None
        section = PlanSection(link=link, dvhs={}, protocol=proto, dose_date=dose_date(link.dose.path))
        if link.structure_set is None:
            section.notes.append("no structure set is linked to this dose: no DVHs")
        else:
            base = done
            results = compute_dvhs(link.structure_set, link.dose, prescription_gy=rx, cancel=cancel,
                                   progress=lambda i, n, name, b=base: progress and progress(
                                       b + i, total, f"{link.label}: DVH of {name}"))
            done = base + size
            section.dvhs, section.skipped = dict(results), dict(results.skipped)
            for number, points in getattr(results, "points", {}).items():  # POINT ROIs: the dose there
                doses = [p.dose_gy for p in points]
                section.skipped[number] = "a point; " + ", ".join(
                    "outside the dose grid" if d is None else f"{d:.2f} Gy there" for d in doses)
        step(f"{link.label}: checking constraints")
        if proto is None:
            from rtreview.core.constraints.plan_check import suggestion_for_link

            section.notes.append(suggestion_for_link(shipped, link).reason + "; choose one with --protocol")
        else:
            # the DVHs just computed (same dose, options and Rx): check_plan reuses them
            cp, cp_text = child_pugh_of(timeline, link)
            section.evaluation = check_plan(link, proto, manual=hand.get(link.label) or None,
                                            dvhs=section.dvhs or None, alpha_beta=alpha_beta,
                                            child_pugh=cp, child_pugh_text=cp_text,
                                            target_alpha_beta_gy=target_alpha_beta_gy)
        step(f"{link.label}: done")
        sections.append(section)
    if not any(section.dvhs for section in sections):
        why = "; ".join(dict.fromkeys(n for section in sections for n in section.notes)) \
            or "no RT Dose with a structure set was found"
        raise ReportError(f"no DVH computed from {', '.join(map(str, paths))} ({why}); nothing written")
    content = ReportContent(patient.name, patient.patient_id, patient.birth_date, sections,
                            timeline=timeline, timeline_note=timeline_note)
    checked = [(link, p) for link, p in zip(links, protocols) if p is not None and link.structure_set is not None]
    groups = composite_groups(case, [link for link, _ in checked], lambda i: True) if composite else []
    if groups:
        group = [checked[i] for i in groups[0]]
        merged = {k: v for link, _ in group for k, v in (hand.get(link.label) or {}).items()}
        cp, cp_text = child_pugh_of(timeline, group[-1][0])  # before the latest course
        from rtreview.core.timeline.reirradiation import weights_for_plans

        weights = weights_for_plans(timeline, [(link.label, link.plan.sop_instance_uid if link.plan is not None
                                                else "") for link, _ in group])
        ev, mappings = check_across_frames(case, [link for link, _ in group], [p for _, p in group],
                                           manual=merged or None, alpha_beta=alpha_beta,
                                           child_pugh=cp, child_pugh_text=cp_text, course_weights=weights)
        content.composite = CompositeSection([link.label for link, _ in group], ev, mappings)
    elif composite and len(checked) >= 2:
        content.notes.append("the courses lie on different CTs (frames of reference) and no loaded registration "
                             "joins them: no composite")
    step("composite")
    from rtreview.core.timeline import find_case_file

    from .review_content import review_info

    content.review = review_info(content, case_file or find_case_file([str(p) for p in paths], patient.patient_id))
    return content


class ReportCancelled(Exception):
    """The caller's cancel() returned True."""
