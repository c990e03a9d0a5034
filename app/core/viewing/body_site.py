"""Which body site a plan treats (head and neck, thorax, abdomen, pelvis), guessed from names
(no Qt): the plan label and its targets' names first, else the organs contoured.

Used only to open the CT with a fitting window/level preset (``window_level.SITE_PRESETS``; the
user's own choice per site is remembered); never for anything clinical. ROI names follow
TG-263 where they can (Mayo et al., AAPM TG-263, IJROBP 2018;100:1057-1066), matched as
lower-case substrings (no "head" or "neck": femoral heads and necks are pelvic).
"""
from __future__ import annotations

SITES = ("head and neck", "thorax", "abdomen", "pelvis")
KEYWORDS: dict[str, tuple[str, ...]] = {
    "head and neck": ("parotid", "brainstem", "brain", "mandible", "larynx", "oralcavity", "oral_cavity", "cochlea",
                      "optic", "chiasm", "lens", "eye", "pharyn", "submand", "glnd", "nasophar", "tongue",
                      "orbit", "pituitar", "lips", "thyroid"),
    "thorax": ("lung", "heart", "esophag", "breast", "chestwall", "chest_wall", "trachea", "bronch", "mediastin",
               "thora", "pericard", "aorta"),
    "abdomen": ("liver", "hepat", "hcc", "stomach", "duoden", "kidney", "pancrea", "spleen", "bowel", "colon",
                "adrenal", "abdom", "biliar", "gallbladder", "jejun", "ileum"),
    "pelvis": ("bladder", "rectum", "rectal", "prostat", "femur", "femoral", "uter", "cervix", "vagin", "sigmoid",
               "ilium", "iliac", "sacr", "pelvi", "acetab", "pubis", "ischi", "penile", "testis", "ovar"),
}


def _score(names: list[str]) -> dict[str, int]:
    text = [n.casefold().replace(" ", "_") for n in names if n]
    return {site: sum(1 for n in text for k in words if k in n) for site, words in KEYWORDS.items()}


def _best(scores: dict[str, int]) -> str | None:
    top = max(scores.values(), default=0)
    winners = [s for s in SITES if scores.get(s) == top]
    return winners[0] if top > 0 and len(winners) == 1 else None


def body_site(plan_label: str = "", target_names: list[str] | None = None,
              organ_names: list[str] | None = None) -> str | None:
    """The site the names point to, or None when they do not say (or disagree evenly)."""
    site = _best(_score([plan_label] + list(target_names or [])))
    return site if site is not None else _best(_score(list(organ_names or [])))


def body_site_of(link) -> str | None:
    """``body_site`` of a dose link: its plan label, the targets and organs of its structure set.
    Targets far from this plan's dose are not its own: with a dose, only targets whose contours
    overlap the dose grid count."""
    if link is None:
        return None
    rois = link.structure_set.rois if link.structure_set is not None else []
    targets = [r for r in rois if r.is_target and r.planes]
    dose = link.dose
    if dose is not None and targets:
        z0, z1 = float(dose.z_mm[0]), float(dose.z_mm[-1])
        inside = [r for r in targets if any(z0 - 1.0 <= z <= z1 + 1.0 for z in r.plane_z_mm)]
        targets = inside or targets
    label = link.plan.label if link.plan is not None else ""
    return body_site(label, [r.name for r in targets], [r.name for r in rois if not r.is_target])
