"""The composite section's DVH figure: EQD2 DVHs of the structures dosed by both courses (the
composite evaluation's own DVHs), limits marked at their EQD2 doses, structure colours on paper."""
from __future__ import annotations

import subprocess

import numpy as np
from PySide6 import QtGui

from report_support import pdftotext, qt_app, sample_content, sample_pdf

DPI = 100


def _render(path, page: int) -> np.ndarray:
    out = subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png", str(path)],
                         check=True, capture_output=True).stdout
    qt_app()
    image = QtGui.QImage.fromData(out, "PNG").convertToFormat(QtGui.QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return arr[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def _composite_figure(pages):
    from rtreview.report.dvh_figure import DvhFigure

    found = [(n, item) for n, page in enumerate(pages, start=1) for item in page
             if isinstance(item.block, DvhFigure) and item.block.title.startswith("Composite DVH")]
    assert len(found) == 1
    return found[0]


def test_composite_figure_draws_the_evaluations_eqd2_dvhs_with_their_limits():
    from rtreview.report.builder import limit_marks

    content = sample_content()
    ev = content.composite.evaluation
    _path, pages = sample_pdf()
    _number, item = _composite_figure(pages)
    fig = item.block
    assert {d.name for d in fig.dvhs} == {"BOWEL_SMALL", "CAUDA_EQUINA"}  # dosed by both courses
    assert all(any(d is e for e in ev.dvhs.values()) for d in fig.dvhs)  # the evaluation's own DVHs
    assert fig.dose_label == "Dose (Gy EQD2)" and fig.rx_gy is None
    # limits at their EQD2 doses: Bowel_Small V15Gy_cc <= 120 cc at each protocol's EQD2 threshold,
    # CaudaEquina D0.03cc <= 60 / 50 Gy EQD2; V45Gy_cc <= 195 cc exceeds the bowel's 137 cc: no mark
    bowel = next(d for d in fig.dvhs if d.name == "BOWEL_SMALL")
    cauda = next(d for d in fig.dvhs if d.name == "CAUDA_EQUINA")
    got = sorted((m.roi_number, round(m.dose_gy, 2), round(m.volume_pct, 2)) for m in fig.marks)
    thresholds = sorted(round(r.threshold_eqd2_gy, 2) for r in ev.results
                        if r.structure == "Bowel_Small" and r.metric == "V15Gy_cc")
    want = sorted([(bowel.roi_number, t, round(100 * 120 / bowel.covered_volume_cc, 2)) for t in thresholds]
                  + [(cauda.roi_number, limit, round(100 * 0.03 / cauda.covered_volume_cc, 2)) for limit in (50.0, 60.0)])
    assert got == want
    assert fig.marks == limit_marks(ev, ev.dvhs, eqd2=True)


def test_composite_page_text_and_colours():
    from rtreview.report.document import MARGIN_MM
    from rtreview.report.dvh_figure import LEGEND_W

    path, pages = sample_pdf()
    number, item = _composite_figure(pages)
    text = pdftotext(path, layout=False).split("\f")[number - 1]
    title = "Composite DVH — LIVER + L ILIUM"
    assert title in text and "Dose (Gy EQD2)" in text
    figure_text = text[text.index(title):text.index("Constraints on the composite")]
    for name in ("BOWEL_SMALL", "CAUDA_EQUINA"):
        assert name in figure_text  # in the figure's legend, above the table
    assert "mean-dose limit" not in figure_text  # no mean-dose limit on this composite
    rgb = _render(path, number)
    k, margin = DPI / 96.0, MARGIN_MM / 25.4 * DPI
    top, bottom = int(margin + item.top * k), int(margin + (item.top + item.height) * k)
    right = int(margin + (680 - LEGEND_W - 14) * k)  # the plot, not its legend column
    region = rgb[top:bottom, int(margin):right].astype(int)
    for dvh in item.block.dvhs:
        diff = np.abs(region - np.array(dvh.color_rgb)).max(axis=2)
        assert int(np.count_nonzero(diff <= 10)) >= 5, f"{dvh.name} colour {dvh.color_rgb} not in the plot"
    legend = rgb[top:bottom, right:].astype(int)
    for dvh in item.block.dvhs:
        diff = np.abs(legend - np.array(dvh.color_rgb)).max(axis=2)
        assert int(np.count_nonzero(diff <= 10)) >= 5, f"{dvh.name} not in the legend"
