"""Which shipped protocol fits a plan: its anatomical site AND its fractionation, or none (and why).

A protocol fits a plan when both hold:

- **site**: a word of ``site.targets`` appears in the plan's label/name or a target ROI name,
  or at least ``MIN_SITE_ORGANS`` of the site's characteristic ``site.organs`` are among the
  structure names (one, if the site lists only one). A protocol without a ``site`` uses its
  ``target_keywords`` as targets; one declaring neither (a user's file) is judged on the
  fractionation alone. Every shipped protocol declares its site (a test checks).
- **fractionation**: the plan's total fractions equal the protocol's, and its prescription is
  within ``RX_TOLERANCE`` of the protocol's. With the prescription unknown the fractions alone
  decide (the reason says so); with the fractions unknown nothing fits.

Among fitting protocols the one with the most site evidence wins (the first on a tie). When
none fits, ``Suggestion.reason`` starts "no shipped protocol fits:" and says, per protocol,
what did not match.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from .matching import normalize_name
from .model import Protocol

MIN_SITE_ORGANS = 2
RX_TOLERANCE = 0.005  # relative: 50 Gy fits 49.75-50.25 Gy


@dataclass(frozen=True)
class Suggestion:
    protocol: Protocol | None
    reason: str


def _site_evidence(protocol: Protocol, target_names: list[str], roi_names: list[str]) -> tuple[int, str]:
    """(evidence count, '' or why the site does not fit)."""
    site = protocol.site
    if site is None and not protocol.target_keywords:
        return 0, ""  # declares no site (a user's file): the fractionation decides
    targets = site.targets if site is not None else protocol.target_keywords
    organs = site.organs if site is not None else ()
    name = site.name if site is not None else "its targets"
    text = " ".join(n.casefold() for n in target_names)
    hits = [k for k in targets if k.casefold() in text]
    normalized = [normalize_name(r) for r in roi_names]
    found = [o for o in organs if any(fnmatch.fnmatchcase(n, normalize_name(o)) for n in normalized)]
    needed = min(MIN_SITE_ORGANS, len(organs))
    if hits or (organs and len(found) >= needed):
        return len(hits) + len(found), ""
    why = f"not a {name} plan: no target named for it"
    if organs:
        examples = ", ".join(dict.fromkeys(o.strip("*?").replace("*", " ").replace("_", " ") for o in organs[:3]))
        why += f", {len(found)} of its organs (e.g. {examples})"
    return 0, why


def _fractionation(protocol: Protocol, fractions: int | None, prescription_gy: float | None) -> str:
    """'' when the fractionation fits, else why not."""
    wanted = f"{protocol.prescription_gy:g} Gy / {protocol.fractions} fx"
    if not fractions:
        return f"for {wanted}, the plan's fractions are unknown"
    if fractions != protocol.fractions:
        rx = f"{prescription_gy:g} Gy / " if prescription_gy else ""
        return f"for {wanted}, the plan is {rx}{fractions} fx"
    if prescription_gy and abs(prescription_gy - protocol.prescription_gy) > RX_TOLERANCE * protocol.prescription_gy:
        return f"for {wanted}, the plan is {prescription_gy:g} Gy / {fractions} fx"
    return ""


def suggest(protocols: list[Protocol], *, fractions: int | None, prescription_gy: float | None,
            target_names: list[str], roi_names: list[str]) -> Suggestion:
    """The protocol fitting the plan's site and fractionation (module docstring), with the reason.

    ``target_names``: the plan's label and name and its target ROI names; ``roi_names``: every
    ROI name of its structure set."""
    fitting, misses = [], []
    for index, protocol in enumerate(protocols):
        evidence, site_why = _site_evidence(protocol, target_names, roi_names)
        frac_why = _fractionation(protocol, fractions, prescription_gy)
        if not site_why and not frac_why:
            fitting.append((evidence, -index, protocol))
        else:
            misses.append(f"{protocol.name} ({'; '.join(w for w in (site_why, frac_why) if w)})")
    if fitting:
        protocol = max(fitting, key=lambda f: (f[0], f[1]))[2]
        how = "site and fractionation"
        if not prescription_gy:
            how = f"site and {protocol.fractions} fractions (the prescription is unknown)"
        return Suggestion(protocol, f"{protocol.name}: fits the plan's {how}")
    if not protocols:
        return Suggestion(None, "no shipped protocol fits: none is shipped")
    return Suggestion(None, "no shipped protocol fits: " + "; ".join(misses))
