"""Stored (planning system) vs computed DVHs on the dicompyler-core example, the one shared file
with a DVH Sequence (9 cumulative DVHs, cGy-free: DoseUnits GY, bin width 0.01 Gy)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pydicom
import pytest

from rtreview.core.compare.stored_dvh import (DOSE_TOLERANCE_GY, DOSE_TOLERANCE_PERCENT, VOLUME_TOLERANCE_PERCENT,
                                              compare_all)
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import compute_dvhs


@pytest.fixture(scope="module")
def example(reference_dicom):
    folder = reference_dicom / "dicompyler-core-example"
    case = load(folder)
    link = case.links[0]
    return folder, link, compute_dvhs(link.structure_set, link.dose)


def raw_metrics(item):
    """Volume, mean, D95, D2 from the raw DVHData pairs, written out step by step."""
    data = [float(v) for v in item.DVHData]
    widths, volumes = data[0::2], data[1::2]
    edges = [0.0]
    for w in widths:
        edges.append(edges[-1] + w)
    v0 = volumes[0]
    area = 0.0
    for i in range(len(volumes) - 1):
        area += 0.5 * (volumes[i] + volumes[i + 1]) * (edges[i + 1] - edges[i])

    def dose_at(target):
        last = max(i for i, v in enumerate(volumes) if v >= target)
        if last + 1 == len(volumes):
            return edges[last]
        a, b = volumes[last], volumes[last + 1]
        return edges[last] + (a - target) / (a - b) * (edges[last + 1] - edges[last]) if a > b else edges[last]
    return {"volume_cc": v0, "mean_gy": area / v0, "d95_gy": dose_at(0.95 * v0), "d2_gy": dose_at(0.02 * v0)}


def test_stored_metrics_equal_the_raw_file_and_the_flags_follow_the_tolerance(example):
    folder, link, dvhs = example
    rows = compare_all(dvhs, link.dose)
    ds = pydicom.dcmread(folder / "rtdose.dcm")
    items = {int(i.DVHReferencedROISequence[0].ReferencedROINumber): i for i in ds.DVHSequence}
    assert [r.roi_number for r in rows] == sorted(set(items) & set(dvhs))
    assert len(rows) == 9
    for row in rows:
        raw = raw_metrics(items[row.roi_number])
        for key, value in raw.items():
            assert row.stored[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (row.name, key)
        dvh = dvhs[row.roi_number]
        assert row.ours == {"volume_cc": dvh.volume_cc, "mean_gy": dvh.mean_gy,
                            "d95_gy": dvh.d_pct(95), "d2_gy": dvh.d_pct(2)}
        for key in raw:
            diff = row.ours[key] - raw[key]
            assert row.difference[key] == pytest.approx(diff)
            limit = (VOLUME_TOLERANCE_PERCENT / 100 * raw[key] if key == "volume_cc"
                     else max(DOSE_TOLERANCE_PERCENT / 100 * raw[key], DOSE_TOLERANCE_GY))
            assert (key in row.flagged) == (abs(diff) > limit), (row.name, key, diff, limit)
    by_name = {r.name: r for r in rows}
    # known facts of this pair (docs/dvh.md): large organs agree, 2-6-plane ROIs differ in volume
    assert by_name["Heart"].flagged == [] and by_name["Tumor Bed"].flagged == []
    assert "volume_cc" in by_name["Borders"].flagged and "volume_cc" in by_name["Scar"].flagged


def test_curve_mean_matches_the_files_own_mean_dose(example):
    """An independent check of the stored-curve mean: the file's DVHMeanDose, which this planning
    system wrote in percent of the 14 Gy prescription (despite DoseUnits GY). It counts every
    0.01 Gy bin at its upper edge; our curve mean (trapezoids) counts it at its middle, so the
    two differ by half a bin (0.005 Gy). BODY is left out: its stated mean (0.462 Gy) lies outside
    what its own curve allows (0.478-0.488 Gy for any dose inside the bins)."""
    folder, link, dvhs = example
    ds = pydicom.dcmread(folder / "rtdose.dcm")
    rx = link.plan.prescription_gy
    assert rx == pytest.approx(14.0)
    means = {int(i.DVHReferencedROISequence[0].ReferencedROINumber): float(i.DVHMeanDose) * rx / 100
             for i in ds.DVHSequence}
    checked = 0
    for row in compare_all(dvhs, link.dose):
        if row.name == "BODY":
            assert not means[row.roi_number] == pytest.approx(row.stored["mean_gy"], abs=0.01)
            continue
        assert row.stored["mean_gy"] == pytest.approx(means[row.roi_number] - 0.005, abs=0.001), row.name
        checked += 1
    assert checked == 8


def test_cli_dvh_stored_json(example):
    folder, _link, _dvhs = example
    out = subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(folder), "--stored"],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    structures = {s["name"]: s for s in result["doses"][0]["structures"]}
    heart = structures["Heart"]["stored"]
    assert heart["volume_cc"] == pytest.approx(437.4623, abs=1e-3)
    assert heart["difference"]["mean_gy"] == pytest.approx(structures["Heart"]["mean_gy"] - heart["mean_gy"], abs=2e-4)
    assert heart["flagged"] == [] and "0.5 Gy" in heart["tolerance"]
    assert structures["Borders"]["stored"]["flagged"] == ["volume_cc"]
    assert len(heart["cumulative"]["dose_gy"]) == len(heart["cumulative"]["volume"]) == 311
    # without --stored the key is absent (output unchanged for existing scripts)
    plain = subprocess.run([sys.executable, "-m", "rtreview", "dvh", str(folder)], capture_output=True, text=True,
                           check=True)
    assert "stored" not in json.loads(plain.stdout)["doses"][0]["structures"][0]
