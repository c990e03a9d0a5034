"""The window asks for an unknown prescription (issue 13): the plan tree shows it and where it
came from; setting Rx and fractions there propagates to every view, is saved in the case file and
re-applied when the plans are loaded again. On a copy of the real RayStation export (no Rx)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from rtreview.gui.plans.prescription_dialog import PrescriptionChoice, PrescriptionDialog, parse_choice
from rtreview.gui.plans.tree import UNKNOWN_RX_COLOR
from rtreview.gui.timeline.view import TimelineView
from gui_helpers import wait_idle, window_with
from rx_support import RAYSTATION, copy_set


def test_parse_choice():
    assert parse_choice("45", "5") == PrescriptionChoice(45.0, 5)
    assert parse_choice(" 70 Gy", "") == PrescriptionChoice(70.0, None)
    for rx, n, words in (("", "", "enter"), ("abc", "5", "not a dose"), ("0", "5", "above 0"), ("45", "0", "1 to 100"),
                         ("45", "2.5", "whole number")):
        with pytest.raises(ValueError, match=words):
            parse_choice(rx, n)


def _wait(qtbot, w):
    wait_idle(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=60_000)


def test_set_prescription_propagates_and_is_saved(qtbot, tmp_path, reference_dicom, monkeypatch):
    folder = copy_set(reference_dicom, RAYSTATION, tmp_path)
    w = window_with(qtbot, tmp_path, [folder])
    link = w.session.link
    item = w.plan_tree.prescription_item(link)
    assert item.text(0).startswith("Rx unknown / 5 fx") and item.foreground(0).color() == UNKNOWN_RX_COLOR
    assert "70.03 Gy" in item.toolTip(0)  # the beam-dose hint, not a prescription
    assert "needs Rx" in w.slices.legend.text()
    w.dvh_plot.dose_unit.setCurrentText("% Rx")
    assert "needs Rx" in w.dvh_plot.message.text() and w.dvh_plot.visible_curve_data() == {}

    monkeypatch.setattr(PrescriptionDialog, "ask", classmethod(lambda cls, parent, plan: PrescriptionChoice(45.0, 5)))
    monkeypatch.setattr(TimelineView, "_confirm", lambda self, text: True)  # closing with unsaved changes
    w.plan_tree.itemDoubleClicked.emit(w.plan_tree.prescription_item(link), 0)
    _wait(qtbot, w)
    plan = link.plan
    assert (plan.prescription_gy, plan.fractions, plan.prescription_source) == (45.0, 5, "user")
    assert w.session.rx_gy == 45.0
    assert w.plan_tree.prescription_item(link).text(0) == "Rx 45 Gy / 5 fx (set by the user)"
    assert all(d.prescription_gy == 45.0 for d in w.session.dvhs.values())
    ptv = next(n for n, d in w.session.dvhs.items() if d.name == "PTV_ALL")
    x, _ = w.dvh_plot.visible_curve_data()[ptv]
    assert np.allclose(x, np.asarray(w.session.dvhs[ptv].dose_gy) * 100.0 / 45.0)
    assert w.dvh_plot.rx_line.isVisible() and w.dvh_plot.rx_line.value() == pytest.approx(100.0)
    assert "% of Rx 45 Gy" in w.slices.legend.text()
    assert w.metrics.v_levels_gy == [42.75, 45.0]
    assert "45 Gy / 5 fx" in w.windowTitle()
    view = w.timeline_view
    assert view.is_modified()
    assert view.case().raw["plan_prescriptions"] == [{"plan_sop_instance_uid": plan.sop_instance_uid,
                                                     "plan_label": "imrt 4", "prescription_gy": 45.0, "fractions": 5}]
    saved = folder / "brain.case.json"
    assert view.save_case(saved)
    assert json.loads(saved.read_text())["plan_prescriptions"][0]["prescription_gy"] == 45.0

    again = window_with(qtbot, tmp_path / "second", [folder])  # finds brain.case.json beside the DICOM
    plan2 = again.session.link.plan
    assert (plan2.prescription_gy, plan2.fractions, plan2.prescription_source) == (45.0, 5, "user")
    assert all(d.prescription_gy == 45.0 for d in again.session.dvhs.values())
    assert not again.timeline_view.is_modified()
    again.session.clear_prescription(plan2)  # "Use the plan's values"
    assert plan2.prescription_gy is None and plan2.prescription_source is None and plan2.fractions == 5
    assert "plan_prescriptions" not in again.timeline_view.case().raw and again.timeline_view.is_modified()
    assert again.plan_tree.prescription_item(again.session.link).text(0).startswith("Rx unknown")
