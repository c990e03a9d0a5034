"""The composite across CTs: the sample with the L ILIUM course on its own CT (known rigid offset,
REG) gives the same composite as the sample with both courses on one CT, within 0.5 Gy EQD2 per
metric; a missing registration is named; the registration is named in check's JSON."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from rtreview.core.compare.composite_frames import check_across_frames, composite_groups
from rtreview.core.constraints import shipped_protocols
from rtreview.core.constraints.plan_check import suggest_for_link
from rtreview.core.dicom.loader import load

TOLERANCE_GY = 0.5  # Gy EQD2, per metric (the acceptance figure)


def composite(folder):
    case = load(folder)
    patient = case.patients[0]
    links = [patient.link_for_plan("LIVER"), patient.link_for_plan("L ILIUM")]
    protocols = [suggest_for_link(shipped_protocols(), link) for link in links]
    return check_across_frames(case, links, protocols, all_structures=True)


def metrics(dvh) -> dict[str, float]:
    return {"mean": dvh.mean_gy, "max": dvh.max_gy, "D2%": dvh.d_pct(2), "D50%": dvh.d_pct(50),
            "D95%": dvh.d_pct(95), "D0.03cc": dvh.d_cc(0.03), "D2cc": dvh.d_cc(2.0)}


def test_two_ct_composite_equals_one_ct(one_ct_sample, two_ct_sample):
    one, one_maps = composite(one_ct_sample)
    two, two_maps = composite(two_ct_sample)
    assert all(m.is_identity for m in one_maps)
    assert two_maps[1].kind == "RIGID" and two_maps[1].files[0].endswith("REG_CT2_TO_CT1.dcm")
    assert any("REG_CT2_TO_CT1.dcm" in n for n in two.notes) and not any("REG" in n for n in one.notes)
    common = sorted(set(one.dvhs) & set(two.dvhs))
    assert {"Bowel_Small", "CaudaEquina"} <= set(common)
    worst = 0.0
    for name in common:
        a, b = metrics(one.dvhs[name]), metrics(two.dvhs[name])
        for key in a:
            if np.isfinite(a[key]) and np.isfinite(b[key]):
                worst = max(worst, abs(a[key] - b[key]))
                assert abs(a[key] - b[key]) <= TOLERANCE_GY, (name, key, a[key], b[key])
    assert worst > 0  # the two-CT path really resampled something
    rows_one = {(r.structure, r.metric, r.level): r for r in one.results}
    rows_two = {(r.structure, r.metric, r.level): r for r in two.results}
    assert rows_one.keys() == rows_two.keys()
    for key, r in rows_one.items():
        assert r.status == rows_two[key].status, key
        if r.unit.startswith("Gy") and r.value is not None:
            assert abs(r.value - rows_two[key].value) <= TOLERANCE_GY, key


def test_missing_registration_is_named(two_ct_sample, tmp_path):
    folder = tmp_path / "no_reg"
    shutil.copytree(two_ct_sample, folder, ignore=shutil.ignore_patterns("REG_*"))
    case = load(folder)
    patient = case.patients[0]
    links = [patient.link_for_plan("LIVER"), patient.link_for_plan("L ILIUM")]
    assert composite_groups(case, links, lambda i: True) == []  # no group: the frames are not joined
    protocols = [suggest_for_link(shipped_protocols(), link) for link in links]
    ev, mappings = check_across_frames(case, links, protocols)
    assert mappings is None and not ev.results
    assert any("no registration links" in n and "L ILIUM" in n and "no Spatial Registration" in n for n in ev.notes)


def test_check_json_names_the_registration(two_ct_sample):
    out = subprocess.run([sys.executable, "-m", "rtreview", "check", str(two_ct_sample), "--format", "json"],
                         capture_output=True, text=True)
    assert out.returncode in (0, 3), out.stderr
    comp = json.loads(out.stdout)["composite"]
    assert comp["plans"] == ["LIVER", "L ILIUM"]
    reg = {r["plan_label"]: r for r in comp["registrations"]}
    assert reg["LIVER"]["type"] == "IDENTITY" and reg["L ILIUM"]["type"] == "RIGID"
    m = np.array(reg["L ILIUM"]["matrix"])
    a = np.radians(3.0)  # the generator's offset: 3 degrees about z, (35, -20, 60) mm
    expected = np.array([[np.cos(a), -np.sin(a), 0, 35.0], [np.sin(a), np.cos(a), 0, -20.0], [0, 0, 1, 60.0],
                         [0, 0, 0, 1]])
    np.testing.assert_allclose(m, expected, atol=1e-6)
    assert comp["results"]


def test_window_shows_the_composite_with_its_registration(qtbot, tmp_path, two_ct_sample):
    from gui_helpers import window_with

    w = window_with(qtbot, tmp_path, [two_ct_sample])
    panel = w.constraints
    qtbot.waitUntil(lambda: not panel.busy and panel.evaluations.get("composite") is not None, timeout=120_000)
    ev = panel.evaluations["composite"]
    assert ev.results and [g.label for g in panel.composite_group] == ["LIVER", "L ILIUM"]
    assert panel.tabs.tabText(1) == "Composite LIVER + L ILIUM"
    assert "REG_CT2_TO_CT1.dcm" in panel.composite_tab.notes.text()
    assert panel.composite_table.rowCount() == len(ev.results)
