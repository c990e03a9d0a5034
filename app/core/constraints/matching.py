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

    def roi_for(self, structure_name: str) -> str | None:
        return self.roi_by_structure.get(structure_name)


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
        hits = [r for r in _find(s.aliases, rois) if r not in taken]
        if not hits:
            if s.derived is None:  # a derived structure not contoured as such is made from its operands
                result.unmatched.append(s.name)
            continue
        if len(hits) > 1:
            result.notes.append(f"{s.name}: several ROIs match ({', '.join(hits)}); using {hits[0]!r}")
        result.roi_by_structure[s.name] = hits[0]
        taken.add(hits[0])
    return result
