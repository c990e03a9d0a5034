"""SBRT protocols and the protocol-format extensions of issue 16: spared-volume metrics
(CVxGy_cc, DCxcc) evaluated on analytic DVHs, Child-Pugh variants (``applies_when``), the
``sbrt`` flag (picked by fraction count and dose per fraction, never converted to conventional
plans, conventional protocols never extrapolated to SBRT), NTCP declarations, and the shipped
files equal to tools/make_sbrt_protocols.py with the line-by-line source table in
docs/protocols.md."""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from constraints_support import LinearDvh, protocol_dict
from rtreview.core.constraints import ProtocolError, evaluate, protocol_from_dict, shipped_protocols
from rtreview.core.constraints.evaluation import NEEDS_CHILD_PUGH, NEEDS_CONVENTIONAL, NEEDS_SBRT
from rtreview.core.constraints.results import Status
from rtreview.core.constraints.suggestion import suggest

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("make_sbrt_protocols", ROOT / "tools" / "make_sbrt_protocols.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _spared_protocol(constraints, *, sbrt=True, fractions=3, rx=45.0, population=None):
    doc = protocol_dict()
    doc["fractionation"] = {"prescription_gy": rx, "fractions": fractions}
    doc["marginal_band_pct"] = 0
    if sbrt:
        doc["sbrt"] = True
    if population:
        doc["population"] = {"child_pugh": population}
    doc["structures"][3]["constraints"] = constraints
    return protocol_from_dict(doc)


def _cv(limit=700.0, level_gy=15.0, fx=3, **extra):
    return {"metric": f"CV{level_gy:g}Gy_cc", "comparator": ">=", "limit": limit, "dose_basis": "physical",
            "basis_fractions": fx, "level": "mandatory", "source": "QUANTEC Pan 2010 (test)", **extra}


def test_generated_files_equal_the_tool_output():
    for name, text in _tool().outputs().items():
        assert (ROOT / "resources" / "protocols" / name).read_text(encoding="utf-8") == text, name


def test_docs_hold_the_line_by_line_source_table():
    table = _tool().source_table()
    assert table in (ROOT / "docs" / "protocols.md").read_text(encoding="utf-8")
    # one line per shipped SBRT limit
    rows = sum(len(s.constraints) for p in shipped_protocols() if p.sbrt for s in p.structures)
    assert len(table.strip().splitlines()) == rows + 2


def test_sbrt_limits_read_back_from_the_files():
    by_name = {p.name: p for p in shipped_protocols()}
    bone1 = by_name["Bone/spine SBRT 1 fx"]
    cord = {(c.metric.name, c.limit, c.level) for c in bone1.structure("SpinalCord").constraints}
    assert cord == {("D0.035cc", 14.0, "mandatory"), ("D0.035cc", 12.4, "optimal"),
                    ("D0.35cc", 10.0, "mandatory"), ("D1.2cc", 7.0, "mandatory")}
    cauda5 = {(c.metric.name, c.limit) for c in by_name["Bone/spine SBRT 5 fx"].structure("CaudaEquina").constraints}
    assert cauda5 == {("D0.035cc", 32.0), ("D5cc", 30.0)}
    plexus3 = {(c.metric.name, c.limit) for c in by_name["Bone/spine SBRT 3 fx"].structure("SacralPlex").constraints}
    assert plexus3 == {("D0.035cc", 24.0), ("D5cc", 22.5)}
    liver3 = by_name["Liver SBRT 3 fx (HCC)"].structure("Liver-GTV")
    got = {(c.metric.name, c.comparator, c.limit, c.basis_fractions, c.child_pugh) for c in liver3.constraints}
    assert got == {("CV15Gy_cc", ">=", 700.0, 3, ()), ("Dmean", "<=", 13.0, 3, ("A",))}
    liver5 = by_name["Liver SBRT 5 fx (HCC)"].structure("Liver-GTV")
    assert ("Dmean", "<=", 18.0, 6, ("A",)) in {(c.metric.name, c.comparator, c.limit, c.basis_fractions,
                                                 c.child_pugh) for c in liver5.constraints}
    assert [n.model for n in liver3.ntcp] == ["rild_primary_liver_dawson2002"]
    for p in shipped_protocols():
        if p.sbrt:
            for s in p.structures:
                for c in s.constraints:
                    if c.unit != "%Rx":
                        assert c.basis_fractions == (6 if c.metric.kind == "Dmean" and p.fractions == 5
                                                     else p.fractions), (p.name, s.name, c.metric.name)


# -- spared volume on an analytic DVH ------------------------------------------------------------

@pytest.mark.parametrize("volume, lo, hi, spared, status", [
    (1500.0, 0.0, 30.0, 750.0, Status.PASS),   # half of 1500 cc below 15 Gy
    (1200.0, 0.0, 30.0, 600.0, Status.FAIL),   # half of 1200 cc: 600 < 700
    (1000.0, 5.0, 25.0, 500.0, Status.FAIL),
    (1000.0, 0.0, 14.0, 1000.0, Status.PASS),  # all below 15 Gy
])
def test_spared_volume_limit_on_a_linear_dvh(volume, lo, hi, spared, status):
    proto = _spared_protocol([_cv()])
    dvh = LinearDvh(lo, hi, volume_cc=volume)
    (res,) = [r for r in evaluate(proto, {"Liver-GTV": dvh}, fractions=3, prescription_gy=45.0,
                                  dose_per_fraction_gy=15.0).results if r.structure == "Liver-GTV"]
    assert res.metric == "CV15Gy_cc" and res.unit == "cc"
    assert res.value == pytest.approx(spared, rel=1e-9)
    assert res.status is status
    assert res.threshold_gy == pytest.approx(15.0)
    # drawn on the cumulative DVH as "at most covered - 700 cc at or above 15 Gy"
    marker = res.limit_marker()
    assert marker is not None and marker.dose_gy == pytest.approx(15.0)
    assert marker.volume == pytest.approx(volume - 700.0) and marker.volume_unit == "cc"


def test_spared_volume_threshold_is_converted_to_another_fraction_count():
    """A 15 Gy / 3 fx level applied to a 5-fraction plan: the level is iso-effective (LQ, α/β 3)."""
    proto = _spared_protocol([_cv()], fractions=3)
    dvh = LinearDvh(0.0, 40.0, volume_cc=2000.0)
    (res,) = [r for r in evaluate(proto, {"Liver-GTV": dvh}, fractions=5, prescription_gy=50.0,
                                  dose_per_fraction_gy=10.0).results if r.structure == "Liver-GTV"]
    # 3 fx of 5 Gy at α/β 3: BED 40 Gy; 5 fx of d: 5 d (1 + d/3) = 40 -> d = (-1 + sqrt(1 + 4*8/3))*3/2
    d = (-1.0 + math.sqrt(1.0 + 4.0 * 8.0 / 3.0)) * 1.5
    assert res.threshold_gy == pytest.approx(5 * d, rel=1e-9)
    assert res.value == pytest.approx(2000.0 * 5 * d / 40.0, rel=1e-9)
    assert res.limit_converted


def test_dose_complement_and_a_structure_smaller_than_the_spared_volume():
    dc = {"metric": "DC700cc", "comparator": "<=", "limit": 15, "dose_basis": "physical", "basis_fractions": 3,
          "level": "mandatory", "source": "QUANTEC Pan 2010 (test)"}
    proto = _spared_protocol([dc])
    ok = evaluate(proto, {"Liver-GTV": LinearDvh(0.0, 30.0, volume_cc=1500.0)}, fractions=3, prescription_gy=45.0,
                  dose_per_fraction_gy=15.0)
    (res,) = [r for r in ok.results if r.structure == "Liver-GTV"]
    assert res.value == pytest.approx(30.0 * 700.0 / 1500.0) and res.status is Status.PASS  # 14 Gy
    assert res.limit_marker().volume == pytest.approx(800.0)
    small = evaluate(proto, {"Liver-GTV": LinearDvh(0.0, 10.0, volume_cc=500.0)}, fractions=3, prescription_gy=45.0,
                     dose_per_fraction_gy=15.0)
    (res,) = [r for r in small.results if r.structure == "Liver-GTV"]
    assert res.status is Status.FAIL and "smaller than the 700 cc" in res.note


def test_spared_volume_format_errors_name_the_field():
    with pytest.raises(ProtocolError, match="dose_basis"):
        _spared_protocol([{k: v for k, v in _cv().items() if k != "dose_basis"}])
    with pytest.raises(ProtocolError, match="applies_when"):
        _spared_protocol([_cv(applies_when={"child_pugh": ["D"]})])
    with pytest.raises(ProtocolError, match="applies_when"):
        _spared_protocol([_cv(applies_when={"albi": [1]})])
    doc = protocol_dict()
    doc["structures"][3]["ntcp"] = [{"model": "no_such_model"}]
    with pytest.raises(ProtocolError, match="ntcp"):
        protocol_from_dict(doc)
    doc["structures"][3]["ntcp"] = [{"model": "rild_primary_liver_dawson2002", "level": "mandatory"}]
    with pytest.raises(ProtocolError, match="limit_pct"):
        protocol_from_dict(doc)


# -- Child-Pugh variants --------------------------------------------------------------------------

def _variants():
    a = _cv(limit=700.0, applies_when={"child_pugh": ["A"]})
    b = _cv(limit=1000.0, applies_when={"child_pugh": ["B"]})
    return _spared_protocol([a, b, _cv(limit=500.0)], population=["A", "B"])


def _liver_rows(child_pugh):
    dvh = LinearDvh(0.0, 30.0, volume_cc=1700.0)  # 850 cc below 15 Gy
    ev = evaluate(_variants(), {"Liver-GTV": dvh}, fractions=3, prescription_gy=45.0, dose_per_fraction_gy=15.0,
                  child_pugh=child_pugh, child_pugh_text=f"Child-Pugh {child_pugh} on 2024-01-01" if child_pugh else "")
    return [r for r in ev.results if r.structure == "Liver-GTV"], ev


def test_child_pugh_selects_the_variant():
    rows, _ = _liver_rows("A")
    assert [(r.limit, r.status) for r in rows] == [(700.0, Status.PASS), (500.0, Status.PASS)]
    assert "Child-Pugh A on 2024-01-01" in rows[0].note and rows[0].to_dict()["applies_when"] == {"child_pugh": ["A"]}
    rows, _ = _liver_rows("B")
    assert [(r.limit, r.status) for r in rows] == [(1000.0, Status.FAIL), (500.0, Status.PASS)]
    assert "[Child-Pugh B]" in rows[0].limit_as_written


def test_unknown_child_pugh_is_needs_child_pugh_not_a_guess():
    rows, _ = _liver_rows(None)
    assert [(r.limit_as_written, r.status) for r in rows] == [
        ("CV15Gy_cc >= 700 cc (in 3 fx) [Child-Pugh A]", Status.NOT_EVALUABLE),
        ("CV15Gy_cc >= 1000 cc (in 3 fx) [Child-Pugh B]", Status.NOT_EVALUABLE),
        ("CV15Gy_cc >= 500 cc (in 3 fx)", Status.PASS)]
    assert all(r.note.startswith(NEEDS_CHILD_PUGH) for r in rows[:2])


def test_a_class_outside_the_studied_population_gets_a_note():
    _, ev = _liver_rows("C")
    assert any("Child-Pugh A/B" in n and "Child-Pugh C" in n for n in ev.notes)


# -- SBRT vs conventional --------------------------------------------------------------------------

def test_sbrt_limits_are_not_converted_to_a_conventional_plan_and_vice_versa():
    sbrt = _spared_protocol([_cv()])
    (res,) = [r for r in evaluate(sbrt, {"Liver-GTV": LinearDvh(0.0, 30.0, 1500.0)}, fractions=25,
                                  prescription_gy=50.0, dose_per_fraction_gy=2.0).results if r.structure == "Liver-GTV"]
    assert res.status is Status.NOT_EVALUABLE and res.note.startswith(NEEDS_CONVENTIONAL)
    conventional = _spared_protocol([_cv(fx=25)], sbrt=False, fractions=25, rx=50.0)
    (res,) = [r for r in evaluate(conventional, {"Liver-GTV": LinearDvh(0.0, 30.0, 1500.0)}, fractions=3,
                                  prescription_gy=45.0, dose_per_fraction_gy=15.0).results
              if r.structure == "Liver-GTV"]
    assert res.status is Status.NOT_EVALUABLE and res.note.startswith(NEEDS_SBRT)


@pytest.mark.parametrize("fractions, rx, targets, rois, expected", [
    (3, 45.0, ["PTV_HCC"], ["Liver", "Stomach", "Duodenum"], "Liver SBRT 3 fx (HCC)"),
    (5, 50.0, ["PTV_Liver"], ["Liver", "Stomach", "Kidney_L"], "Liver SBRT 5 fx (HCC)"),
    (25, 50.0, ["PTV_LIVER"], ["Liver", "Stomach", "Duodenum"], "HCC liver 50 Gy / 25 fx"),
    (1, 16.0, ["PTV_Spine"], ["CaudaEquina", "Esophagus"], "Bone/spine SBRT 1 fx"),
    (3, 27.0, ["PTV_ILIUM"], ["Bladder", "Rectum"], "Bone/spine SBRT 3 fx"),
    (5, 35.0, ["PTV_Sacrum"], ["Rectum", "SacralPlex"], "Bone/spine SBRT 5 fx"),
    (5, 15.0, ["PTV_Sacrum"], ["Rectum", "SacralPlex"], None),  # 3 Gy per fraction: not SBRT
    (3, 12.0, ["PTV_HCC"], ["Liver", "Stomach"], None),        # 4 Gy per fraction: not SBRT
])
def test_suggestion_by_site_and_dose_per_fraction(fractions, rx, targets, rois, expected):
    got = suggest(shipped_protocols(), fractions=fractions, prescription_gy=rx, target_names=targets, roi_names=rois)
    assert (got.protocol.name if got.protocol else None) == expected, got.reason


def test_shipped_sbrt_protocols_parse_from_their_json():
    for path in sorted((ROOT / "resources" / "protocols").glob("*sbrt*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["sbrt"] is True
        assert protocol_from_dict(doc).sbrt
