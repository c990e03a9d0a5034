"""The report's table of the registrations a composite went through (per course: type, file,
matrix from the reference frame to that course's frame)."""
from __future__ import annotations

import os

from .tables import LEFT, Cell, Column, Table

COLUMNS = [Column("Course", 1.2, LEFT, wrap=True), Column("Registration", 2.6, LEFT, wrap=True),
           Column("Matrix: reference mm → course mm (rows 1–3)", 3.6, LEFT, wrap=True)]


def registration_table(labels: list[str], mappings: list) -> Table:
    rows = []
    for i, (label, m) in enumerate(zip(labels, mappings)):
        if m.is_identity:
            what = "reference CT (its structures are evaluated)" if i == 0 else "same CT (frame of reference)"
            rows.append([Cell(label, bold=i == 0), Cell(what), Cell("identity")])
            continue
        files = ", ".join(os.path.basename(f) or "made in rtreview" for f in m.files)
        inverted = " (inverted)" if any(s.inverted for s in m.steps) else ""
        matrix = "\n".join("  ".join(f"{v:8.3f}" for v in row) for row in m.matrix[:3])
        rows.append([Cell(label), Cell(f"{m.kind}, DICOM REG {files}{inverted}"), Cell(matrix)])
    notes = ["A course on another CT is looked up through its registration at sample points of the reference "
             "structures (on a lattice of the reference frame at that course's dose-grid spacing; rigid only, "
             "deformable registrations are not applied). A course's dose counts 0 Gy where its dose grid does "
             "not reach a structure."]
    return Table(COLUMNS, rows, "Registrations", notes)
