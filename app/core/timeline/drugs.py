"""Which systemic agents matter beside radiotherapy: anti-VEGF agents and immune checkpoint
inhibitors (both change the toxicity of RT). Matched on the drug name, else on ``drug_class``."""
from __future__ import annotations

ANTI_VEGF = frozenset({
    "lenvatinib", "sorafenib", "regorafenib", "cabozantinib", "apatinib", "rivoceranib", "donafenib",
    "bevacizumab", "ramucirumab", "sunitinib", "pazopanib", "axitinib", "anlotinib", "aflibercept",
})
CHECKPOINT_INHIBITORS = frozenset({
    "camrelizumab", "nivolumab", "pembrolizumab", "atezolizumab", "durvalumab", "avelumab",
    "tislelizumab", "sintilimab", "toripalimab", "cemiplimab", "dostarlimab", "ipilimumab",
    "tremelimumab", "penpulimab", "serplulimab",
})


def rt_interaction_class(drug: str, drug_class: str = "") -> str:
    """'anti-VEGF', 'immune checkpoint inhibitor' or '' for a drug given beside RT."""
    name = drug.strip().casefold()
    text = drug_class.casefold()
    if name in ANTI_VEGF or "vegf" in text:
        return "anti-VEGF"
    if name in CHECKPOINT_INHIBITORS or "checkpoint" in text or "pd-1" in text or "pd-l1" in text or "ctla" in text:
        return "immune checkpoint inhibitor"
    return ""
