"""`rtreview dvh` on the sample equals, number for number, the stored output of the code that last
regenerated tests/data/dvh_sample.json.xz (see tests/data/README.md for when that is legitimate)."""
from __future__ import annotations

import json
import math
import subprocess
import sys

from conftest import REPO, SAMPLE_DICOM
from dvh_regression import differences, load_stored, normalized


def test_sample_output_equals_the_stored_result_number_for_number():
    out = subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(SAMPLE_DICOM)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = normalized(json.loads(out.stdout), SAMPLE_DICOM)
    stored = load_stored()
    assert differences(stored, result) == []
    from rtreview.core.dicom.loader import load

    contoured = sum(sum(1 for r in link.structure_set.rois if not r.is_empty) for link in load([str(SAMPLE_DICOM)]).links)
    assert contoured == 18 + 13  # LIVER on CT 1 (18 ROIs), L ILIUM on CT 2 (13 ROIs: tools/sample_patient/second_ct.py)
    assert sum(len(d["structures"]) for d in stored["doses"]) == contoured  # both plans, every ROI with contours


def test_the_comparison_sees_a_one_ulp_change_and_an_int_turned_float():
    stored = load_stored()
    changed = json.loads(json.dumps(stored))
    longest = max(changed["doses"][1]["structures"], key=lambda s: len(s["cumulative"]["volume_cc"]))
    curve = longest["cumulative"]["volume_cc"]
    assert curve[10] > 0
    curve[10] = math.nextafter(curve[10], math.inf)
    changed["doses"][0]["structures"][0]["roi_number"] = float(changed["doses"][0]["structures"][0]["roi_number"])
    found = differences(stored, changed)
    assert len(found) == 2
    assert "cumulative.volume_cc[10]" in found[1] and "roi_number: int" in found[0]
