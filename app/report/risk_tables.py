"""The report's risk tables (issue 16): NTCP per structure with its model and parameters, target
BED with the α/β used, and the liver-function basis of a protocol's Child-Pugh variants. Risks,
not verdicts: no pass/fail colour (a protocol's limit on an NTCP is a constraint row instead)."""
from __future__ import annotations

from .tables import LEFT, Cell, Column, Table, num

NTCP_COLUMNS = [Column("Structure", 1.3, LEFT, wrap=True), Column("Endpoint (model)", 3.2, LEFT, wrap=True),
                Column("n", 0.5), Column("m", 0.5), Column("TD50 (Gy)\nsource / EQD2", 1.6, wrap=True),
                Column("gEUD (Gy)\nEQD2", 1.0, wrap=True), Column("α/β\n(Gy)", 0.5), Column("NTCP", 0.9)]
BED_COLUMNS = [Column("Target", 1.6, LEFT, wrap=True), Column("α/β (Gy)", 1.3, LEFT), Column("D98%", 0.8),
               Column("D95%", 0.8), Column("D50%", 0.8), Column("Mean", 0.8), Column("Rx", 0.8),
               Column("D95% EQD2", 1.0)]


def percent_text(p: float | None) -> str:
    """An NTCP in % for a reader: '< 0.01 %' rather than 5e-07 %."""
    if p is None:
        return "–"
    return "< 0.01 %" if p < 0.01 else f"{p:.2f} %"


def ntcp_table(evaluation) -> Table | None:
    if evaluation is None or not evaluation.ntcp:
        return None
    rows, notes = [], []
    for n in evaluation.ntcp:
        m = n.model
        rows.append([Cell(n.structure), Cell(f"{n.endpoint} ({m.model}, {n.label})"), Cell(f"{m.n.value:g}"),
                     Cell(f"{m.m.value:g}"), Cell(f"{m.td50_gy.value:g} / {num(n.td50_eqd2_gy)}"),
                     Cell(num(n.geud_eqd2_gy)), Cell(f"{n.alpha_beta_gy:g}"), Cell(percent_text(n.percent), bold=True)])
        notes.append(f"{n.structure}, {n.label}: {m.citation} TD50 in {m.reference_dose_per_fraction_gy:g} Gy "
                     f"fractions, converted to EQD2 with the structure's α/β. Checked: {m.checked}")
        notes += [f"{n.structure}: {x}" for x in n.notes]
    notes.insert(0, "Lyman-Kutcher-Burman NTCP on the voxel-wise EQD2 dose (gEUD with volume parameter n, probit with "
                    "TD50 and m; docs/ntcp.md). A risk estimate from a published model, not a verdict.")
    return Table(NTCP_COLUMNS, rows, "NTCP (risk estimates)", notes)


def bed_table(evaluation) -> Table | None:
    if evaluation is None or not evaluation.target_bed:
        return None
    origin = {"user": "chosen", "default": "default", "table": "table", "protocol": "protocol"}
    rows = []
    for t in evaluation.target_bed:
        d = t.to_json(4)
        rows.append([Cell(t.name, bold=True), Cell(f"{t.alpha_beta_gy:g} ({origin.get(t.alpha_beta_origin, t.alpha_beta_origin)})"),
                     Cell(num(d["d98_bed_gy"])), Cell(num(d["d95_bed_gy"])), Cell(num(d["d50_bed_gy"])),
                     Cell(num(d["mean_bed_gy"])), Cell(num(d["prescription_bed_gy"])), Cell(num(d["d95_eqd2_gy"]))])
    notes = [f"BED = n d (1 + d / (α/β)) in Gy, {evaluation.target_bed[0].fractions} fractions, per voxel (mean = mean "
             "of the voxel-wise BED); no time factor. α/β 10 Gy by default (Fowler 1989); 15 Gy is used for HCC "
             "(Tai 2008): set it on the target in the structure list, or rtreview check --target-alpha-beta."]
    return Table(BED_COLUMNS, rows, "Target BED (Gy)", notes)


def liver_function_text(evaluation) -> str:
    """'Liver function (selects the protocol's Child-Pugh variants): …', '' when the protocol has none."""
    basis = getattr(evaluation, "child_pugh", None)
    if not basis:
        return ""
    return f"Liver function (selects the protocol's Child-Pugh variants): {basis['basis']}."
