"""``rtreview info PATH... [--json]``: the inventory of the DICOM RT files under PATHs.

Patients are shown by ID only (names are never printed). Exit status: 0 when something was
loaded, 1 when nothing usable was found (message on stderr), 2 for usage errors.

``--json`` prints one object::

    {"patients": [{
        "patient_id": str,
        "plans": [{"label", "name", "intent", "prescription_gy" (float|null), "fractions" (int|null),
                   "dose_per_fraction_gy" (float|null), "date" (YYYY-MM-DD|""), "path",
                   "sop_instance_uid", "notes": [str],
                   "prescription_source" ("dose_reference"|"rx_roi"|"target_name"|"user"|null),
                   "prescription_note" (str), "fraction_groups": [{"number", "fractions",
                   "prescription_gy", "dose_per_fraction_gy"}],
                   "beams": [{"number", "name", "type", "technique" (arc|dynamic|static),
                              "radiation_type", "nominal_energy_mev", "meterset", "meterset_unit",
                              "control_points", "delivery_type", "fraction_group"}],
                   "beam_dose_sum_gy" (float|null: a hint, never a prescription)}],
        "doses": [{"path", "sop_instance_uid", "shape": [frames, rows, columns],
                   "spacing_mm": [dx, dy, dz] (each null for an axis of one sample),
                   "max_gy" (rounded to 1e-4), "units" (GY|RELATIVE), "summation_type",
                   "dose_type", "plan_label" (str|null), "fraction_group" (int|null: the plan's fraction
                   group this dose covers alone; null = the whole plan), "structure_set_path" (str|null),
                   "ct_series_instance_uid" (str|null), "stored_dvh_rois": [int], "notes": [str]}],
        "structure_sets": [{"path", "label", "sop_instance_uid", "frame_of_reference_uid",
                            "rois": [{"number", "name", "type", "planes" (int), "empty" (bool),
                                      "points" (int), "notes": [str]}]}],
        "cts": [{"series_instance_uid", "shape": [slices, rows, columns], "spacing_mm": [dx, dy, dz],
                 "z_range_mm": [first, last], "warnings": [str]}]}],
     "report": {"errors": [{"path", "message"}], "warnings": [...], "ignored": [...]}}

Doses are listed in the order of their links (one per dose file, even when UIDs repeat).
``prescription_gy`` is the plan's total prescription and ``fractions`` its total planned
fractions (sum over ``fraction_groups``); the prescription keys are described in
``rtreview.cli.plan_json`` and docs/prescription.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

import numpy as np

from rtreview.cli.plan_json import plan_prescription
from rtreview.core.dicom.case import Case, DoseLink, Patient
from rtreview.core.dicom.loader import load
from rtreview.core.dicom.plan import SOURCE_LABELS

EXIT_OK, EXIT_NOTHING = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files, folders or .zip archives")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def run(args: argparse.Namespace) -> int:
    # pydicom warns about non-conformant values (e.g. over-long UIDs in test data); the load
    # report carries what matters, so keep stderr for our own messages.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\.|$)")
    case = load(args.paths)
    facts = case_facts(case)
    if args.json:
        print(json.dumps(facts, indent=1, ensure_ascii=False))
    else:
        print(format_text(facts))
    if not case.patients:
        print(f"rtreview info: no usable DICOM RT (CT, RT Structure Set, RT Plan, RT Dose) found in "
              f"{', '.join(args.paths)}", file=sys.stderr)
        return EXIT_NOTHING
    return EXIT_OK


def case_facts(case: Case) -> dict:
    """The JSON-ready inventory documented in the module docstring."""
    return {
        "patients": [_patient(p) for p in case.patients],
        "report": {kind: [{"path": i.path, "message": i.message} for i in getattr(case.report, kind)]
                   for kind in ("errors", "warnings", "ignored")},
    }


def _num(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _spacing(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> list[float | None]:
    """(dx, dy, dz) in mm, median steps; None along an axis with a single sample."""
    def step(a: np.ndarray) -> float | None:
        return round(float(np.median(np.diff(a))), 4) if a.size > 1 else None
    return [step(x), step(y), step(z)]


def _patient(p: Patient) -> dict:
    return {
        "patient_id": p.patient_id,
        "plans": [{"label": pl.label, "name": pl.name, "intent": pl.intent, **plan_prescription(pl),
                   "date": pl.date, "path": pl.path, "sop_instance_uid": pl.sop_instance_uid,
                   "notes": list(pl.notes), "beams": [b.to_json() for b in pl.beams],
                   "beam_dose_sum_gy": _num(pl.beam_dose_sum_gy)}
                  for pl in p.plans],
        "doses": [_dose(link) for link in p.links],
        "structure_sets": [{"path": s.path, "label": s.label, "sop_instance_uid": s.sop_instance_uid,
                            "frame_of_reference_uid": s.frame_of_reference_uid,
                            "rois": [{"number": r.number, "name": r.name, "type": r.type,
                                      "planes": len(r.planes), "empty": r.is_empty,
                                      "points": len(r.points_mm), "notes": list(r.notes)} for r in s.rois]}
                           for s in p.structure_sets],
        "cts": [{"series_instance_uid": c.series_instance_uid, "shape": list(c.hu.shape),
                 "spacing_mm": _spacing(c.x_mm, c.y_mm, c.z_mm),
                 "z_range_mm": [_num(c.z_mm[0]), _num(c.z_mm[-1])], "warnings": list(c.warnings)}
                for c in p.cts],
    }


def _dose(link: DoseLink) -> dict:
    d = link.dose
    return {"path": d.path, "sop_instance_uid": d.sop_instance_uid, "shape": list(d.shape),
            "spacing_mm": _spacing(d.x_mm, d.y_mm, d.z_mm), "max_gy": _num(d.max_gy),
            "units": d.units, "summation_type": d.summation_type, "dose_type": d.dose_type,
            "plan_label": link.plan.label if link.plan is not None else None,
            "fraction_group": link.fraction_group.number if link.fraction_group is not None else None,
            "structure_set_path": link.structure_set.path if link.structure_set is not None else None,
            "ct_series_instance_uid": link.ct.series_instance_uid if link.ct is not None else None,
            "stored_dvh_rois": sorted(d.stored_dvhs), "notes": list(d.notes) + list(link.notes)}


def beams_summary(beams: list[dict]) -> str:
    """'2 (PHOTON 6 MV arc x2), 477.7 MU per fraction' from the JSON beams."""
    kinds: dict[str, int] = {}
    for b in beams:
        energy = f" {b['nominal_energy_mev']:g} {'MV' if b['radiation_type'] == 'PHOTON' else 'MeV'}" \
            if b["nominal_energy_mev"] is not None else ""
        key = f"{b['radiation_type'] or '?'}{energy} {b['technique']}"
        kinds[key] = kinds.get(key, 0) + 1
    mu = [b["meterset"] for b in beams if b["meterset"] is not None and b["meterset_unit"] in ("MU", "")]
    total = f", {sum(mu):.1f} MU per fraction" if mu else ""
    return f"{len(beams)} ({', '.join(f'{k} x{n}' for k, n in kinds.items())}){total}"


def _g(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def format_text(facts: dict) -> str:
    """Human-readable inventory of ``case_facts`` output."""
    lines: list[str] = []
    for p in facts["patients"]:
        lines.append(f"Patient {p['patient_id'] or '(no ID)'}")
        lines.append(f"  Plans ({len(p['plans'])})")
        for pl in p["plans"]:
            rx = f"Rx {_g(pl['prescription_gy'], ' Gy')} ({SOURCE_LABELS.get(pl['prescription_source'], '')})" \
                if pl["prescription_gy"] is not None else "Rx unknown"
            lines.append(f"    {pl['label'] or '(no label)'}: {rx}, "
                         f"{_g(pl['fractions'])} fx, {_g(pl['dose_per_fraction_gy'], ' Gy')}/fx"
                         f"{', ' + pl['date'] if pl['date'] else ''}  [{os.path.basename(pl['path'])}]")
            if len(pl["fraction_groups"]) > 1:
                for g in pl["fraction_groups"]:
                    lines.append(f"      fraction group {_g(g['number'])}: {_g(g['fractions'])} fx, "
                                 f"Rx {_g(g['prescription_gy'], ' Gy')}, {_g(g['dose_per_fraction_gy'], ' Gy')}/fx")
            lines.append(f"      prescription: {pl['prescription_note']}")
            if pl["beams"]:
                lines.append(f"      beams: {beams_summary(pl['beams'])}")
        lines.append(f"  Dose grids ({len(p['doses'])})")
        for d in p["doses"]:
            shape = "x".join(str(n) for n in d["shape"])
            spacing = " x ".join(_g(v) for v in d["spacing_mm"])
            unit = " Gy" if d["units"] == "GY" else f" ({d['units']})"
            lines.append(f"    {os.path.basename(d['path'])}: {shape} (frames x rows x columns), spacing "
                         f"{spacing} mm, max {d['max_gy']:.4g}{unit}, {d['summation_type']}, plan "
                         f"{d['plan_label'] if d['plan_label'] is not None else '(none)'}")
            for note in d["notes"]:
                lines.append(f"      note: {note}")
        lines.append(f"  Structure sets ({len(p['structure_sets'])})")
        for s in p["structure_sets"]:
            lines.append(f"    {os.path.basename(s['path'])} '{s['label']}': {len(s['rois'])} ROIs")
            for r in s["rois"]:
                what = f"{r['planes']} planes" if not r["empty"] else (
                    f"{r['points']} point(s)" if r["points"] else "empty")
                lines.append(f"      {r['number']:>4}  {r['name']:<24} {r['type'] or '-':<12} {what}")
        lines.append(f"  CT series ({len(p['cts'])})")
        for c in p["cts"]:
            shape = "x".join(str(n) for n in c["shape"])
            spacing = " x ".join(_g(v) for v in c["spacing_mm"])
            lines.append(f"    {c['series_instance_uid']}: {shape} (slices x rows x columns), spacing {spacing} mm")
            for w in c["warnings"]:
                lines.append(f"      warning: {w}")
    report = facts["report"]
    lines.append(f"Load report: {len(report['errors'])} error(s), {len(report['warnings'])} warning(s), "
                 f"{len(report['ignored'])} ignored")
    for kind in ("errors", "warnings", "ignored"):
        for issue in report[kind]:
            lines.append(f"  {kind[:-1] if kind != 'ignored' else 'ignored'}: {issue['path']}: {issue['message']}")
    return "\n".join(lines)
