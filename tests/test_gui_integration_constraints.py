"""The constraints panel in the review window on the sample (issue 6's GUI bullet): rows equal
check_plan / check_composite, statuses in colour and text, a row shows its limit on the DVH,
unmatched structures mapped by hand and saved with the case."""
import json

import numpy as np
import pytest
from PySide6 import QtGui

from app.core.constraints import (Status, check_composite, check_plan, protocol_from_dict, shipped_protocols,
                                  suggest_for_link)
from app.core.viewing import constraint_rows
from app.gui.constraints_table import STATUS_COL
from conftest import SAMPLE_DICOM
from integration_support import close_window, open_sample_window, wait_all

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("RD_*.dcm")), reason="sample_dicom/ not generated yet")


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    w = open_sample_window(str(tmp_path_factory.mktemp("settings") / "settings.ini"))
    w.tables.setCurrentWidget(w.constraints)
    yield w
    close_window(w)


def _dicts(results):
    return [r.to_dict() for r in results]


def test_plan_rows_equal_check_plan_for_the_liver_plan(window):
    w = window
    link = w.session.link
    assert link.label == "LIVER"
    protocol = suggest_for_link(shipped_protocols(), link)
    assert w.constraints.protocol_combo.currentText() == protocol.name == "HCC liver 50 Gy / 25 fx"
    expected = check_plan(link, protocol)
    table = w.constraints.plan_table
    assert _dicts(table.results) == _dicts(expected.results) and table.rowCount() == len(expected.results) > 10
    for row, result in enumerate(expected.results):
        assert [table.item(row, c).text() for c in range(table.columnCount())] == constraint_rows.cells(result)
        assert table.item(row, table.columnCount() - 1).toolTip() == result.source
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Structure", "Metric", "Value", "Value EQD2", "Limit", "Limit EQD2", "Level", "Status", "Source"]


def test_statuses_are_coloured_and_written(window):
    table = window.constraints.plan_table
    seen = set()
    for row, result in enumerate(table.results):
        cell = table.item(row, STATUS_COL)
        assert cell.background().color() == QtGui.QColor(*constraint_rows.STATUS_RGB[result.status])
        assert result.status.value.replace("_", " ").split()[0] in cell.text().lower()
        seen.add(result.status)
    assert Status.PASS in seen
    colours = {QtGui.QColor(*rgb).name() for rgb in constraint_rows.STATUS_RGB.values()}
    assert len(colours) == 4  # pass / marginal / fail / not evaluable each their own colour


def _click_row(w, table, structure, metric):
    row = next(i for i, r in enumerate(table.results) if r.structure == structure and r.metric == metric)
    table.cellClicked.emit(row, 0)
    return table.results[row]


def test_clicking_a_row_draws_its_limit_on_the_dvh(window):
    w = window
    plot_items = w.dvh_plot.plot.items
    result = _click_row(w, w.constraints.plan_table, "PTV", "D95%")  # a point: D95% >= 47.5 Gy
    limit = w.dvh_plot.limit
    assert limit.result is result and limit.point_item in limit.items and limit.point_item in plot_items
    x, y = limit.point_item.getData()
    ptv = w.session.dvhs[w.session.link.structure_set.roi("PTV_LIVER").number]
    assert x[0] == pytest.approx(result.limit_gy) and y[0] == pytest.approx(0.95 * ptv.covered_volume_cc)
    assert w.session.highlighted == w.session.link.structure_set.roi("PTV_LIVER").number
    result = _click_row(w, w.constraints.plan_table, "Liver-GTV", "Dmean")  # derived: its DVH is drawn too
    assert limit.line_item in limit.items and limit.line_item.value() == pytest.approx(result.limit_gy)
    cx, cy = limit.curve_item.getData()
    evaluated = w.constraints.evaluations["plan"].dvhs["Liver-GTV"]
    assert limit.curve_item in limit.items and np.array_equal(cx, evaluated.dose_gy)
    assert np.array_equal(cy, evaluated.cumulative_cc)


def test_composite_tab_lists_liver_and_ilium(window):
    w = window
    c = w.constraints
    assert c.tabs.tabText(1) == "Composite LIVER + L ILIUM"
    links = [w.session.case.patients[0].link_for_plan(label) for label in ("LIVER", "L ILIUM")]
    expected = check_composite(links, [suggest_for_link(shipped_protocols(), link) for link in links])
    assert expected.results and _dicts(c.composite_table.results) == _dicts(expected.results)
    result = _click_row(w, c.composite_table, expected.results[0].structure, expected.results[0].metric)
    assert w.dvh_plot.settings.dose_unit.value.startswith("EQD2") and w.dvh_plot.limit.result is result
    assert w.dvh_plot.limit.curve_item.isVisible()  # the composite EQD2 DVH, dashed


def test_an_unmatched_structure_is_mapped_by_hand_and_saved_with_the_case(window, tmp_path):
    w = window
    c = w.constraints
    w.dvh_plot.dose_unit.setCurrentText("Gy")
    protocol = protocol_from_dict({
        "format": "rtreview-protocol", "format_version": 1, "name": "Test cord",
        "fractionation": {"prescription_gy": 50, "fractions": 25},
        "structures": [{"name": "Myelon", "alpha_beta_gy": 2, "constraints": [
            {"metric": "Dmax", "comparator": "<=", "limit": 45, "dose_basis": "physical",
             "level": "mandatory", "source": "test"}]}]})
    c.set_protocols(c.protocols + [protocol])
    c.set_protocol("Test cord")
    wait_all(w)
    assert [r.status for r in c.plan_table.results] == [Status.NOT_EVALUABLE]
    assert c.mapping.isVisible() and list(c.mapping.combos) == ["Myelon"]
    c.mapping.combos["Myelon"].setCurrentText("SPINAL_CORD")
    wait_all(w)
    expected = check_plan(w.session.link, protocol, manual={"Myelon": "SPINAL_CORD"})
    assert _dicts(c.plan_table.results) == _dicts(expected.results)
    assert expected.results[0].status is Status.PASS and expected.results[0].roi_name == "SPINAL_CORD"
    uid = w.session.link.structure_set.sop_instance_uid
    view = w.timeline_view
    assert view.is_modified() and view.case().raw["structure_mappings"] == {uid: {"Myelon": "SPINAL_CORD"}}
    target = tmp_path / "mapped.case.json"
    assert view.save_case(target) and not view.is_modified()
    assert json.loads(target.read_text())["structure_mappings"] == {uid: {"Myelon": "SPINAL_CORD"}}
    c.mapping.combos["Myelon"].setCurrentText("— not mapped —")  # undone: not evaluable again
    wait_all(w)
    assert [r.status for r in c.plan_table.results] == [Status.NOT_EVALUABLE]
    assert "structure_mappings" not in view.case().raw
