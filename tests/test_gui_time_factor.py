"""Tools ▸ Re-irradiation time factor…: off by default, needs a source, stored in the case file,
and the window's composite check uses it (the same numbers as check_across_frames with the
weights the case file gives)."""
import pytest
from PySide6 import QtWidgets

from conftest import SAMPLE_DICOM
from integration_support import close_window, open_sample_window, wait_all
from rtreview.core.constraints import shipped_protocols
from rtreview.core.constraints.plan_check import suggest_for_link
from rtreview.core.timeline.reirradiation import KEY, TimeFactor, weights_for_plans
from rtreview.gui.constraints.time_factor_dialog import TimeFactorDialog, edit_time_factor

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("RD_*.dcm")), reason="sample_dicom/ not generated yet")
OK = QtWidgets.QDialogButtonBox.StandardButton.Ok


def test_dialog_starts_off_and_wants_a_source(qtbot):
    dialog = TimeFactorDialog(None, None)
    qtbot.addWidget(dialog)
    assert not dialog.enabled.isChecked() and not dialog.recovery.isEnabled()
    assert dialog.buttons.button(OK).isEnabled() and "Off" in dialog.summary.text()
    dialog.enabled.setChecked(True)
    dialog.recovery.setValue(25.0)
    dialog.interval.setValue(180)
    assert not dialog.buttons.button(OK).isEnabled()  # no number without its source
    dialog.source.setText("  Nieder 2006  ")
    assert dialog.buttons.button(OK).isEnabled()
    assert dialog.choice() == (True, TimeFactor(25.0, 180, "Nieder 2006"))
    assert "count 75 % of their EQD2" in dialog.summary.text()
    again = TimeFactorDialog(None, {"enabled": False, "recovery_pct": 30, "min_interval_days": 90, "source": "x"})
    qtbot.addWidget(again)
    assert not again.enabled.isChecked() and again.choice() == (False, TimeFactor(30.0, 90, "x"))


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    w = open_sample_window(str(tmp_path_factory.mktemp("settings") / "settings.ini"))
    yield w
    close_window(w)


def _answer(enabled, pct=0.0, days=0, source=""):
    def ask(dialog):
        dialog.enabled.setChecked(enabled)
        dialog.recovery.setValue(pct)
        dialog.interval.setValue(days)
        dialog.source.setText(source)
        return dialog.buttons.button(OK).isEnabled()
    return ask


def _rows(evaluation):
    return [r.to_dict() for r in evaluation.results]


def test_the_window_composite_uses_the_factor_and_drops_it_again(window):
    from rtreview.core.compare.composite_frames import check_across_frames

    w = window
    view, panel = w.timeline_view, w.constraints
    assert KEY not in view.case().raw and not view.is_modified()
    assert w.time_factor_action.text().startswith("Re-irradiation")
    plain = panel.evaluations["composite"]
    assert plain is not None and not any("time factor" in n for n in plain.notes)
    assert not edit_time_factor(w, view, ask=lambda dialog: False)  # cancelled: nothing changes
    assert not edit_time_factor(w, view, ask=_answer(False))  # off, as it was: nothing added
    assert KEY not in view.case().raw and not view.is_modified()

    assert edit_time_factor(w, view, ask=_answer(True, 50.0, 90, "test"))
    assert view.case().raw[KEY] == {"enabled": True, "recovery_pct": 50.0, "min_interval_days": 90, "source": "test"}
    assert view.is_modified()
    wait_all(w)
    group = panel.composite_group
    weights = weights_for_plans(view.case(), [(g.label, g.plan.sop_instance_uid) for g in group])
    assert weights["LIVER"][0] == 0.5 and weights["L ILIUM"][0] == 1.0  # 99 days between the courses
    protocols = [suggest_for_link(shipped_protocols(), g) for g in group]
    expected, _ = check_across_frames(w.session.case, group, protocols, course_weights=weights)
    discounted = panel.evaluations["composite"]
    assert _rows(discounted) == _rows(expected) and _rows(discounted) != _rows(plain)
    notes = " ".join(discounted.notes)
    assert "count 50 % of their EQD2" in notes and "LIVER: ended 99 days before L ILIUM started" in notes
    before = {(r.structure, r.metric, r.level): r.value for r in plain.results if r.unit == "Gy EQD2"}
    after = {(r.structure, r.metric, r.level): r.value for r in discounted.results if r.unit == "Gy EQD2"}
    assert any(before[k] is not None and after[k] < before[k] - 0.01 for k in before)

    assert edit_time_factor(w, view, ask=_answer(False, 50.0, 90, "test"))  # off again: numbers kept, unused
    assert view.case().raw[KEY]["enabled"] is False
    wait_all(w)
    assert _rows(panel.evaluations["composite"]) == _rows(plain)
