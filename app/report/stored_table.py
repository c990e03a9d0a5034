"""The report's table of the planning system's DVHs against ours (rtreview.core.compare.stored_dvh),
and the dashed curves for the DVH figure."""
from __future__ import annotations

import numpy as np
from PySide6 import QtGui

from rtreview.core.compare.stored_dvh import TOLERANCE_TEXT, compare_all

from .tables import LEFT, Cell, Column, Table, num

FLAG_FILL, FLAG_INK = QtGui.QColor(245, 190, 190), QtGui.QColor(160, 0, 0)
METRICS = (("volume_cc", 1), ("mean_gy", 2), ("d95_gy", 2), ("d2_gy", 2))
COLUMNS = ([Column("Structure", 1.8, LEFT, wrap=True), Column("Volume (cc)\nours / TPS / Δ", 3.1, wrap=True)]
           + [Column(f"{name}\nours / TPS / Δ", 2.2, wrap=True) for name in ("Dmean (Gy)", "D95% (Gy)", "D2% (Gy)")]
           + [Column("Flag", 1.0)])
DASHED_NOTE = "╌ ╌ planning system's DVH"


def stored_rows(dvhs: dict, dose) -> list:
    return compare_all(dvhs, dose) if dose is not None and dose.stored_dvhs else []


def stored_table(rows: list) -> Table:
    body = []
    for row in rows:
        cells = [Cell(row.name)]
        for key, digits in METRICS:
            text = f"{num(row.ours.get(key), digits)} / {num(row.stored.get(key), digits)} / " \
                   f"{_signed(row.difference.get(key), digits)}"
            flagged = key in row.flagged
            cells.append(Cell(text, bold=flagged, fill=FLAG_FILL if flagged else None,
                              ink=FLAG_INK if flagged else None))
        cells.append(Cell("CHECK" if row.flagged else "ok", bold=bool(row.flagged),
                          ink=FLAG_INK if row.flagged else None))
        body.append(cells)
    notes = [f"The planning system's own DVHs (RT Dose DVH Sequence) against rtreview's: Δ = rtreview − planning "
             f"system; {TOLERANCE_TEXT} (CHECK: look at the structure; not a verdict on the plan). The planning "
             "system's curves are drawn dashed in the DVH figure."]
    notes += sorted({n for r in rows for n in r.notes})
    return Table(COLUMNS, body, "Planning system DVH vs rtreview", notes)


def dashed_curves(rows: list, structure_set, shown: list) -> list:
    """(rgb, dose_gy, volume_pct) of the stored curve of each structure the figure draws."""
    colours = {r.number: r.color_rgb for r in structure_set.rois} if structure_set is not None else {}
    drawn = {d.roi_number for d in shown}
    out = []
    for row in rows:
        c = row.curve
        if row.roi_number not in drawn:
            continue
        if c is None or c.volume.size < 2 or not c.volume[0] > 0:
            continue
        out.append((colours.get(row.roi_number, (0, 0, 0)), c.dose_gy, 100.0 * c.volume / c.volume[0]))
    return out


def _signed(value, digits: int) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:+.{digits}f}"
