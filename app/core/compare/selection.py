"""Choose dose links of one patient by label and find how each lies relative to the first.

The first link is the reference: its frame of reference (the dose's, else its structure
set's) is where everything is compared or summed. Each other link gets the Mapping from the
reference frame to its own frame through the patient's registrations (identity on one CT);
a missing registration raises SelectionError naming the plans and the missing link.
"""
from __future__ import annotations

from dataclasses import dataclass

from rtreview.core.dicom.frame_links import Mapping, MissingRegistration


class SelectionError(ValueError):
    """The plans asked for cannot be used together; the message says why."""


@dataclass
class Selection:
    patient: object
    links: list  # DoseLink, the reference first
    mappings: list[Mapping]  # reference frame -> each link's frame (identity for the reference)

    @property
    def reference(self):
        return self.links[0]

    @property
    def labels(self) -> list[str]:
        return [link.label for link in self.links]


def frame_of(link) -> str:
    """A dose link's frame of reference: the dose's, else its structure set's, else ''."""
    if link.dose is not None and link.dose.frame_of_reference_uid:
        return link.dose.frame_of_reference_uid
    if link.structure_set is not None:
        return link.structure_set.frame_of_reference_uid
    return ""


def _frame_names(patient) -> dict[str, str]:
    names: dict[str, str] = {}
    for link in patient.links:
        frame = frame_of(link)
        if frame:
            names.setdefault(frame, f"the frame of {link.label}")
    return names


def find_links(case, labels: list[str] | None, minimum: int = 2) -> tuple[object, list]:
    """The patient and its links for ``labels`` (plan labels or dose file names, any case),
    or all links of the only patient when ``labels`` is None."""
    if not case.patients:
        raise SelectionError("no patient with an RT Dose was found")
    if labels is None:
        if len(case.patients) > 1:
            raise SelectionError("the paths hold several patients; name the plans with --plans")
        patient = case.patients[0]
        links = list(patient.links)
    else:
        found = []
        for label in labels:
            hits = [(p, link) for p in case.patients for link in p.links if link.label.casefold() == label.casefold()]
            if not hits:
                known = ", ".join(link.label for link in case.links) or "none"
                raise SelectionError(f"no plan or dose named {label!r} (found: {known})")
            found.append(hits[0])
        patients = {id(p) for p, _ in found}
        if len(patients) > 1:
            raise SelectionError("the plans belong to different patients")
        patient = found[0][0]
        links = [link for _, link in found]
    if len(links) < minimum:
        raise SelectionError(f"{minimum} plans or doses are needed, found {len(links)}")
    return patient, links


def select(case, labels: list[str] | None, minimum: int = 2) -> Selection:
    """``find_links`` plus each link's mapping from the reference frame (see module docstring)."""
    patient, links = find_links(case, labels, minimum)
    graph = patient.frame_links
    names = _frame_names(patient)
    ref_frame = frame_of(links[0])
    mappings = []
    for link in links:
        frame = frame_of(link)
        if not ref_frame or not frame:
            raise SelectionError(f"{link.label if not frame else links[0].label}: the dose and its structure set name "
                                 "no frame of reference; cannot place it relative to the others")
        try:
            mappings.append(graph.mapping(ref_frame, frame, names))
        except MissingRegistration as exc:
            raise SelectionError(f"{links[0].label} and {link.label} lie on different CTs and {exc}") from exc
    return Selection(patient, links, mappings)


def frame_groups(patient, links: list) -> list[list]:
    """``links`` (in the order given) grouped by frames of reference joined through the patient's
    usable registrations: links on one frame, or on frames a chain of rigid registrations joins,
    share a group. Links without a frame are left out."""
    graph = patient.frame_links
    groups: list[tuple[set[str], list]] = []
    for link in links:
        frame = frame_of(link)
        if not frame:
            continue
        for frames, members in groups:
            if frame in frames:
                members.append(link)
                break
        else:
            groups.append((set(graph.reachable(frame)), [link]))
    return [members for _frames, members in groups]


def transforms_from(patient, reference, links: list) -> list:
    """For each link: the 4x4 matrix mapping ``reference``'s frame (mm) into the link's frame, or
    None on the same frame; MissingRegistration (LookupError) when no chain joins them."""
    graph = patient.frame_links
    names = _frame_names(patient)
    ref = frame_of(reference)
    out = []
    for link in links:
        mapping = graph.mapping(ref, frame_of(link), names)
        out.append(None if mapping.is_identity else mapping.matrix)
    return out


def mappings_from(patient, reference, links: list) -> list[Mapping]:
    """As ``transforms_from`` but the Mapping objects (file, type, matrix: what a composite names)."""
    graph = patient.frame_links
    names = _frame_names(patient)
    return [graph.mapping(frame_of(reference), frame_of(link), names) for link in links]
