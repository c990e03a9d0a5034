"""The shipped protocols (resources/protocols/*.json): list, find by name, suggest for a plan
(by site and fractionation: see ``suggestion``)."""
from __future__ import annotations

from pathlib import Path

from .matching import normalize_name
from .model import Protocol
from .protocol_io import load_protocol
from .suggestion import suggest


def protocols_dir() -> Path:
    from rtreview.paths import resources_dir

    return resources_dir() / "protocols"


def shipped_protocol_paths() -> list[Path]:
    """The shipped protocol files, sorted by file name."""
    d = protocols_dir()
    return sorted(d.glob("*.json")) if d.is_dir() else []


def shipped_protocols() -> list[Protocol]:
    """Every shipped protocol, validated (a broken shipped file raises ProtocolError)."""
    return [load_protocol(p) for p in shipped_protocol_paths()]


def find_protocol(name_or_path: str, protocols: list[Protocol] | None = None) -> Protocol:
    """A protocol by file path, by name or by file stem (case- and separator-insensitive).

    KeyError lists the available names when nothing matches.
    """
    p = Path(name_or_path)
    if p.suffix.lower() == ".json" and p.is_file():
        return load_protocol(p)
    candidates = shipped_protocols() if protocols is None else protocols
    wanted = normalize_name(name_or_path)
    for proto in candidates:
        if wanted in (normalize_name(proto.name), normalize_name(Path(proto.path).stem)):
            return proto
    hits = [proto for proto in candidates if wanted and wanted in normalize_name(proto.name)]
    if len(hits) == 1:
        return hits[0]
    names = ", ".join(repr(x.name) for x in candidates) or "none shipped"
    raise KeyError(f"no protocol named {name_or_path!r} (available: {names})")


def suggest_protocol(protocols: list[Protocol], *, fractions: int | None, prescription_gy: float | None,
                     names: list[str], roi_names: list[str] | None = None) -> Protocol | None:
    """The protocol fitting a plan's site and fractionation (``suggestion.suggest``), or None.

    ``names``: the plan's label/name and target ROI names; ``roi_names``: all its ROI names
    (default ``names``)."""
    return suggest(protocols, fractions=fractions, prescription_gy=prescription_gy, target_names=names,
                   roi_names=names if roi_names is None else roi_names).protocol
