"""Match protocol structures to a structure set's ROI names.

Names compare case- and separator-insensitively: ``Bowel_Small``, ``BOWEL SMALL`` and
``bowel-small`` are one name (TG-263 names vs. the planning system's). An alias may be a
glob pattern (``PTV*Liver*``); exact aliases win over patterns, and earlier aliases over
later ones. Hand-made mappings (the user's choice in the window, saved with the case)
override everything.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from .model import Protocol

_SEPARATORS = re.compile(r"[^0-9a-z*?]+")


def normalize_name(name: str) -> str:
    """Casefolded, with spaces, underscores, hyphens, dots and other separators removed."""
    return _SEPARATORS.sub("", name.casefold())


@dataclass
class StructureMatch:
    """Protocol structure name -> ROI name.

    A derived structure appears only when the structure set has it contoured under one of its
    aliases (then that contour is used); otherwise it is built from its operands.

    ``unmatched`` lists protocol structures no ROI matched; ``notes`` says where a choice
    was ambiguous or a hand mapping named an ROI that does not exist.
    """

    roi_by_structure: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manual: set[str] = field(default_factory=set)
    # Structures declared ``all_matches`` (e.g. every GTV of the case): all their ROIs.
    all_rois: dict[str, list[str]] = field(default_factory=dict)

    def roi_for(self, structure_name: str) -> str | None:
        return self.roi_by_structure.get(structure_name)

    def rois_for(self, structure_name: str) -> list[str]:
        """Every ROI of the structure: several for an ``all_matches`` structure, else at most one."""
        if structure_name in self.all_rois:
            return list(self.all_rois[structure_name])
        roi = self.roi_for(structure_name)
        return [] if roi is None else [roi]

    def label_for(self, structure_name: str) -> str | None:
        """The ROI name(s) as shown: 'GTV_1 + GTV_2' for an all-matches structure."""
        rois = self.rois_for(structure_name)
        return " + ".join(rois) if rois else None


def _find(aliases, rois: list[str]) -> list[str]:
    by_norm: dict[str, list[str]] = {}
    for r in rois:
        by_norm.setdefault(normalize_name(r), []).append(r)
    for alias in aliases:  # exact aliases first, in the protocol's order
        if "*" not in alias and "?" not in alias and normalize_name(alias) in by_norm:
            return by_norm[normalize_name(alias)]
    for alias in aliases:
        if "*" in alias or "?" in alias:
            pattern = normalize_name(alias)
            hits = [r for r in rois if fnmatch.fnmatchcase(normalize_name(r), pattern)]
            if hits:
                return hits
    return []


def _find_all(aliases, rois: list[str]) -> list[str]:
    """Every ROI any alias (exact or pattern) matches, in structure-set order."""
    hits = set()
    for alias in aliases:
        pattern = normalize_name(alias)
        hits.update(r for r in rois if fnmatch.fnmatchcase(normalize_name(r), pattern))
    return [r for r in rois if r in hits]


def match_structures(protocol: Protocol, roi_names, manual: dict[str, str] | None = None) -> StructureMatch:
    """Map every protocol structure to an ROI name (derived ones only when contoured as such).

    ``manual`` maps protocol structure names (case-insensitive) to ROI names and takes
    precedence; an ROI is used for at most one protocol structure by the automatic pass.
    """
    rois = [r for r in roi_names]
    manual_cf = {k.casefold(): v for k, v in (manual or {}).items()}
    result = StructureMatch()
    taken: set[str] = set()
    for s in protocol.structures:
        chosen = manual_cf.get(s.name.casefold())
        if chosen is not None:
            hit = [r for r in rois if r == chosen] or [r for r in rois if normalize_name(r) == normalize_name(chosen)]
            if hit:
                result.roi_by_structure[s.name] = hit[0]
                result.manual.add(s.name)
                taken.add(hit[0])
                continue
            result.notes.append(f"{s.name}: the hand mapping names ROI {chosen!r}, which is not in the structure set")
        find = _find_all if getattr(s, "all_matches", False) else _find
        hits = [r for r in find(s.aliases, rois) if r not in taken]
        if not hits:
            if s.derived is None:  # a derived structure not contoured as such is made from its operands
                result.unmatched.append(s.name)
            continue
        if getattr(s, "all_matches", False):
            result.roi_by_structure[s.name] = hits[0]
            result.all_rois[s.name] = list(hits)
            taken.update(hits)
            continue
        if len(hits) > 1:
            result.notes.append(f"{s.name}: several ROIs match ({', '.join(hits)}); using {hits[0]!r}")
        result.roi_by_structure[s.name] = hits[0]
        taken.add(hits[0])
    return result


def roi_labels(protocol: Protocol, match: StructureMatch) -> dict[str, str]:
    """Protocol structure name -> the ROI(s) it was evaluated on, as shown (derived: 'LIVER - GTV')."""
    names = {s: match.label_for(s) for s in match.roi_by_structure}
    for s in protocol.structures:
        if s.derived is not None and s.name not in names:
            symbol = {"union": " + ", "intersection": " & ", "subtraction": " - "}[s.derived.operation]
            parts = []
            for o in s.derived.operands:
                rois = match.rois_for(o)
                parts.append(o if not rois else rois[0] if len(rois) == 1 else "(" + " + ".join(rois) + ")")
            names[s.name] = symbol.join(parts)
    return names
