"""One patient -> rows of the cohort tables: a pure function of the input files.

``run_patient(job, options)`` loads the patient's files, computes the DVHs of every dose linked
to a structure set, their metrics and constraint results (per plan, and on the composite of a
patient's courses on one frame of reference, as ``rtreview check``), and returns a picklable
``PatientResult`` (plain tuples, in the column order of ``schema.TABLES``). It never raises for
bad input: a patient whose files are damaged or incomplete is ``failed`` with the reason naming
the file and the problem; whatever could be computed is still returned.
"""
from __future__ import annotations

import functools
import json
import math
import time
import traceback
import warnings
from dataclasses import dataclass, field

from .discover import PatientJob, relative
from .schema import metric_unit

DONE, FAILED = "done", "failed"
TARGET_TYPES = ("PTV", "CTV", "GTV", "ITV")


@dataclass(frozen=True)
class JobOptions:
    """``protocol``: a shipped protocol name / file stem / JSON path for every plan, or None for
    the protocol suggested by each plan's fractionation and targets. ``bin_width_gy``: DVH bin
    width (None: the engine's default, 0.01 Gy)."""

    protocol: str | None = None
    bin_width_gy: float | None = None
    # The user's prescriptions by plan label (``--rx``): ((label, Gy, fractions), ...).
    prescriptions: tuple[tuple[str, float, int], ...] = ()


@dataclass
class PatientResult:
    patient_id: str
    status: str = DONE
    reasons: list[str] = field(default_factory=list)
    inputs: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {
        "plans": [], "metrics": [], "constraints": [], "dvh_curves": [], "issues": []})
    rx_applied: list[str] = field(default_factory=list)  # labels of --rx overrides that named a plan here

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def n_plans(self) -> int:
        return len(self.rows["plans"])

    def fail(self, reason: str) -> None:
        self.status = FAILED
        self.reasons.append(reason)


@functools.lru_cache(maxsize=8)
def load_protocols(name: str | None):
    """(shipped protocols, the protocol ``name`` names or None); cached per process. KeyError /
    ProtocolError for an unknown or invalid protocol."""
    from rtreview.core.constraints import find_protocol, shipped_protocols

    shipped = shipped_protocols()
    return shipped, (find_protocol(name, shipped) if name else None)


def run_patient(job: PatientJob, options: JobOptions = JobOptions()) -> PatientResult:
    """Compute one patient's rows (see the module docstring). Never raises for bad input."""
    t0 = time.perf_counter()
    result = PatientResult(job.patient_id, inputs=job.inputs)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
            _run(job, options, result)
    except Exception as exc:  # one broken patient must not stop a cohort: report and go on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result.fail(relative(f"unexpected {type(exc).__name__}: {exc} (at {where.name}, "
                             f"{where.filename.rsplit('/', 1)[-1]}:{where.lineno})", job.root))
    result.elapsed_s = time.perf_counter() - t0
    return result


def _run(job: PatientJob, options: JobOptions, result: PatientResult) -> None:
    from rtreview.core.dicom.loader import load

    rel = functools.partial(relative, root=job.root)
    for path, message in job.input_issues:
        result.rows["issues"].append((job.patient_id, path, "error", message))
        result.fail(f"{path}: {message}")
    if not job.paths:
        result.fail(f"only CT images ({job.ct_files} files): no RT Structure Set, RT Plan or RT Dose")
        return
    case = load(list(job.paths))
    for issue in case.report.issues:
        if issue.severity in ("error", "warning"):
            result.rows["issues"].append((job.patient_id, rel(issue.path), issue.severity, rel(issue.message)))
        if issue.severity == "error":
            result.fail(rel(f"{issue.path}: {issue.message}"))
    patient = next((p for p in case.patients if p.patient_id == job.patient_id), None)
    if patient is None:
        result.fail(f"no readable CT, RT Structure Set, RT Plan or RT Dose for Patient ID {job.patient_id!r}")
        return
    if not patient.links:
        result.fail(f"no RT Dose for this patient ({len(patient.plans)} plan(s), "
                    f"{len(patient.structure_sets)} structure set(s) found)")
    if options.prescriptions:
        from rtreview.core.dicom.prescription import apply_user_prescriptions

        overrides = {label.casefold(): (label, gy, n) for label, gy, n in options.prescriptions}
        missing = apply_user_prescriptions(patient.plans, overrides, "set with --rx on the command line")
        result.rx_applied = [label for label, _, _ in options.prescriptions if label not in missing]
    dosed = {link.plan.sop_instance_uid for link in patient.links if link.plan is not None}
    for plan in patient.plans:
        if plan.sop_instance_uid not in dosed:
            result.fail(f"{rel(plan.path)}: RT Plan {plan.label!r} has no RT Dose in the input")
    shipped, chosen = load_protocols(options.protocol)
    checked = [(link, _link_rows(job, link, shipped, chosen, options, result)) for link in patient.links]
    _composite_rows(job, [(link, p) for link, p in checked if p is not None and link.structure_set is not None],
                    options, result)


def _composite_rows(job: PatientJob, checked: list, options: JobOptions, result: PatientResult) -> None:
    """Constraint rows of the courses summed per frame of reference (2+ courses), as ``rtreview
    check`` evaluates them: voxel-wise EQD2 per structure alpha/beta, absolute limits, structures
    dosed by 2+ courses. plan_label and the UIDs join the courses' with ' + ' (treatment order)."""
    from rtreview.core.constraints.plan_check import check_composite
    from rtreview.core.dvh import DvhOptions

    by_frame: dict[str, list] = {}
    for link, protocol in checked:
        frame = link.dose.frame_of_reference_uid or link.structure_set.frame_of_reference_uid
        by_frame.setdefault(frame, []).append((link, protocol))
    for group in by_frame.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda item: (item[0].plan.date if item[0].plan is not None and item[0].plan.date
                                     else "9999"))
        links = [link for link, _ in group]
        evaluation = check_composite(links, [p for _, p in group],
                                     options=DvhOptions(bin_width_gy=options.bin_width_gy))
        uids = tuple(" + ".join(u) for u in zip(*(_uids(link) for link in links)))
        _constraint_rows(job.patient_id, evaluation.plan_label, uids, evaluation.protocol, evaluation.results,
                         "composite", result)


def _constraint_rows(pid: str, label: str, uids, protocol_name: str, results, scope: str,
                     result: PatientResult) -> None:
    for r in results:
        result.rows["constraints"].append((
            pid, label, *uids, protocol_name, r.structure, r.roi_name, r.metric, r.comparator, r.level,
            r.status.value, *(_finite(v) for v in (r.value, r.limit, r.marginal_limit)), r.unit,
            *(_finite(v) for v in (r.value_gy, r.value_eqd2_gy, r.limit_gy, r.limit_eqd2_gy, r.alpha_beta_gy)),
            r.note, scope))


def _uids(link) -> tuple[str, str, str]:
    return (link.dose.sop_instance_uid, link.plan.sop_instance_uid if link.plan is not None else "",
            link.structure_set.sop_instance_uid if link.structure_set is not None else "")


def _link_rows(job: PatientJob, link, shipped, chosen, options: JobOptions, result: PatientResult):
    """Rows of one dose link; returns the protocol it was checked against (None: none fits)."""
    from rtreview.core.constraints.plan_check import check_plan, suggestion_for_link
    from rtreview.core.dvh import DvhOptions, compute_dvhs
    from rtreview.core.dvh.metrics import find_body, gradient_index, paddick_ci

    pid, label, uids = job.patient_id, link.label, _uids(link)
    plan = link.plan
    rx = link.prescription_gy
    suggestion = None if chosen is not None else suggestion_for_link(shipped, link)
    protocol = chosen if chosen is not None else suggestion.protocol
    # Notes about the CT are left out: the job does not load CT images (see PatientJob).
    notes = [relative(n, job.root) for n in [*link.notes, *link.dose.notes] if "CT series" not in n]
    if plan is not None and plan.prescription_source != "dose_reference":  # where else it came from, or why unknown
        notes.insert(0, f"prescription ({plan.prescription_source or 'unknown'}): {plan.prescription_note}")
    if protocol is None:
        notes.append(f"{suggestion.reason}; no constraints evaluated")
    result.rows["plans"].append((pid, label, *uids, plan.fractions if plan is not None else None, rx,
                                 protocol.name if protocol is not None else None,
                                 relative(link.dose.path, job.root), " | ".join(notes)))
    if link.structure_set is None:
        result.fail(f"{relative(link.dose.path, job.root)}: no RT Structure Set linked to this dose "
                    f"(plan {label!r}); no DVHs")
        return protocol
    dvhs = compute_dvhs(link.structure_set, link.dose, DvhOptions(bin_width_gy=options.bin_width_gy),
                        prescription_gy=rx)
    names = {r.number: r.name for r in link.structure_set.rois}
    ss_path = relative(link.structure_set.path, job.root)
    for roi_number, reason in dvhs.skipped.items():
        result.rows["issues"].append((pid, ss_path, "note", f"ROI {roi_number} {names.get(roi_number, '')!r}: "
                                                            f"{reason}; no DVH"))
    body = find_body(dvhs)
    for dvh in dvhs.values():
        values = {"volume_cc": dvh.volume_cc, "covered_volume_cc": dvh.covered_volume_cc, "min_gy": dvh.min_gy,
                  "mean_gy": dvh.mean_gy, "max_gy": dvh.max_gy, **dvh.metrics()}
        if rx and _is_target(dvh):  # relative to Rx: left out when it is unknown (the plan's notes say so)
            values["paddick_ci"] = paddick_ci(dvh, rx, body, link.dose)
            values["gradient_index"] = gradient_index(rx, body, link.dose)
        for key, value in values.items():
            result.rows["metrics"].append((pid, label, *uids, dvh.roi_number, dvh.name, dvh.type, key,
                                           _finite(value), metric_unit(key)))
        # Rounded as in `rtreview dvh --format json` (Dvh.to_json, which would recompute the metrics).
        dose_gy = [round(float(d), 8) for d in dvh.dose_gy]
        volume_cc = [round(float(v), 6) for v in dvh.cumulative_cc]
        result.rows["dvh_curves"].append((pid, label, *uids, dvh.roi_number, dvh.name, float(dvh.bin_width_gy),
                                          json.dumps(dose_gy), json.dumps(volume_cc)))
    if protocol is not None:
        # The DVHs above (same options) serve the plan's own ROIs: only derived structures are computed.
        evaluation = check_plan(link, protocol, options=DvhOptions(bin_width_gy=options.bin_width_gy), dvhs=dvhs)
        _constraint_rows(pid, label, uids, protocol.name, evaluation.results, "plan", result)
    return protocol


def _is_target(dvh) -> bool:
    return dvh.type.upper() in TARGET_TYPES or dvh.name.upper().startswith(TARGET_TYPES)


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
