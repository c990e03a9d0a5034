"""The shipped protocols (resources/protocols/*.json): list, find by name, suggest for a plan."""
from __future__ import annotations

from pathlib import Path

from .matching import normalize_name
from .model import Protocol
from .protocol_io import load_protocol


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


def suggestion_score(protocol: Protocol, *, fractions: int | None, prescription_gy: float | None,
                     names: list[str]) -> int:
    """How well ``protocol`` fits a plan: fractionation (2 points each for fractions and total
    dose) plus 1 per target keyword found in the plan label or target ROI names."""
    score = 0
    if fractions and fractions == protocol.fractions:
        score += 2
    if prescription_gy and abs(prescription_gy - protocol.prescription_gy) <= 0.005 * protocol.prescription_gy:
        score += 2
    text = " ".join(n.casefold() for n in names)
    score += sum(1 for k in protocol.target_keywords if k.casefold() in text)
    return score


def suggest_protocol(protocols: list[Protocol], *, fractions: int | None, prescription_gy: float | None,
                     names: list[str]) -> Protocol | None:
    """The best-fitting protocol for a plan, or None when none fits at all."""
    scored = [(suggestion_score(p, fractions=fractions, prescription_gy=prescription_gy, names=names), i, p)
              for i, p in enumerate(protocols)]
    scored = [s for s in scored if s[0] > 0]
    return max(scored, key=lambda s: (s[0], -s[1]))[2] if scored else None
