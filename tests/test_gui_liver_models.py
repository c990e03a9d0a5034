"""The window with the issue-16 models: the Constraints tab shows the liver-function basis, the NTCP
and the target BED under the table; a Child-Pugh class added in the timeline (as the event form
would) re-checks the plan and selects the protocol's Child-Pugh B variant; a spared-volume limit
is drawn on the DVH plot at (Y Gy, covered - X cc)."""
from __future__ import annotations

import datetime as dt

import pytest

from rtreview.core.constraints import Status, check_plan, protocol_from_dict
from rtreview.core.timeline.model import LiverFunction
from rtreview.core.viewing import constraint_rows
from rtreview.gui.timeline.event_form import EventFormDialog
from integration_support import close_window, open_sample_window, wait_all


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    w = open_sample_window(str(tmp_path_factory.mktemp("settings") / "settings.ini"))
    w.tables.setCurrentWidget(w.constraints)
    wait_all(w)
    yield w
    close_window(w)


def _variant(results):
    return [r for r in results if r.structure == "Liver-GTV" and r.child_pugh == ("B",)]


def test_risks_are_shown_under_the_constraint_table(window):
    w = window
    ev = w.constraints.evaluations["plan"]
    text = w.constraints.plan_tab.risks.toolTip()
    assert w.constraints.plan_tab.risks.isVisible() or not w.isVisible()
    assert text.splitlines() == constraint_rows.risk_lines(ev)
    (rild,) = [n for n in ev.ntcp if n.structure == "Liver-GTV"]
    assert f"gEUD {rild.geud_eqd2_gy:.2f} Gy EQD2" in text and "< 0.01 %" in text
    assert text.startswith("Liver function: needs Child-Pugh")
    assert "BED PTV_LIVER (α/β 10 Gy, default): D98% 59.66" in text
    (row,) = _variant(w.constraints.plan_table.results)
    assert row.status is Status.NOT_EVALUABLE
    cells = constraint_rows.cells(row)
    assert cells[1] == "Dmean [Child-Pugh B]"


def test_a_child_pugh_fact_added_in_the_timeline_selects_the_variant(window, monkeypatch):
    w = window
    view = w.timeline_view
    fact = LiverFunction(id="lf-test", date=dt.date(2020, 6, 20), child_pugh_class="B", child_pugh_score=7,
                         source="test")
    monkeypatch.setattr(EventFormDialog, "ask", classmethod(lambda cls, parent=None, event=None: fact))
    assert view.add_event()
    wait_all(w)
    (row,) = _variant(w.constraints.plan_table.results)
    expected = check_plan(w.session.link, w.constraints.protocol_for(w.session.link), child_pugh="B",
                          child_pugh_text="x")
    (want,) = _variant(expected.results)
    assert row.status is Status.FAIL and row.value == pytest.approx(want.value)
    assert "Child-Pugh B7 (2020-06-20)" in row.note
    assert w.constraints.plan_tab.risks.toolTip().startswith("Liver function: Child-Pugh B7 (2020-06-20)")
    view.case().events.remove(fact)
    view._changed()
    wait_all(w)
    assert _variant(w.constraints.plan_table.results)[0].status is Status.NOT_EVALUABLE


def test_a_spared_volume_limit_is_drawn_on_the_dvh(window):
    """'At least 1000 cc of LIVER below 10 Gy': the point (10 Gy, covered - 1000 cc) in cc, an upper mark."""
    w = window
    c = w.constraints
    w.dvh_plot.dose_unit.setCurrentText("Gy")
    w.dvh_plot.volume_unit.setCurrentText("cc")
    protocol = protocol_from_dict({
        "format": "rtreview-protocol", "format_version": 1, "name": "Test spared liver",
        "fractionation": {"prescription_gy": 50, "fractions": 25},
        "structures": [{"name": "Liver", "aliases": ["LIVER"], "constraints": [
            {"metric": "CV10Gy_cc", "comparator": ">=", "limit": 1000, "dose_basis": "physical",
             "basis_fractions": 25, "level": "mandatory", "source": "test"}]}]})
    c.set_protocols(c.protocols + [protocol])
    c.set_protocol("Test spared liver")
    wait_all(w)
    (result,) = c.plan_table.results
    liver = w.session.dvhs[w.session.link.structure_set.roi("LIVER").number]
    assert result.value == pytest.approx(liver.cv_gy(10.0), rel=1e-9)
    assert result.value == pytest.approx(liver.covered_volume_cc - liver.v_gy(10.0), rel=1e-9)
    c.plan_table.cellClicked.emit(0, 0)
    limit = w.dvh_plot.limit
    x, y = limit.point_item.getData()
    assert x[0] == pytest.approx(10.0) and y[0] == pytest.approx(liver.covered_volume_cc - 1000.0)
    assert limit.point_item.opts["symbol"] == "t"  # upper: the curve must pass below it
    c.set_protocol("HCC liver 50 Gy / 25 fx")
    wait_all(w)


def test_the_metrics_tab_shows_the_plans_ntcp_and_bed(window):
    w = window
    ev = w.constraints.evaluations["plan"]
    lines = [x for x in constraint_rows.risk_lines(ev) if x.startswith(("NTCP ", "BED "))]
    assert lines and w.metrics.risks.text().splitlines() == lines


def test_the_composite_tab_applies_the_time_factor_of_the_case_file(window):
    w = window
    view = w.timeline_view
    before = {(r.structure, r.metric, r.level): r.value for r in w.constraints.composite_table.results}
    view.case().raw["reirradiation_time_factor"] = {"enabled": True, "recovery_pct": 50, "min_interval_days": 90,
                                                    "source": "test"}
    try:
        view._changed()
        wait_all(w)
        ev = w.constraints.evaluations["composite"]
        assert any("LIVER: ended 99 days before L ILIUM started" in n for n in ev.notes)
        after = {(r.structure, r.metric, r.level): r.value for r in ev.results}
        doses = [k for k, v in before.items() if v is not None and k[1].startswith("D")]
        assert doses and all(after[k] <= before[k] + 1e-9 for k in doses)
        assert any(after[k] < before[k] - 0.01 for k in doses)
    finally:
        del view.case().raw["reirradiation_time_factor"]
        view._changed()
        wait_all(w)
    assert not any("time factor" in n for n in w.constraints.evaluations["composite"].notes)
