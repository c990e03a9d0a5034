"""Where manual registrations are saved and how they come back (no widgets).

A manual registration is saved as a DICOM Spatial Registration file beside the case file
(``<case folder>/<PatientID>_<moving>_to_<fixed>.reg.dcm``), never into a folder the DICOM was
read from (input files and their folders are never written to). Opening a case file brings back
the ``*.reg.dcm`` files beside it that belong to the loaded patient (``attach_beside``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from rtreview.core.dicom.errors import DicomReadError
from rtreview.core.dicom.registration import read_registration


def input_folders(case) -> set[str]:
    """Real paths of every folder (and zip archive) the loaded DICOM came from."""
    out = set()
    for p in case.patients if case is not None else []:
        paths = [d.path for d in p.doses] + [x.path for x in p.plans] + [s.path for s in p.structure_sets]
        paths += [r.path for r in p.registrations] + [q for ct in p.cts for q in ct.paths]
        for path in paths:
            out.add(os.path.realpath(os.path.dirname(path)))
    return out


def is_inside_input(path: str | os.PathLike, case) -> bool:
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return any(folder == f or folder.startswith(f + os.sep) for f in input_folders(case))


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "plan"


def default_path(case_file: str | os.PathLike | None, patient_id: str, moving: str, fixed: str, case) -> Path | None:
    """Beside the case file, unless there is none or it sits in an input folder (then None: ask)."""
    if not case_file:
        return None
    path = Path(case_file).parent / f"{_safe(patient_id)}_{_safe(moving)}_to_{_safe(fixed)}.reg.dcm"
    return None if is_inside_input(path, case) else path


def attach(case, path: str | os.PathLike) -> tuple[object | None, str]:
    """Read one REG file into the patient it names; returns (Registration or None, message).
    Registrations already loaded between the same two frames are replaced by it (said)."""
    try:
        reg = read_registration(str(path))
    except DicomReadError as exc:
        return None, f"{exc.path}: {exc.message}"
    patient = next((p for p in case.patients if p.patient_id == reg.patient_id), None) if case else None
    if patient is None:
        return None, f"{path}: the registration names patient {reg.patient_id!r}, not a loaded one; not used"
    if any(r.sop_instance_uid == reg.sop_instance_uid for r in patient.registrations):
        return None, ""
    pairs = {frozenset((t.source_frame, t.target_frame)) for t in reg.transforms}
    replaced = [r for r in patient.registrations
                if {frozenset((t.source_frame, t.target_frame)) for t in r.transforms} & pairs]
    patient.registrations = [reg] + [r for r in patient.registrations if r not in replaced]
    message = f"registration {os.path.basename(str(path))} in use"
    if replaced:
        message += " (instead of " + ", ".join(os.path.basename(r.path) for r in replaced) + ")"
    return reg, message


def attach_beside(case, case_file: str | os.PathLike | None) -> list[str]:
    """Attach every ``*.reg.dcm`` beside ``case_file``; messages for the status bar / load report."""
    if not case_file or case is None:
        return []
    messages = []
    for path in sorted(Path(case_file).parent.glob("*.reg.dcm")):
        reg, message = attach(case, path)
        if message:
            messages.append(message)
    return messages
