"""Sum per-beam RT Dose files (DoseSummationType BEAM) of one plan into one plan dose.

Planning systems may export one RT Dose per beam instead of one per plan. Reviewing a single
beam's dose against plan constraints would be wrong, so BEAM doses that reference the same
RT Plan, share units and frame of reference and lie on the same grid are summed into one
DoseGrid (summation type ``PLAN``, with a note naming the files). BEAM doses that cannot be
summed (alone, on different grids, or copies sharing one SOP Instance UID) are kept, each with a note saying it is one beam only.
"""
from __future__ import annotations

import os
from collections import Counter

import numpy as np

from .dose_grid import DoseGrid
from .load_report import LoadReport

# Grid axes within this (mm) are the same grid.
GRID_TOLERANCE_MM = 1e-3


def sum_beam_doses(doses: list[DoseGrid], report: LoadReport) -> list[DoseGrid]:
    """``doses`` with each summable group of BEAM doses replaced (at its first member's place)
    by one summed grid."""
    groups: dict[tuple[str, str, str], list[list[DoseGrid]]] = {}
    copies = Counter(d.sop_instance_uid for d in doses if d.summation_type == "BEAM")
    for dose in doses:
        if dose.summation_type != "BEAM" or not dose.referenced_plan_uid:
            continue
        if dose.sop_instance_uid and copies[dose.sop_instance_uid] > 1:
            # One beam dose stored several times (e.g. other transfer syntaxes): never summed.
            note = (f"dose of one beam only (DoseSummationType BEAM); {copies[dose.sop_instance_uid]} files "
                    "share its SOP Instance UID (copies of one object), so none is summed")
            dose.notes.append(note)
            report.add(dose.path, note, "warning")
            continue
        grids = groups.setdefault((dose.referenced_plan_uid, dose.units, dose.frame_of_reference_uid), [])
        for members in grids:
            if _same_grid(members[0], dose):
                members.append(dose)
                break
        else:
            grids.append([dose])
    replaced: dict[int, DoseGrid | None] = {}
    for (plan_uid, _, _), grids in groups.items():
        for members in grids:
            if len(members) == 1:
                why = ("its other beams' doses are on other grids" if len(grids) > 1
                       else "no other beam dose of the plan in the load")
                note = f"dose of one beam only (DoseSummationType BEAM; {why}); not the plan dose"
                if note not in members[0].notes:
                    members[0].notes.append(note)
                report.add(members[0].path, note, "warning")
                continue
            total = _sum(members, plan_uid)
            report.add(members[0].path, total.notes[0], "warning")
            replaced[id(members[0])] = total
            for other in members[1:]:
                replaced[id(other)] = None
    out = []
    for dose in doses:
        if id(dose) not in replaced:
            out.append(dose)
        elif replaced[id(dose)] is not None:
            out.append(replaced[id(dose)])
    return out


def _same_grid(a: DoseGrid, b: DoseGrid) -> bool:
    return a.shape == b.shape and all(
        np.allclose(getattr(a, axis), getattr(b, axis), rtol=0, atol=GRID_TOLERANCE_MM)
        for axis in ("x_mm", "y_mm", "z_mm"))


def _sum(members: list[DoseGrid], plan_uid: str) -> DoseGrid:
    first = members[0]
    total = first.dose_gy.copy()
    for other in members[1:]:
        total += other.dose_gy
    names = ", ".join(os.path.basename(m.path) for m in members)
    notes = [f"sum of {len(members)} BEAM doses of plan {plan_uid} ({names})"]
    for m in members:
        notes += [f"{os.path.basename(m.path)}: {n}" for n in m.notes]
    return DoseGrid(
        sop_instance_uid=first.sop_instance_uid, path=first.path, dose_gy=total, x_mm=first.x_mm,
        y_mm=first.y_mm, z_mm=first.z_mm, units=first.units, summation_type="PLAN", dose_type=first.dose_type,
        frame_of_reference_uid=first.frame_of_reference_uid, referenced_plan_uid=plan_uid,
        patient_id=first.patient_id, notes=notes, study_instance_uid=first.study_instance_uid,
    )
