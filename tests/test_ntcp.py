"""NTCP / gEUD (LKB on the voxel-wise EQD2 dose): recomputed by hand from the formulas."""
import json
import math

import numpy as np
import pytest

from rtreview.core.dvh import histogram, ntcp, radiobiology
from rtreview.core.dvh.dvh import Dvh


def _phi(t):
    return 0.5 * (1.0 + math.erf(t / math.sqrt(2.0)))


def make_dvh(doses, volumes, name="Liver-GTV"):
    doses = np.asarray(doses, dtype=np.float32)
    volumes = np.asarray(volumes, dtype=np.float32)
    width = histogram.choose_bin_width(float(doses.max()), None)
    diff = histogram.differential(doses.astype(float), volumes, width)
    cum = histogram.cumulative(diff)
    total = float(volumes.sum())
    return Dvh(roi_number=1, name=name, type="ORGAN", color_rgb=(0, 0, 0), volume_cc=total,
               covered_volume_cc=total, min_gy=float(doses.min()), mean_gy=float(np.dot(doses, volumes) / total),
               max_gy=float(doses.max()), bin_width_gy=width, dose_gy=np.arange(cum.size) * width,
               cumulative_cc=cum, differential_cc=diff, sample_dose_gy=doses, sample_volume_cc=volumes)


def test_geud_two_levels_by_hand():
    # Half the volume at 10 Gy, half at 20 Gy, n = 0.5: (0.5*10^2 + 0.5*20^2)^0.5 = sqrt(250).
    assert ntcp.geud_gy([10, 20], [300, 300], 0.5) == pytest.approx(math.sqrt(250.0), rel=1e-12)
    # n = 1 is the mean; n = 0.97 by hand.
    assert ntcp.geud_gy([10, 20], [100, 300], 1.0) == pytest.approx(17.5, rel=1e-12)
    hand = (0.25 * 10 ** (1 / 0.97) + 0.75 * 20 ** (1 / 0.97)) ** 0.97
    assert ntcp.geud_gy([10, 20], [100, 300], 0.97) == pytest.approx(hand, rel=1e-12)
    # Small n tends to the maximum (and does not overflow).
    assert ntcp.geud_gy([10, 70], [999, 1], 0.01) == pytest.approx(70 * (1 / 1000) ** 0.01, rel=1e-9)
    assert ntcp.geud_gy([10, 70], [999, 1], 0.09) == pytest.approx(
        (0.999 * 10 ** (1 / 0.09) + 0.001 * 70 ** (1 / 0.09)) ** 0.09, rel=1e-9)


def test_geud_rejects_bad_n_and_empty():
    with pytest.raises(ValueError):
        ntcp.geud_gy([1.0], [1.0], 0.0)
    assert math.isnan(ntcp.geud_gy([], [], 0.5))


def test_uniform_dose_gives_probit_of_its_eqd2():
    model = ntcp.model_by_id("rild_primary_liver_dawson2002")
    ab, n_fx = 2.5, 25
    for physical in (10.0, 30.0, 39.8, 45.0, 60.0):
        dvh = make_dvh(np.full(1000, physical), np.full(1000, 1.5))
        result = ntcp.evaluate_dvh(model, dvh, n_fx, ab)
        eqd2 = physical * (1 + physical / n_fx / ab) / (1 + 2 / ab)
        td50 = 39.8 * (1.5 + ab) / (2 + ab)
        assert result.geud_eqd2_gy == pytest.approx(eqd2, rel=1e-6)
        assert result.td50_eqd2_gy == pytest.approx(td50, rel=1e-12)
        assert result.value == pytest.approx(_phi((eqd2 - td50) / (0.12 * td50)), abs=1e-7)


def test_uniform_dose_at_td50_in_the_sources_fractions_is_fifty_percent():
    # 39.8 Gy given in 1.5 Gy fractions (the source's normalisation) is exactly TD50: NTCP 0.5.
    model = ntcp.model_by_id("rild_primary_liver_dawson2002")
    exact = ntcp.evaluate_eqd2(model, np.full(10, 39.8 * (1.5 + 2.5) / (2 + 2.5)), np.full(10, 2.0), 2.5)
    assert exact.value == pytest.approx(0.5, abs=1e-12)
    # One m·TD50 above: Φ(1).
    td50 = model.td50_eqd2_gy(2.5)
    above = ntcp.evaluate_eqd2(model, np.full(3, td50 * 1.12), np.ones(3), 2.5)
    assert above.value == pytest.approx(0.8413447460685429, abs=1e-12)


def test_two_level_dose_ntcp_by_hand():
    model = ntcp.model_by_id("rild_liver_metastases_dawson2002")
    # 40 % of normal liver at 50 Gy, 60 % at 13 Gy, 25 fractions, alpha/beta 2.5.
    dvh = make_dvh(np.r_[np.full(400, 50.0), np.full(600, 13.0)], np.ones(1000))
    result = ntcp.evaluate_dvh(model, dvh, 25, 2.5)
    e_hi = 50 * (1 + 2 / 2.5) / (1 + 2 / 2.5)          # 2 Gy per fraction: EQD2 = 50
    e_lo = 13 * (1 + 0.52 / 2.5) / (1 + 2 / 2.5)
    geud = (0.4 * e_hi ** (1 / 0.97) + 0.6 * e_lo ** (1 / 0.97)) ** 0.97
    td50 = 45.8 * 4.0 / 4.5
    assert result.geud_eqd2_gy == pytest.approx(geud, rel=1e-6)
    assert result.value == pytest.approx(_phi((geud - td50) / (0.12 * td50)), abs=1e-6)
    assert 0.0 < result.value < 1.0


def test_ntcp_is_invariant_to_the_reference_fraction_size():
    # Working in EQD1.5 (the source's units) gives the same NTCP as EQD2 with TD50 converted.
    model = ntcp.model_by_id("rild_primary_liver_dawson2002")
    rng = np.random.default_rng(3)
    physical = rng.uniform(0, 55, 5000)
    volumes = rng.uniform(0.1, 1.0, 5000)
    ab, n_fx = 2.5, 15
    dvh = make_dvh(physical, volumes)
    result = ntcp.evaluate_dvh(model, dvh, n_fx, ab)
    phys32 = physical.astype(np.float32).astype(float)
    eqd15 = radiobiology.bed_gy(phys32, n_fx, ab) / (1 + 1.5 / ab)
    geud15 = ntcp.geud_gy(eqd15, volumes.astype(np.float32), 0.97)
    assert result.value == pytest.approx(_phi((geud15 - 39.8) / (0.12 * 39.8)), abs=1e-9)


def test_dvh_without_samples_uses_its_bins():
    model = ntcp.model_by_id("pneumonitis_seppenwoolde2003")
    dvh = make_dvh(np.full(100, 20.0), np.ones(100), name="Lungs")
    bare = Dvh(**{**{f: getattr(dvh, f) for f in ("roi_number", "name", "type", "color_rgb", "volume_cc",
                                                  "covered_volume_cc", "min_gy", "mean_gy", "max_gy",
                                                  "bin_width_gy", "dose_gy", "cumulative_cc", "differential_cc")}})
    got = ntcp.evaluate_dvh(model, bare, 10, 3.0)
    want = ntcp.evaluate_dvh(model, dvh, 10, 3.0)
    assert got.geud_eqd2_gy == pytest.approx(want.geud_eqd2_gy, abs=bare.bin_width_gy)
    assert any("bins" in n for n in got.notes)


def test_result_json_names_model_parameters_source_value():
    model = ntcp.model_by_id("rild_primary_liver_dawson2002")
    out = ntcp.evaluate_dvh(model, make_dvh(np.full(10, 20.0), np.ones(10)), 25, 2.5).to_json()
    assert out["model"] == "LKB"
    assert out["parameters"]["n"] == 0.97 and out["parameters"]["m"] == 0.12 and out["parameters"]["td50_gy"] == 39.8
    assert out["source"].startswith("Dawson LA")
    assert 0 <= out["value"] <= 1 and out["value_pct"] == pytest.approx(100 * out["value"], rel=1e-9)
    json.dumps(out)


def test_shipped_models_each_value_sourced():
    models = ntcp.shipped_models()
    assert {"rild_primary_liver_dawson2002", "rild_liver_metastases_dawson2002", "pneumonitis_seppenwoolde2003",
            "rectal_toxicity_quantec2010", "xerostomia_eisbruch1999"} <= {m.id for m in models}
    for m in models:
        for p in (m.n, m.m, m.td50_gy):
            assert p.source.strip()
        assert m.citation and m.checked and m.fractionation_note
    assert [m.id for m in ntcp.default_models_for("LUNGS")] == ["pneumonitis_seppenwoolde2003"]
    assert ntcp.default_models_for("Liver") == []


def test_bad_parameter_file_named():
    good = json.loads(ntcp.parameters_path().read_text())
    bad = json.loads(json.dumps(good))
    bad["models"][1]["m"] = {"value": -1, "source": "x"}
    with pytest.raises(ValueError, match=r"models\[1\].*m must be a positive"):
        ntcp.parse_models(bad)
    del bad["models"][0]["td50_gy"]
    with pytest.raises(ValueError, match=r"models\[0\]"):
        ntcp.parse_models(bad)
    with pytest.raises(ValueError, match="format"):
        ntcp.parse_models({"models": []})


def test_docs_table_equals_the_shipped_parameters():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "ntcp.md").read_text(encoding="utf-8")
    for m in ntcp.shipped_models():
        ab_ref = 2.5 if m.id.startswith("rild") else 3.0
        src_ab = "–" if m.source_alpha_beta_gy is None else f"{m.source_alpha_beta_gy:g}"
        row = (f"| `{m.id}` | {m.label} | {', '.join(m.structures)} | {m.n.value:g} | {m.m.value:g} | "
               f"{m.td50_gy.value:g} | {m.reference_dose_per_fraction_gy:g} | {src_ab} | "
               f"{m.td50_eqd2_gy(ab_ref):.2f} ({ab_ref:g}) |")
        assert row in text, row
