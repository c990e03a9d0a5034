"""Multi-course composites across CTs: the constraint check of rtreview.core.constraints with each
course's registration (reference frame = the first course's, whose structures are evaluated).

``composite_groups`` groups a patient's checked courses whose frames of reference are the same or
joined by usable registrations; ``check_across_frames`` runs ``check_composite`` with, per course,
the 4x4 matrix from the reference frame to that course's dose frame (rtreview.core.dicom.
frame_links) and says in the evaluation's notes which registration each course went through
(file, type, matrix) and that a course's dose counts 0 Gy where its grid does not reach a
structure. ``registrations_json`` is the same for scripts.
"""
from __future__ import annotations

import os

import numpy as np

from rtreview.core.dicom.frame_links import Mapping, MissingRegistration

from .selection import frame_groups, frame_of, mappings_from

ZERO_OUTSIDE = ("a course's dose counts 0 Gy where its dose grid (mapped through its registration) does not "
                "reach a structure")


def composite_groups(case, links: list, usable) -> list[list[int]]:
    """Indices into ``links`` (order kept) of each group to sum: per patient, the links for which
    ``usable(i)`` holds, grouped by frames joined through registrations; groups of >= 2."""
    out = []
    for patient in case.patients:
        mine = [i for i, link in enumerate(links) if usable(i) and any(link is o for o in patient.links)]
        by_id = {id(links[i]): i for i in mine}
        for group in frame_groups(patient, [links[i] for i in mine]):
            if len(group) >= 2:
                out.append([by_id[id(link)] for link in group])
    return out


def patient_of(case, link):
    return next(p for p in case.patients if any(link is o for o in p.links))


def matrix_text(m: np.ndarray) -> str:
    return "[" + "; ".join(" ".join(f"{v:.4f}" for v in row) for row in np.asarray(m)[:3]) + "]"


def describe_mapping(label: str, m: Mapping) -> str:
    files = ", ".join(os.path.basename(f) or "made in rtreview" for f in m.files)
    inverted = " (inverted)" if any(s.inverted for s in m.steps) else ""
    return (f"{label}: on another CT; its dose is looked up through the {m.kind} registration {files}{inverted}, "
            f"reference mm -> {label} mm = {matrix_text(m.matrix)}")


class CourseGroup(list):
    """Links to sum (a list) that also know their patient, whose registrations place them."""

    def __init__(self, links, patient):
        super().__init__(links)
        self.patient = patient


def check_across_frames(case, links: list, protocols: list, **kwargs):
    """``(Evaluation, mappings)``: ``check_composite`` of ``links`` with their registrations.
    ``mappings`` is None when a registration is missing (then the evaluation's notes say which).
    ``case`` may be None when ``links`` is a CourseGroup."""
    from rtreview.core.constraints.composite_check import check_composite

    patient = getattr(links, "patient", None) or patient_of(case, links[0])
    links = list(links)
    try:
        mappings = mappings_from(patient, links[0], links)
    except MissingRegistration as exc:
        ev = check_composite(links, protocols, **kwargs)  # refuses different frames itself
        ev.notes.append(f"missing registration: {exc}")
        return ev, None
    transforms = [None if m.is_identity else m.matrix for m in mappings]
    ev = check_composite(links, protocols, transforms=transforms, **kwargs)
    moved = [(link.label, m) for link, m in zip(links, mappings) if not m.is_identity]
    if moved:
        ev.notes = [describe_mapping(label, m) for label, m in moved] + [ZERO_OUTSIDE] + list(ev.notes)
    return ev, mappings


def registrations_json(links: list, mappings: list[Mapping] | None) -> list[dict]:
    if mappings is None:
        return []
    return [{"plan_label": link.label, "frame_of_reference_uid": frame_of(link), "type": m.kind,
             "files": m.files, "inverted": [s.inverted for s in m.steps],
             "matrix": [[round(float(v), 6) for v in row] for row in m.matrix]}
            for link, m in zip(links, mappings)]
