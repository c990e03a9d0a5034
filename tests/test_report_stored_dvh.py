"""The PDF report's planning-system table (dicompyler-core example): its numbers are those of
``rtreview dvh --stored``; the stored curves are drawn dashed (the figure gets them)."""
from __future__ import annotations

import json
import subprocess
import sys

from report_support import pdftotext
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import compute_dvhs
from rtreview.report.stored_table import dashed_curves, stored_rows


def test_report_table_equals_cli(tmp_path, reference_dicom):
    folder = reference_dicom / "dicompyler-core-example"
    pdf = tmp_path / "r.pdf"
    subprocess.run([sys.executable, "-m", "rtreview", "report", str(folder), "-o", str(pdf)], check=True,
                   capture_output=True)
    text = " ".join(pdftotext(pdf, layout=False).split())  # wrapped cells joined
    assert "Planning system DVH vs rtreview" in text
    cli = json.loads(subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(folder), "--stored"],
                                    check=True, capture_output=True, text=True).stdout)
    flagged = 0
    for s in cli["doses"][0]["structures"]:
        st = s.get("stored")
        if st is None:
            continue
        mean = f"{s['mean_gy']:.2f} / {st['mean_gy']:.2f} / {st['difference']['mean_gy']:+.2f}"
        assert mean in text, (s["name"], mean)
        flagged += bool(st["flagged"])
    assert text.count("CHECK") == flagged + 1  # plus the word in the table's note
    # the figure's dashed curves: one per plotted structure with a stored DVH, in % of its volume
    case = load(folder)
    link = case.links[0]
    dvhs = compute_dvhs(link.structure_set, link.dose)
    rows = stored_rows(dvhs, link.dose)
    curves = dashed_curves(rows, link.structure_set, list(dvhs.values()))
    assert len(curves) == len(rows) and all(abs(c[2][0] - 100.0) < 1e-9 for c in curves)
