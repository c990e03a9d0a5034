"""Writes the shipped SBRT protocols (resources/protocols/*sbrt*.json) from the tables below.

One row per published limit, with its source next to it; docs/protocols.md has the same table
line by line with what was verified. Run ``python tools/make_sbrt_protocols.py`` after editing;
``tests/test_sbrt_protocols.py`` checks the files equal this script's output.

Dose basis: every TG-101 / HyTEC / QUANTEC SBRT limit is a physical dose for a stated number of
fractions (``dose_basis: physical`` with ``basis_fractions`` = that number); a plan of that many
fractions is judged as written. "D0.035cc" is TG-101's "maximum point dose" (a volume of at
most 0.035 cc).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "protocols"

TG101 = ("AAPM TG-101: Benedict SH et al. Stereotactic body radiation therapy: the report of AAPM Task Group 101. "
         "Med Phys 2010;37(8):4078-4101, Table III")
HYTEC_CORD = ("HyTEC: Sahgal A et al. Spinal cord dose tolerance to stereotactic body radiation therapy. "
              "IJROBP 2021;110(1):124-136 (de novo SBRT, point maximum for a 1-5 % risk of myelopathy)")
QUANTEC_LIVER = "QUANTEC: Pan CC et al. Radiation-associated liver injury. IJROBP 2010;76(3 Suppl):S94-S100"

# (organ, metric, {fractions: limit Gy}, level, source detail)
TG101_ROWS = {
    "SpinalCord": [("D0.35cc", {1: 10.0, 3: 18.0, 5: 23.0}, "mandatory", "spinal cord, 0.35 cc above threshold"),
                   ("D1.2cc", {1: 7.0, 3: 12.3, 5: 14.5}, "mandatory", "spinal cord, 1.2 cc above threshold")],
    "CaudaEquina": [("D0.035cc", {1: 16.0, 3: 24.0, 5: 32.0}, "mandatory", "cauda equina, maximum point dose"),
                    ("D5cc", {1: 14.0, 3: 21.9, 5: 30.0}, "mandatory", "cauda equina, 5 cc above threshold")],
    "SacralPlex": [("D0.035cc", {1: 16.0, 3: 24.0, 5: 32.0}, "mandatory", "sacral plexus, maximum point dose"),
                   ("D5cc", {1: 14.4, 3: 22.5, 5: 30.0}, "mandatory", "sacral plexus, 5 cc above threshold")],
    "Esophagus": [("D0.035cc", {1: 15.4, 3: 25.2, 5: 35.0}, "mandatory", "esophagus, maximum point dose"),
                  ("D5cc", {1: 11.9, 3: 17.7, 5: 19.5}, "mandatory", "esophagus, 5 cc above threshold")],
    "Heart": [("D0.035cc", {1: 22.0, 3: 30.0, 5: 38.0}, "mandatory", "heart/pericardium, maximum point dose"),
              ("D15cc", {1: 16.0, 3: 24.0, 5: 32.0}, "mandatory", "heart/pericardium, 15 cc above threshold")],
    "Stomach": [("D0.035cc", {1: 12.4, 3: 22.2, 5: 32.0}, "mandatory", "stomach, maximum point dose"),
                ("D10cc", {1: 11.2, 3: 16.5, 5: 18.0}, "mandatory", "stomach, 10 cc above threshold")],
    "Duodenum": [("D0.035cc", {1: 12.4, 3: 22.2, 5: 32.0}, "mandatory", "duodenum, maximum point dose"),
                 ("D5cc", {1: 11.2, 3: 16.5, 5: 18.0}, "mandatory", "duodenum, 5 cc above threshold"),
                 ("D10cc", {1: 9.0, 3: 11.4, 5: 12.5}, "mandatory", "duodenum, 10 cc above threshold")],
    "Bowel_Small": [("D0.035cc", {1: 15.4, 3: 25.2, 5: 35.0}, "mandatory", "jejunum/ileum, maximum point dose"),
                    ("D5cc", {1: 11.9, 3: 17.7, 5: 19.5}, "mandatory", "jejunum/ileum, 5 cc above threshold")],
    "Bowel_Large": [("D0.035cc", {1: 18.4, 3: 28.2, 5: 38.0}, "mandatory", "colon, maximum point dose"),
                    ("D20cc", {1: 14.3, 3: 24.0, 5: 25.0}, "mandatory", "colon, 20 cc above threshold")],
    "Rectum": [("D0.035cc", {1: 18.4, 3: 28.2, 5: 38.0}, "mandatory", "rectum, maximum point dose"),
               ("D20cc", {1: 14.3, 3: 24.0, 5: 25.0}, "mandatory", "rectum, 20 cc above threshold")],
    "Bladder": [("D0.035cc", {1: 18.4, 3: 28.2, 5: 38.0}, "mandatory", "bladder wall, maximum point dose"),
                ("D15cc", {1: 11.4, 3: 16.8, 5: 18.3}, "mandatory", "bladder wall, 15 cc above threshold")],
}
# HyTEC spinal-cord point maximum (Sahgal 2021): 1 fx 12.4-14.0 Gy, 3 fx 20.3 Gy, 5 fx 25.3 Gy.
HYTEC_CORD_MAX = {1: [(14.0, "mandatory", "upper end of the 12.4-14.0 Gy range; equals the TG-101 maximum point dose"),
                      (12.4, "optimal", "lower end of the 12.4-14.0 Gy range")],
                  3: [(20.3, "mandatory", "stricter than the TG-101 maximum point dose 21.9 Gy")],
                  5: [(25.3, "mandatory", "stricter than the TG-101 maximum point dose 30 Gy")]}
# TG-101 renal cortex critical volume: >= 200 cc below x Gy.
TG101_KIDNEY_CV = {1: 8.4, 3: 16.0, 5: 17.5}
# QUANTEC liver SBRT (Pan 2010), primary liver cancer, Child-Pugh A: mean normal-liver dose
# < 13 Gy in 3 fractions, < 18 Gy in 6 fractions; >= 700 cc of normal liver < 15 Gy in 3-5 fractions.
QUANTEC_MLD = {3: (13.0, 3), 5: (18.0, 6)}

ALIASES = {
    "SpinalCord": ["SPINAL_CORD", "Cord", "Spinal_Cord", "SpinalCanal", "Spinal_Canal"],
    "CaudaEquina": ["CAUDA_EQUINA", "Cauda", "Cauda_Equina"],
    "SacralPlex": ["Sacral_Plexus", "SacralPlexus", "SACRAL_PLEX", "LumbosacralPlex"],
    "Esophagus": ["ESOPHAGUS", "Oesophagus"],
    "Heart": ["HEART", "Pericardium"],
    "Stomach": ["STOMACH"],
    "Duodenum": ["DUODENUM", "Bowel_Duodenum"],
    "Bowel_Small": ["BOWEL_SMALL", "SmallBowel", "Small_Bowel", "Bowel_Small_Loops", "Jejunum_Ileum"],
    "Bowel_Large": ["BOWEL_LARGE", "LargeBowel", "Large_Bowel", "Colon", "Sigmoid", "Colon_Sigmoid"],
    "Rectum": ["RECTUM", "Rectum_Wall"],
    "Bladder": ["BLADDER", "Bladder_Wall"],
    "Kidney_L": ["KIDNEY_L", "L_Kidney", "Kidney_Lt", "Lt_Kidney", "Kidney_Left"],
    "Kidney_R": ["KIDNEY_R", "R_Kidney", "Kidney_Rt", "Rt_Kidney", "Kidney_Right"],
}
RX_SOURCE = ("Coverage convention of SBRT protocols (e.g. RTOG 0915 / RTOG 0813: 95 % of the PTV receives the "
             "prescription dose); SBRT plans are inhomogeneous by design, so no near-maximum (D2%) limit is set")


def tg101_row(organ, metric, limits, fx, level, what):
    return {"metric": metric, "comparator": "<=", "limit": limits[fx], "dose_basis": "physical",
            "basis_fractions": fx, "level": level,
            "source": f"{TG101}: {what}, {limits[fx]:g} Gy in {fx} fraction{'s' if fx > 1 else ''}"}


def organ(name, fx, extra=()):
    rows = [tg101_row(name, m, lim, fx, lvl, what) for m, lim, lvl, what in TG101_ROWS.get(name, [])]
    if name == "SpinalCord":
        rows = [{"metric": "D0.035cc", "comparator": "<=", "limit": value, "dose_basis": "physical",
                 "basis_fractions": fx, "level": level,
                 "source": f"{HYTEC_CORD}: {value:g} Gy in {fx} fraction{'s' if fx > 1 else ''}, {why}"}
                for value, level, why in HYTEC_CORD_MAX[fx]] + rows
    return {"name": name, "aliases": ALIASES.get(name, []), "constraints": rows + list(extra)}


def ptv(aliases):
    return {"name": "PTV", "aliases": aliases, "target": True, "constraints": [
        {"metric": "D95%", "comparator": ">=", "limit": 100, "unit": "%Rx", "level": "optimal",
         "marginal_limit": 90, "variation_allowed": True, "source": RX_SOURCE,
         "note": "coverage goal; 90-100 % of Rx is marginal, accepted as a variation (e.g. to respect an organ limit)"}]}


def kidneys(fx):
    union = {"name": "Kidneys", "aliases": ["Kidneys", "Kidneys_Bilat", "Kidney_Both"],
             "derived": {"operation": "union", "operands": ["Kidney_L", "Kidney_R"]},
             "constraints": [{"metric": f"CV{TG101_KIDNEY_CV[fx]:g}Gy_cc", "comparator": ">=", "limit": 200,
                              "dose_basis": "physical", "basis_fractions": fx, "level": "optimal",
                              "source": f"{TG101}: renal cortex (right and left), critical volume 200 cc below "
                                        f"{TG101_KIDNEY_CV[fx]:g} Gy in {fx} fractions",
                              "note": "evaluated on the whole kidneys: TG-101 means the renal cortex, so this "
                                      "overestimates the spared cortex (not conservative)"}]}
    return [organ("Kidney_L", fx), organ("Kidney_R", fx), union]


def liver_protocol(fx: int) -> dict:
    mld, mld_fx = QUANTEC_MLD[fx]
    converted = "" if mld_fx == fx else (f"; QUANTEC gives no {fx}-fraction value: the {mld_fx}-fraction limit is "
                                         f"converted iso-effectively to {fx} fractions (LQ, the structure's alpha/beta)")
    rx = {3: 45.0, 5: 40.0}[fx]
    normal_liver = {
        "name": "Liver-GTV", "aliases": ["Liver-GTV", "Liver_minus_GTV", "Normal_Liver", "Liver_Normal"],
        "derived": {"operation": "subtraction", "operands": ["Liver", "GTV"]},
        "constraints": [
            {"metric": "CV15Gy_cc", "comparator": ">=", "limit": 700, "dose_basis": "physical",
             "basis_fractions": fx, "level": "mandatory",
             "source": f"{QUANTEC_LIVER} (SBRT: at least 700 cc of normal liver receives < 15 Gy in 3-5 fractions, "
                       "after Schefter TE et al. IJROBP 2005;62:1371-1378)",
             "note": "spared (critical) volume: the normal liver below 15 Gy must be at least 700 cc"},
            {"metric": "Dmean", "comparator": "<=", "limit": mld, "dose_basis": "physical", "basis_fractions": mld_fx,
             "level": "mandatory", "applies_when": {"child_pugh": ["A"]},
             "source": f"{QUANTEC_LIVER} (SBRT, primary liver cancer: mean normal-liver dose < {mld:g} Gy in "
                       f"{mld_fx} fractions, classic RILD < 5 %; Child-Pugh A){converted}"}],
        "ntcp": [{"model": "rild_primary_liver_dawson2002",
                  "note": "Dawson's parameters were fitted to 1.5 Gy twice-daily courses: at SBRT doses per fraction "
                          "the LQ conversion is an extrapolation; shown as a risk estimate only"}]}
    return {
        "format": "rtreview-protocol", "format_version": 1,
        "name": f"Liver SBRT {fx} fx (HCC)",
        "description": (f"Stereotactic body radiotherapy of hepatocellular carcinoma in {fx} fractions (any prescription "
                        f"above 4 Gy per fraction; {rx:g} Gy / {fx} fx is the nominal example). Normal-liver limits from "
                        "QUANTEC (Pan 2010) for primary liver cancer and Child-Pugh A; the mean-liver limit depends on "
                        "Child-Pugh (needs Child-Pugh when the case file does not state it; for Child-Pugh B or C no "
                        "SBRT mean-liver limit is shipped: the sources studied Child-Pugh A). Other organs: AAPM TG-101 "
                        "(Benedict 2010) and HyTEC (spinal cord). Every limit is a physical dose in the fractions its "
                        "source states (docs/protocols.md, 'SBRT protocols', with the line-by-line source table)."),
        "fractionation": {"prescription_gy": rx, "fractions": fx},
        "sbrt": True,
        "population": {"child_pugh": ["A"]},
        "target_keywords": ["liver", "hcc", "hepat"],
        "site": {"name": "liver", "targets": ["liver", "hcc", "hepat"],
                 "organs": ["Liver", "Liver_Whole", "Stomach", "Duodenum", "*Kidney*"]},
        "marginal_band_pct": 0,
        "references": [QUANTEC_LIVER + ".", TG101 + ".", HYTEC_CORD + ".",
                       "Schefter TE et al. A phase I trial of stereotactic body radiation therapy (SBRT) for liver "
                       "metastases. IJROBP 2005;62:1371-1378.",
                       "Mayo CS et al. AAPM Task Group 263: Standardizing nomenclatures in radiation oncology. "
                       "IJROBP 2018;100:1057-1066 (CV / DC metric names)."],
        "structures": [ptv(["PTV_LIVER", "PTV_Liver", "PTV_HCC", "PTV*Liver*", "PTV*HCC*"]),
                       {"name": "GTV", "aliases": ["GTV*", "PVTT*", "GTV_PVTT", "GTVp"], "target": True,
                        "all_matches": True, "note": "every GTV of the case: normal liver excludes them all",
                        "constraints": []},
                       {"name": "Liver", "aliases": ["LIVER", "Liver_Whole"], "constraints": []},
                       normal_liver,
                       organ("Stomach", fx), organ("Duodenum", fx), organ("Bowel_Small", fx),
                       organ("Bowel_Large", fx), organ("Esophagus", fx), organ("Heart", fx),
                       organ("SpinalCord", fx), *kidneys(fx)],
    }


def bone_protocol(fx: int) -> dict:
    rx = {1: 16.0, 3: 27.0, 5: 35.0}[fx]
    return {
        "format": "rtreview-protocol", "format_version": 1,
        "name": f"Bone/spine SBRT {fx} fx",
        "description": (f"Stereotactic body radiotherapy of a spinal or pelvic bone metastasis in {fx} "
                        f"fraction{'s' if fx > 1 else ''} (any prescription above 4 Gy per fraction; {rx:g} Gy / {fx} fx "
                        "is the nominal example). Spinal cord point maximum from HyTEC (Sahgal 2021), volume limits "
                        "of the cord, cauda equina, sacral plexus and the organs near a pelvic or spinal target from "
                        "AAPM TG-101 (Benedict 2010). Every limit is a physical dose in the fractions its source "
                        "states (docs/protocols.md, line-by-line source table)."),
        "fractionation": {"prescription_gy": rx, "fractions": fx},
        "sbrt": True,
        "target_keywords": ["spine", "vertebra", "bone", "sacrum", "ilium", "iliac", "pelvis", "acetabulum", "osseous"],
        "site": {"name": "bone/spine", "targets": ["spine", "spinal met", "vertebra", "vertebral", "bone", "sacrum",
                                                   "sacral", "ilium", "iliac", "pelvis", "pelvic", "acetabulum",
                                                   "osseous"],
                 "organs": ["Cauda*", "SacralPlex*", "Sacral_Plexus*", "Bladder*", "Rectum*", "*Femur*",
                            "Esophagus*", "Vertebra*"]},
        "marginal_band_pct": 0,
        "references": [TG101 + ".", HYTEC_CORD + "."],
        "structures": [ptv(["PTV_ILIUM", "PTV_Ilium", "PTV_Bone", "PTV_Spine", "PTV*Ilium*", "PTV*Pelvis*", "PTV*Bone*",
                            "PTV*Spine*", "PTV*Sacrum*", "PTV*Vert*"]),
                       organ("SpinalCord", fx), organ("CaudaEquina", fx), organ("SacralPlex", fx),
                       organ("Esophagus", fx), organ("Bowel_Small", fx), organ("Bowel_Large", fx),
                       organ("Rectum", fx), organ("Bladder", fx)],
    }


def outputs() -> dict[str, str]:
    files = {f"liver_sbrt_{fx}fx.json": liver_protocol(fx) for fx in (3, 5)}
    files.update({f"bone_spine_sbrt_{fx}fx.json": bone_protocol(fx) for fx in (1, 3, 5)})
    return {name: json.dumps(doc, indent=1, ensure_ascii=False) + "\n" for name, doc in files.items()}


def main() -> int:
    for name, text in outputs().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# What rtreview's authors could check of each value (docs/protocols.md, source table):
# secondary transcriptions of TG-101 Table III found in public repositories, and abstracts.
SEC_3_5 = "matches a transcription of TG-101 Table III (github DrQTPham/drqtpham.github.io, SBRT_DATA_UPDATE.md)"
SEC_1 = "matches a clinic's TG-101 tolerances (github dicom/raystation-scripts, settings/tolerance_doses.py)"
UNVERIFIED = "not verified: the original table was not in the reference corpus"
VERIFIED = {
    ("SpinalCord", "D0.35cc", 1): SEC_1, ("SpinalCord", "D1.2cc", 1): UNVERIFIED,
    ("CaudaEquina", "D0.035cc", 1): SEC_1, ("CaudaEquina", "D5cc", 1): SEC_1,
    ("SacralPlex", "D0.035cc", 1): UNVERIFIED, ("SacralPlex", "D5cc", 1): UNVERIFIED,
    ("Esophagus", "D0.035cc", 1): "not verified; the clinic's table (dicom/raystation-scripts) gives 16 Gy, not 15.4 Gy",
    ("Esophagus", "D5cc", 1): SEC_1, ("Heart", "D0.035cc", 1): SEC_1, ("Heart", "D15cc", 1): SEC_1,
    ("Stomach", "D0.035cc", 1): UNVERIFIED, ("Stomach", "D10cc", 1): UNVERIFIED,
    ("Duodenum", "D0.035cc", 1): UNVERIFIED, ("Duodenum", "D5cc", 1): UNVERIFIED, ("Duodenum", "D10cc", 1): UNVERIFIED,
    ("Bowel_Small", "D0.035cc", 1): SEC_1, ("Bowel_Small", "D5cc", 1): SEC_1,
    ("Bowel_Large", "D0.035cc", 1): SEC_1, ("Bowel_Large", "D20cc", 1): SEC_1,
    ("Rectum", "D0.035cc", 1): SEC_1, ("Rectum", "D20cc", 1): SEC_1,
    ("Bladder", "D0.035cc", 1): SEC_1, ("Bladder", "D15cc", 1): SEC_1,
    ("Bowel_Large", "D0.035cc", 3): SEC_3_5 + "; the clinic's table gives 28.8 Gy",
    ("Rectum", "D0.035cc", 3): SEC_3_5 + "; the clinic's table gives 28.8 Gy",
}


def verification(organ_name: str, metric: str, fx: int, source: str) -> str:
    if source.startswith("HyTEC"):
        return "verified in the abstract (Sahgal 2021: 12.4-14.0 Gy in 1, 20.3 Gy in 3, 25.3 Gy in 5 fractions)"
    if source.startswith("QUANTEC"):
        return "as given in rtreview issue 16 and QUANTEC's summary; not verified against the paper's text"
    if metric.startswith("CV") and organ_name == "Kidneys":
        return SEC_3_5 if fx > 1 else SEC_1
    return VERIFIED.get((organ_name, metric, fx), SEC_3_5 if fx > 1 else UNVERIFIED)


def source_table() -> str:
    """The line-by-line source table of docs/protocols.md (a test keeps it equal)."""
    lines = ["| protocol | structure | limit | fx of the limit | level | source | verified |",
             "|---|---|---|---|---|---|---|"]
    docs = {**{f"liver_sbrt_{fx}fx": liver_protocol(fx) for fx in (3, 5)},
            **{f"bone_spine_sbrt_{fx}fx": bone_protocol(fx) for fx in (1, 3, 5)}}
    for doc in docs.values():
        for s in doc["structures"]:
            for c in s.get("constraints", []):
                unit = "% of Rx" if c.get("unit") == "%Rx" else ("cc" if c["metric"].startswith("CV") else "Gy")
                when = ""
                if c.get("applies_when"):
                    when = " (Child-Pugh " + "/".join(c["applies_when"]["child_pugh"]) + ")"
                fx = c.get("basis_fractions", "–")
                src = c["source"].split(":")[0] if c["source"].startswith(("AAPM", "HyTEC", "QUANTEC")) else "convention"
                check = verification(s["name"], c["metric"], c.get("basis_fractions", 0), c["source"]) \
                    if src != "convention" else "RTOG 0915/0813 coverage convention; level and band are rtreview's choice"
                lines.append(f"| {doc['name']} | {s['name']} | {c['metric']} {c['comparator']} {c['limit']:g} {unit}"
                             f"{when} | {fx} | {c['level']} | {src} | {check} |")
    return "\n".join(lines) + "\n"
