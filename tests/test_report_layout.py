"""Report layout and honesty (issue 17): the DVH title on one line, Letter without a squeezed DVH,
no slice far from the target on a CT that does not reach it, no spacing claimed for a one-frame
dose, units in the constraint headers, a numbered source for every constraint row, the purpose
statement, software and protocol versions, the data it was computed from, illustrative timeline
values marked, and isodose lines that cannot be mistaken for contours."""
import copy
import dataclasses
import re

import numpy as np
import pytest

from report_support import SAMPLE, pdftotext, qt_app, sample_content, sample_pdf
from rtreview.core.viewing.captions import grid_spacing
from rtreview.core.viewing.colour_distance import DISTINCT_DE00, rgb_distance
from rtreview.core.viewing.contours import chain_segments, isoline_segments, isolines_mm


@pytest.fixture(scope="module")
def text():
    path, _pages = sample_pdf()
    return pdftotext(path)  # -layout: a table row is one line


@pytest.fixture(scope="module")
def flat():
    path, _pages = sample_pdf()
    return " ".join(pdftotext(path, layout=False).split())  # reading order, whitespace collapsed


def test_dvh_title_is_one_line(text):
    for label in ("LIVER", "L ILIUM"):
        line = next(ln for ln in text.splitlines() if f"Cumulative DVH — {label}" in ln)
        assert "(physical dose; volume in % of each structure inside the dose grid)" in line


def test_letter_keeps_the_dvh_size():
    from rtreview.report.dvh_figure import DvhFigure

    heights = {}
    for size in ("A4", "Letter"):
        _path, pages = sample_pdf(page_size=size)
        heights[size] = [p.height for page in pages for p in page if isinstance(p.block, DvhFigure)]
    assert heights["A4"] and heights["Letter"] == heights["A4"]


def test_constraint_tables_have_units_and_a_numbered_source_per_row(text, flat):
    assert "Value (Gy/%/cc)" in flat and "Limit (Gy/%/cc)" in flat and "Src" in flat
    content = sample_content()
    for section in content.sections:
        sources = list(dict.fromkeys(r.source.strip() for r in section.evaluation.results))
        assert all(sources)  # every shipped constraint states where its limit comes from
        for i, source in enumerate(sources, start=1):
            assert f"[{i}] {' '.join(source.split())[:40]}" in flat
    rows = [ln for ln in text.splitlines() if re.match(r"\s*(PASS|FAIL|MARGINAL|N/A)\s", ln)
            and not re.match(r"\s*N/A \S+ \S+: ", ln)]  # not the table's "N/A STRUCTURE METRIC: why" notes
    assert rows and all(re.search(r"\[\d+\]\s*$", ln) for ln in rows)


def test_purpose_software_protocols_and_data_are_stated(flat):
    assert "It is not a treatment record of the planning system" in flat
    assert "Software: rtreview " in flat and "pydicom" in flat
    assert "Constraint protocols used" in flat and "hcc_liver_50gy_25fx.json" in flat
    assert "Data this report was computed from" in flat
    for name in ("RP_LIVER.dcm", "RD_LIVER.dcm", "RS_SYNTHETIC.dcm", "RD_L_ILIUM.dcm"):
        assert name in flat
    import hashlib

    digest = hashlib.sha256((SAMPLE / "RD_LIVER.dcm").read_bytes()).hexdigest()
    assert all(digest[i:i + 8] in flat for i in range(0, 64, 8))  # printed in groups of 8 (wrapped)
    assert "No sign-off of these plans is recorded" in flat  # the blank form, to sign on paper


def test_illustrative_timeline_values_are_marked(flat):
    assert "* illustrative: a value the case report does not give" in flat
    assert "L ILIUM 30 Gy/10 fx *" in flat and "AFP *" in flat


def test_one_frame_dose_claims_no_slice_spacing():
    x, y = np.arange(0, 100, 10.0), np.arange(0, 50, 10.0)
    assert grid_spacing(x, y, np.array([12.5])) == "10 × 10 mm, one frame (z = 12.5 mm)"
    assert grid_spacing(x, y, np.array([0.0, 2.5, 5.0])) == "10 × 10 × 2.5 mm"


def _render(content, tmp_path, name):
    from rtreview.report.builder import render

    qt_app()
    path = tmp_path / name
    render(content, str(path))
    return " ".join(pdftotext(path, layout=False).split())


def test_a_ct_that_does_not_reach_the_target_gets_no_slice(tmp_path):
    content = copy.copy(sample_content())
    section = copy.copy(content.sections[0])
    ct = section.link.ct
    far = dataclasses.replace(ct, hu=ct.hu[:1], z_mm=np.array([ct.z_mm[0]]))  # one slice, far below the liver
    section.link = dataclasses.replace(section.link, ct=far)
    content.sections = [section]
    content.composite = None
    flat = _render(content, tmp_path, "one-slice.pdf")
    assert "Axial CT slice: not shown" in flat
    assert "The CT does not reach PTV_LIVER's largest cross-section" in flat
    assert f"1 slice at z = {ct.z_mm[0]:.1f} mm" in flat
    assert "Axial CT slice at z" not in flat


def test_isodoses_are_dashed_in_colours_clear_of_the_structures():
    from PySide6 import QtCore

    from rtreview.report.slice_figure import ISODOSE_LEVELS, dashed_pen, isodose_colours

    qt_app()
    link = sample_content().sections[0].link
    colours = isodose_colours(ISODOSE_LEVELS, link.prescription_gy, link.structure_set)
    for rgb in colours.values():
        assert min(rgb_distance(rgb, r.color_rgb) for r in link.structure_set.rois) >= DISTINCT_DE00
    pen = dashed_pen((255, 0, 0), 1.3)
    assert pen.style() == QtCore.Qt.PenStyle.CustomDashLine and pen.dashPattern()


def test_isolines_are_joined_so_a_dash_pattern_runs_along_them():
    yy, xx = np.mgrid[-40:41, -40:41]
    disc = 100.0 - np.hypot(xx, yy)
    for level in (70.0, 70.5):  # 70: the circle passes through grid vertices
        segments = isoline_segments(disc, level)
        lines = chain_segments(segments)
        assert len(lines) == 1
        assert np.allclose(lines[0][0], lines[0][-1])  # closed
        assert len(lines[0]) - 1 == len(segments[np.any(segments[:, 0] != segments[:, 1], axis=1)])
    xs, ys = isolines_mm(disc, 70.5, np.arange(81.0) - 40, np.arange(81.0) - 40)
    assert np.isnan(xs).sum() == 1
    r = np.hypot(xs[~np.isnan(xs)], ys[~np.isnan(ys)])
    assert np.allclose(r, 29.5, atol=0.1)


def test_constraint_marks_are_labelled_and_never_hide_each_other():
    import itertools

    from PySide6 import QtCore, QtGui

    from rtreview.core.viewing.label_layout import overlap
    from rtreview.report.builder import build_blocks
    from rtreview.report.deidentify import Redactor
    from rtreview.report.document import Canvas
    from rtreview.report.dvh_figure import DvhFigure

    qt_app()
    content = sample_content()
    figures = [b for b in build_blocks(content, Redactor(False), False) if isinstance(b, DvhFigure)]
    assert figures
    image = QtGui.QImage(800, 400, QtGui.QImage.Format.Format_RGB32)
    painter = QtGui.QPainter(image)
    try:
        canvas = Canvas(painter, image, Redactor(False))
        plot = QtCore.QRectF(40, 30, 560, 300)

        def to_px(x, y, fig=None):
            return 40 + np.asarray(x) / fig.x_max() * 560, 330 - np.asarray(y) / 100.0 * 300

        for fig in figures:
            placed = fig.mark_layout(plot, lambda x, y, f=fig: to_px(x, y, f), canvas)
            assert len(placed) == len(fig.marks) > 0
            names = {d.name for d in fig.dvhs}
            for mark, _pl in placed:  # structure + metric
                name, metric = mark.label.rsplit(" ", 1)
                assert name in names and metric[0] in "DV"
            boxes = [pl.label for _m, pl in placed] + [(pl.marker[0] - 6, pl.marker[1] - 6, 12, 12)
                                                        for _m, pl in placed]
            bad = [(a, b) for a, b in itertools.combinations(boxes, 2) if overlap(a, b) > 0]
            assert not bad, bad
    finally:
        painter.end()
