"""The constraints panel in the review window on the sample (issue 6's GUI bullet): rows equal
check_plan / check_composite, statuses in colour and text, a row shows its limit on the DVH,
unmatched structures mapped by hand and saved with the case."""
import json

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from rtreview.core.constraints import (Status, check_composite, check_plan, protocol_from_dict, shipped_protocols,
                                  suggest_for_link)
from rtreview.core.viewing import constraint_rows
from rtreview.gui.constraints.table import STATUS_COL
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
    result = _click_row(w, w.constraints.plan_table, "PTV", "D95%")  # a point: D95% >= 50 Gy
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


def _cord_protocol(fractions=5):
    return protocol_from_dict({
        "format": "rtreview-protocol", "format_version": 1, "name": "Cord only",
        "fractionation": {"prescription_gy": 20, "fractions": fractions},
        "structures": [{"name": "PTV", "aliases": ["PTV*"], "alpha_beta_gy": 10, "target": True, "constraints": [
            {"metric": "Dmax", "comparator": "<=", "limit": 60, "dose_basis": "physical",
             "level": "mandatory", "source": "test"}]}]})


def test_checks_run_off_the_gui_thread_and_cancel(qtbot):
    """A stand-in check that blocks: the panel stays responsive, shows busy + Cancel, Cancel stops it."""
    import threading

    from rtreview.gui.constraints.panel import ConstraintsPanel
    from rtreview.gui.session import ReviewSession
    from synthetic_case import make_case

    threads, release = [], threading.Event()

    def slow_check(link, protocol, manual, progress, cancel, dvhs=None):
        threads.append(threading.current_thread())
        while not cancel() and not release.wait(0.01):
            pass
        raise RuntimeError("CheckCancelled")

    session = ReviewSession()
    panel = ConstraintsPanel(session, check_plan_fn=slow_check, check_composite_fn=slow_check,
                             protocols=[_cord_protocol()])
    qtbot.addWidget(panel)
    panel.show()
    try:
        session.set_case(make_case())
        qtbot.waitUntil(lambda: bool(threads), timeout=5000)
        assert threads[0] is not threading.main_thread()
        assert panel.busy and panel.cancel_button.isVisible() and panel.busy_bar.isVisible()
        assert "Checking" in panel.plan_tab.notes.text()
        ticks = []
        timer = QtCore.QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(10)
        # the event loop keeps running while the check blocks its thread (waited for, not timed:
        # on a loaded machine 300 ms gave only 2 ticks of 10 ms)
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=10000)
        timer.stop()
        assert threads[0].is_alive() and panel.busy  # the check was still blocking all along
        panel.cancel_button.click()
        assert not panel.busy and not panel.cancel_button.isVisible() and "cancelled" in panel.summary.text()
    finally:
        release.set()  # whatever happened, no thread is left looping
        panel.shutdown()


def test_degenerate_inputs_never_raise(qtbot):
    from rtreview.gui.constraints.panel import ConstraintsPanel
    from rtreview.gui.session import ReviewSession
    from synthetic_case import make_case

    def failing(*args, **kwargs):
        raise ValueError("no dose grid in this plan")

    session = ReviewSession()
    panel = ConstraintsPanel(session, check_plan_fn=failing, check_composite_fn=failing, protocols=[])
    qtbot.addWidget(panel)
    panel.refresh()  # nothing loaded
    assert panel.plan_table.rowCount() == 0
    session.set_case(make_case())  # no protocol fits and none to choose
    assert "No shipped protocol fits" in panel.plan_tab.notes.text()
    panel.set_protocols([_cord_protocol()])
    panel.set_protocol("Cord only")
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)
    assert "failed: ValueError: no dose grid" in panel.plan_tab.notes.text()
    session.set_case(None)
    assert panel.plan_table.rowCount() == 0 and panel.composite_table.rowCount() == 0
    panel.shutdown()


def test_limit_points_follow_the_plot_units():
    from rtreview.core.constraints import ConstraintResult
    from rtreview.core.viewing.dvh_curves import CurveSettings, DoseUnit, VolumeUnit

    d95 = ConstraintResult("PTV", "D95%", "mandatory", "s", 10.0, ">=", Status.PASS, unit="Gy", limit=47.5,
                           limit_gy=47.5, limit_eqd2_gy=47.1)
    cc = CurveSettings(volume_unit=VolumeUnit.CC)
    assert constraint_rows.limit_point(d95, cc, 50.0, 25, 200.0) == constraint_rows.LimitPoint(47.5, 190.0, False)
    pct_rx = CurveSettings(dose_unit=DoseUnit.PCT_RX, volume_unit=VolumeUnit.PCT)
    assert constraint_rows.limit_point(d95, pct_rx, 50.0, 25, 200.0) == constraint_rows.LimitPoint(95.0, 95.0, False)
    eqd2 = constraint_rows.limit_point(d95, CurveSettings(dose_unit=DoseUnit.EQD2, volume_unit=VolumeUnit.PCT),
                                       50.0, 25, 200.0)
    assert eqd2.dose == pytest.approx(47.5 * (1.9 + 10) / 12)
    v20 = ConstraintResult("Liver", "V20Gy_cc", "optimal", "s", 3.0, "<=", Status.FAIL, unit="cc", limit=700.0,
                           threshold_gy=20.0)
    p = constraint_rows.limit_point(v20, CurveSettings(volume_unit=VolumeUnit.PCT), 50.0, 25, 1400.0)
    assert p == constraint_rows.LimitPoint(20.0, 50.0, True)
    mean = ConstraintResult("Liver", "Dmean", "mandatory", "s", 3.0, "<=", Status.MARGINAL, unit="Gy EQD2",
                            limit=30.0, limit_eqd2_gy=30.0)
    assert constraint_rows.limit_point(mean, cc, None, None, None, dose_is_eqd2=True).volume is None
    assert "✖ FAIL" == constraint_rows.cells(v20)[7] and constraint_rows.summary([v20, d95]) == "1 pass · 1 FAIL"


def test_a_failing_plan_marks_the_constraints_tab(qtbot, tmp_path):
    from rtreview.core.constraints import ConstraintResult, Evaluation
    from rtreview.gui.main_window import MainWindow
    from gui_helpers import wait_idle
    from synthetic_case import make_case

    def failing_check(link, protocol, manual, progress, cancel, dvhs=None):
        return Evaluation(protocol.name, [ConstraintResult("PTV", "Dmax", "mandatory", "test", 10.0, "<=",
                                                           Status.FAIL, unit="Gy", value_gy=70.0, limit=60.0,
                                                           limit_gy=60.0)], plan_label=link.label)

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.constraints.check_plan_fn = w.constraints.check_composite_fn = failing_check
    w.constraints.set_protocols([_cord_protocol()])
    w.session.set_case(make_case())
    w.constraints.set_protocol("Cord only")
    wait_idle(qtbot, w)
    qtbot.waitUntil(lambda: not w.constraints.busy, timeout=5000)
    assert w.tables.tabText(w.tables.indexOf(w.constraints)) == "Constraints ✖"
    assert w.constraints.summary.text().strip() == "1 FAIL"
    assert w.constraints.plan_table.status_cell(0).text() == "✖ FAIL"
    w.runner.shutdown()
    w.constraints.shutdown()


def test_the_limit_follows_a_change_of_units(window):
    w = window
    w.constraints.set_protocol("HCC liver 50 Gy / 25 fx")  # after the hand-mapping test's own protocol
    wait_all(w)
    w.dvh_plot.dose_unit.setCurrentText("Gy")
    w.dvh_plot.volume_unit.setCurrentText("cc")
    result = _click_row(w, w.constraints.plan_table, "PTV", "D95%")
    limit = w.dvh_plot.limit
    w.dvh_plot.dose_unit.setCurrentText("% Rx")
    x, y = limit.point_item.getData()
    assert limit.result is result and x[0] == pytest.approx(100.0)  # D95% >= 100 % of Rx (issue 14)
    w.dvh_plot.kind.setCurrentText("Differential")  # a limit on a differential DVH means nothing
    assert limit.items == [] and limit.result is None
    w.dvh_plot.kind.setCurrentText("Cumulative")
    w.dvh_plot.dose_unit.setCurrentText("Gy")


def test_the_check_reuses_the_windows_finished_dvhs(window):
    """Once the plan's DVHs are done the panel hands them to check_plan (no recomputation),
    and the rows stay those of a check that computes its own."""
    w = window
    link = w.session.link
    assert w.session.has_dvhs(link)
    seen = []
    real = w.constraints.check_plan_fn

    def spy(link_, proto, manual, progress, cancel, dvhs=None):
        seen.append(dvhs)
        return real(link_, proto, manual, progress, cancel, dvhs=dvhs)

    w.constraints.check_plan_fn = spy
    try:
        w.constraints._on_case()  # drops cached results, checks again
        wait_all(w)
    finally:
        w.constraints.check_plan_fn = real
    assert seen and seen[-1] is not None
    session_dvhs = w.session.dvhs_of(link)
    assert set(seen[-1]) == set(session_dvhs) and all(seen[-1][n] is session_dvhs[n] for n in session_dvhs)
    expected = check_plan(link, suggest_for_link(shipped_protocols(), link))
    assert _dicts(w.constraints.plan_table.results) == _dicts(expected.results)
