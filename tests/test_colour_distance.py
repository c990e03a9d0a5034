"""The colour-distance rule: CIEDE2000 against its published test data, sRGB -> CIELAB, line
styles for close structure colours and isodose colours kept clear of the sample's structures."""
import csv
import itertools
from pathlib import Path

import pytest

from rtreview.core.viewing import isodose
from rtreview.core.viewing.colour_distance import DISTINCT_DE00, ciede2000, rgb_distance, srgb_to_lab
from rtreview.core.viewing.curve_styles import (ISODOSE_DASH, LINE_STYLES, MIN_ISODOSE_LIGHTNESS, close_pairs,
                                                curve_styles, distance, isodose_palette)

SHARMA = Path(__file__).parent / "data" / "ciede2000" / "sharma_wu_dalal_2005.csv"


def _pairs():
    with SHARMA.open() as stream:
        return [tuple(float(row[k]) for k in ("L1", "a1", "b1", "L2", "a2", "b2", "dE00"))
                for row in csv.DictReader(stream)]


def test_ciede2000_matches_the_34_published_pairs_to_4_decimals():
    pairs = _pairs()
    assert len(pairs) == 34
    for l1, a1, b1, l2, a2, b2, expected in pairs:
        assert round(ciede2000((l1, a1, b1), (l2, a2, b2)), 4) == pytest.approx(expected, abs=1e-4)
        assert ciede2000((l2, a2, b2), (l1, a1, b1)) == pytest.approx(ciede2000((l1, a1, b1), (l2, a2, b2)))


def test_srgb_to_lab_of_the_primaries_and_white():
    # D65 CIELAB of the sRGB primaries (IEC 61966-2-1 matrix), as colour-science tables give them
    assert srgb_to_lab((255, 255, 255)) == pytest.approx((100.0, 0.0, 0.0), abs=1e-3)
    assert srgb_to_lab((0, 0, 0)) == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)
    assert srgb_to_lab((255, 0, 0)) == pytest.approx((53.2408, 80.0925, 67.2032), abs=2e-3)
    assert srgb_to_lab((0, 255, 0)) == pytest.approx((87.7347, -86.1827, 83.1793), abs=2e-3)
    assert srgb_to_lab((0, 0, 255)) == pytest.approx((32.2970, 79.1875, -107.8602), abs=2e-3)
    assert rgb_distance((10, 20, 30), (10, 20, 30)) == 0.0


def _sample_colours() -> dict[str, tuple[int, int, int]]:
    from report_support import sample_case

    ss = sample_case().links[0].structure_set
    return {r.name: tuple(r.color_rgb) for r in ss.rois}


def test_the_issue_pairs_are_too_close_and_get_different_line_styles():
    colours = _sample_colours()
    # the pairs a reviewer could not tell apart on the DVH (issue 17)
    assert rgb_distance(colours["LIVER"], colours["BOWEL_SMALL"]) < DISTINCT_DE00
    assert rgb_distance(colours["KIDNEY_R"], colours["SPINAL_CORD"]) < DISTINCT_DE00
    liver_plot = ["GTV_LIVER", "PTV_LIVER", "LIVER", "STOMACH", "DUODENUM", "KIDNEY_L", "KIDNEY_R",
                  "SPINAL_CORD", "BOWEL_SMALL", "CAUDA_EQUINA"]
    styles = curve_styles([(n, colours[n]) for n in liver_plot])
    assert styles["LIVER"].style != styles["BOWEL_SMALL"].style
    assert styles["KIDNEY_R"].style != styles["SPINAL_CORD"].style
    # every pair closer than the threshold differs in style or (adjusted) colour
    for a, b in itertools.combinations(liver_plot, 2):
        sa, sb = styles[a], styles[b]
        if distance(sa.rgb, sb.rgb) < DISTINCT_DE00:
            assert sa.style != sb.style, (a, b)
    # the structure set's colours are kept where a style suffices
    assert all(styles[n].rgb == colours[n] for n in liver_plot if not styles[n].adjusted)
    assert styles["GTV_LIVER"].style == "solid"  # the first curve drawn keeps the plain line


def test_colour_is_adjusted_when_every_style_is_taken():
    yellows = [(f"Y{i}", (255, 200 + i, 0)) for i in range(len(LINE_STYLES) + 1)]
    styles = curve_styles(yellows)
    assert [styles[k].style for k, _ in yellows[:len(LINE_STYLES)]] == list(LINE_STYLES)
    last = styles[yellows[-1][0]]
    assert last.adjusted and all(distance(last.rgb, styles[k].rgb) >= DISTINCT_DE00 for k, _ in yellows[:-1])
    assert close_pairs({"a": (255, 0, 0), "b": (250, 5, 5), "c": (0, 0, 255)})[0][:2] == ("a", "b")


def test_isodose_colours_keep_clear_of_every_sample_structure_colour():
    colours = _sample_colours()
    for levels in (isodose.DEFAULT_LEVELS_PCT, (110.0, 100.0, 50.0), (105.0, 95.0, 90.0, 20.0, 10.0)):
        palette = isodose_palette([isodose.isodose_color(v) for v in levels], colours.values())
        assert len(palette) == len(levels)
        for rgb in palette:
            nearest = min(rgb_distance(rgb, c) for c in colours.values())
            assert nearest >= DISTINCT_DE00, (rgb, nearest)
            assert srgb_to_lab(rgb)[0] >= MIN_ISODOSE_LIGHTNESS, rgb  # reads on dark CT (105 % was L* 43)
        for a, b in itertools.combinations(palette, 2):
            assert rgb_distance(a, b) >= DISTINCT_DE00
    # isodose lines are dashed; structure contours are drawn solid (LINE_STYLES['solid'])
    assert ISODOSE_DASH and LINE_STYLES["solid"] == ()
