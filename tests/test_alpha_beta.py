"""Defect 2: one α/β per structure, from one place (user → protocol → TG-263 table → 10/3 Gy), used
by every number that depends on it (issue 14)."""
import json

import pytest

from verdict_support import protocol, row, sample_links


def test_the_table_is_data_with_a_source_per_row():
    from rtreview.core.dvh.alpha_beta import table_path, table_rows

    data = json.loads(table_path().read_text(encoding="utf-8"))
    assert data["defaults"]["target"]["alpha_beta_gy"] == 10 and data["defaults"]["organ"]["alpha_beta_gy"] == 3
    rows = table_rows()
    assert len(rows) == len(data["structures"]) >= 20
    for r in rows:
        assert r.alpha_beta_gy > 0 and len(r.source) > 20, r.name


def test_resolution_order_user_protocol_table_default():
    from rtreview.core.constraints import StructureSpec
    from rtreview.core.constraints.alpha_beta import structure_alpha_beta

    plain = StructureSpec(name="Liver", aliases=("Liver", "LIVER"))
    assert structure_alpha_beta(plain, "LIVER").value_gy == 2.5
    assert structure_alpha_beta(plain, "LIVER").origin == "table"
    stated = StructureSpec(name="Liver", aliases=("Liver",), alpha_beta_gy=4.0)
    assert (structure_alpha_beta(stated, "LIVER").value_gy, structure_alpha_beta(stated, "LIVER").origin) == \
        (4.0, "protocol")
    user = structure_alpha_beta(stated, "LIVER", {"liver": 1.5})
    assert (user.value_gy, user.origin) == (1.5, "user")
    unknown = StructureSpec(name="Spleen_Accessory", aliases=("Spleen_Accessory",))
    assert (structure_alpha_beta(unknown).value_gy, structure_alpha_beta(unknown).origin) == (3.0, "default")
    target = StructureSpec(name="PTV", aliases=("PTV",), is_target=True)
    assert structure_alpha_beta(target, "PTV_LIVER").value_gy == 10.0
    # a target stays overridable (issue 16: HCC targets at 15 Gy)
    assert structure_alpha_beta(target, "PTV_LIVER", {"PTV_LIVER": 15}).value_gy == 15.0


def test_sample_rois_get_one_value_each_without_a_protocol():
    from rtreview.core.constraints.alpha_beta import roi_alpha_betas

    ss = sample_links()[0].structure_set
    values = {ss.roi_by_number(n).name if hasattr(ss, "roi_by_number") else n: ab.value_gy
              for n, ab in roi_alpha_betas(ss.rois).items()}
    by_name = {r.name: values.get(r.name, values.get(r.number)) for r in ss.rois}
    assert by_name["LIVER"] == 2.5 and by_name["KIDNEY_L"] == 2.5
    assert by_name["SPINAL_CORD"] == 2.0 and by_name["CAUDA_EQUINA"] == 2.0
    assert by_name["PTV_LIVER"] == 10.0 and by_name["GTV_LIVER"] == 10.0
    assert by_name["STOMACH"] == 3.0 and by_name["BOWEL_SMALL"] == 3.0


def test_structure_list_value_equals_the_constraint_rows_value():
    """The structure list (roi_alpha_betas with the plan's protocol) and check_plan agree for every
    matched structure, and a user value reaches the constraint rows."""
    from rtreview.core.constraints import match_structures
    from rtreview.core.constraints.alpha_beta import roi_alpha_betas
    from rtreview.core.constraints.plan_check import check_plan

    link = sample_links()[0]
    proto = protocol("HCC liver")
    ss = link.structure_set
    match = match_structures(proto, [r.name for r in ss.rois])
    listed = {r.name: roi_alpha_betas(ss.rois, proto, match)[r.number].value_gy for r in ss.rois}
    ev = check_plan(link, proto)
    for r in ev.results:
        if r.roi_name in listed:
            assert r.alpha_beta_gy == listed[r.roi_name], r.structure
    cord = row(ev, "SpinalCord", "D0.03cc", "mandatory")
    edited = check_plan(link, proto, alpha_beta={"SPINAL_CORD": 3.0})
    cord3 = row(edited, "SpinalCord", "D0.03cc", "mandatory")
    assert (cord.alpha_beta_gy, cord3.alpha_beta_gy) == (2.0, 3.0)
    assert cord3.alpha_beta_origin == "user"
    assert cord3.value_eqd2_gy != pytest.approx(cord.value_eqd2_gy)
    # the derived normal liver follows the user's value for its first operand (LIVER)
    liver = row(check_plan(link, proto, alpha_beta={"LIVER": 3.5}), "Liver-GTV", "Dmean")
    assert liver.alpha_beta_gy == 3.5


def test_converted_dvh_default_comes_from_the_table():
    from rtreview.core.dvh import compute_dvh
    from rtreview.core.dvh.radiobiology import converted_dvh, mean_eqd2_gy

    link = sample_links()[0]
    liver = compute_dvh(link.structure_set.roi("LIVER"), link.dose)
    assert converted_dvh(liver, 25).mean_gy == pytest.approx(mean_eqd2_gy(liver, 25, 2.5), rel=1e-9)


def test_docs_state_the_table_the_basis_rule_and_the_statuses():
    """docs/protocols.md carries the α/β table as shipped (name, value, source), the dose-basis rule
    and the status rules (issue 14, done means)."""
    from conftest import REPO
    from rtreview.core.dvh.alpha_beta import table_rows

    text = (REPO / "docs" / "protocols.md").read_text(encoding="utf-8")
    for r in table_rows():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| `{r.name}` |")), None)
        assert line is not None, r.name
        assert f"| {r.alpha_beta_gy:g} |" in line and r.source in line
    for heading in ("### Statuses", "### Dose basis: one basis per published limit", "### α/β: one value per structure",
                    "### Multi-course composite"):
        assert heading in text
    assert "Near-maximum limits" in text and "basis_fractions" in text and "variation_allowed" in text
