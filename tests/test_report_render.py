"""Rendered pages: none blank, the DVH plot area shows every plotted structure in its colour,
the DVH is vector (no image on its page apart from the CT), fonts are embedded, both page sizes."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PySide6 import QtGui

from report_support import pdftotext, qt_app, sample_pdf

DPI = 100


def _render(path, page: int, dpi: int = DPI) -> np.ndarray:
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(path)],
                         check=True, capture_output=True).stdout
    qt_app()
    image = QtGui.QImage.fromData(out, "PNG").convertToFormat(QtGui.QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return arr[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def test_no_page_is_blank_and_every_page_is_numbered():
    path, pages = sample_pdf()
    assert len(pages) >= 4
    texts = pdftotext(path).split("\f")
    for number in range(1, len(pages) + 1):
        assert f"Page {number} of {len(pages)}" in texts[number - 1]
        assert "SYNTHETIC SAMPLE (RTR-SAMPLE-001)" in texts[number - 1]  # the patient on every page
    for number in range(1, len(pages) + 1):
        rgb = _render(path, number, 40)
        ink = np.mean(np.any(rgb < 200, axis=2))
        assert ink > 0.02, f"page {number} is (nearly) blank: {ink:.3%} ink"


def test_dvh_plot_area_has_every_structure_colour():
    from rtreview.report.document import MARGIN_MM
    from rtreview.report.dvh_figure import LEGEND_W, DvhFigure

    path, pages = sample_pdf()
    placed = [(n, item) for n, page in enumerate(pages, start=1) for item in page if isinstance(item.block, DvhFigure)]
    assert len(placed) == 3  # one per plan, and the composite's (EQD2)
    for number, item in placed:
        rgb = _render(path, number)
        k, margin = DPI / 96.0, MARGIN_MM / 25.4 * DPI
        top, bottom = int(margin + item.top * k), int(margin + (item.top + item.height) * k)
        right = int(margin + (680 - LEGEND_W - 14) * k)  # the plot, not its legend column
        region = rgb[top:bottom, int(margin):right].astype(int)
        assert region.size
        for dvh in item.block.dvhs:
            diff = np.abs(region - np.array(dvh.color_rgb)).max(axis=2)
            hits = int(np.count_nonzero(diff <= 10))
            assert hits >= 5, f"page {number}: {dvh.name} colour {dvh.color_rgb} not in the DVH plot ({hits} px)"


def test_dvh_is_vector_and_fonts_are_embedded():
    path, pages = sample_pdf()
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in row[-5:-3] for row in rows), fonts  # 'emb' column
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    if images.returncode == 0:  # one image (the CT slice) per plan section, nothing else
        listed = [line for line in images.stdout.splitlines()[2:] if line.strip()]
        assert len(listed) <= 2 * 2, images.stdout  # an image may come with its soft mask
    text = pdftotext(path)
    assert "Dose (Gy)" in text and "Volume (%)" in text  # axis labels are text


@pytest.mark.parametrize("size, points", [("A4", (595, 842)), ("Letter", (612, 792))])
def test_page_sizes(size, points):
    path, pages = sample_pdf(False, size)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    line = next(x for x in info.splitlines() if x.startswith("Page size"))
    w, h = (float(v) for v in line.split(":")[1].split("pts")[0].split("x"))
    assert (round(w), round(h)) == points
    assert f"Page {len(pages)} of {len(pages)}" in pdftotext(path)
