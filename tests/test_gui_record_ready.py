"""The review window on (a copy of) the sample, read at a glance (issue 17): first view at the
target, W/L preset by body site and remembered, isodoses clear of the structures, DVH curves
told apart, names not cut, the timeline's key, lines of therapy, labelled upper-normal lines,
lab series editing; then Review ▸ Sign off… recorded in the case file and shown, and plan files
changed after it detected on the next load."""
import hashlib
import shutil

import numpy as np
import pydicom
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui

from rtreview.core.review.case_log import read_log
from rtreview.core.timeline.case_file import bundled_example_path
from rtreview.core.viewing.colour_distance import DISTINCT_DE00, rgb_distance
from rtreview.core.viewing.slicing import Plane
from rtreview.gui.review.dialog import CaseFileChooser, SignOffDialog, SignOffRequest
from rtreview.gui.timeline.lab_form import LabSeriesDialog
from conftest import SAMPLE_DICOM
from integration_support import close_window, process_until, wait_all

pytestmark = pytest.mark.skipif(not any(SAMPLE_DICOM.glob("RD_*.dcm")), reason="sample_dicom/ not generated yet")


def _open(folder, settings):
    from rtreview.gui.main_window import MainWindow

    w = MainWindow(settings=QtCore.QSettings(str(settings), QtCore.QSettings.Format.IniFormat))
    w.resize(1600, 1000)
    w.show()
    w.open_paths([str(folder)])
    wait_all(w)
    w.review.wait()
    return w


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("record") / "dicom"
    shutil.copytree(SAMPLE_DICOM, folder)
    shutil.copy(bundled_example_path(), folder / "patient.case.json")  # found beside the DICOM: signable
    return folder


@pytest.fixture(scope="module")
def window(qapp, data, tmp_path_factory):
    w = _open(data, tmp_path_factory.mktemp("settings") / "settings.ini")
    yield w
    close_window(w)


def _select(w, label):
    w.timeline.select_plan(label)
    wait_all(w)


def test_first_view_is_the_targets_centre_and_the_preset_follows_the_body_site(window):
    w, s = window, window.slices
    _select(w, "LIVER")
    ptv = w.session.link.structure_set.roi("PTV_LIVER")
    centre_z = float(np.mean([ptv.plane_z_mm.min(), ptv.plane_z_mm.max()]))
    ct_z = w.session.link.ct.z_mm
    assert s.position["z"] == pytest.approx(centre_z)
    assert abs(ct_z[s.slice_index(Plane.AXIAL)] - centre_z) <= 0.5 * float(np.median(np.diff(ct_z))) + 1e-6
    assert s.site == "abdomen" and s.preset.currentText() == "Abdomen"
    s.preset.setCurrentText("Liver")
    s.preset.activated.emit(s.preset.currentIndex())  # the user's choice for the abdomen
    assert w.settings.value("slices/window_level/abdomen") == "Liver"
    _select(w, "L ILIUM")
    assert s.site == "pelvis" and s.preset.currentText() == "Abdomen"
    ptv = w.session.link.structure_set.roi("PTV_ILIUM")
    assert s.position["z"] == pytest.approx(float(np.mean([ptv.plane_z_mm.min(), ptv.plane_z_mm.max()])))
    _select(w, "LIVER")
    assert s.preset.currentText() == "Liver" and s.window.width_hu == 150


def test_isodoses_keep_clear_of_the_structure_colours_and_are_dashed(window):
    s = window.slices
    colours = s.isodose_colours()
    assert len(colours) == len(s.levels) == 9
    for rgb in colours.values():
        assert min(rgb_distance(rgb, r.color_rgb) for r in window.session.rois) >= DISTINCT_DE00
    pens = s.views[Plane.AXIAL].isodose_pens()
    assert pens and all(p.style() == QtCore.Qt.PenStyle.CustomDashLine for p in pens)
    assert {tuple(p.color().getRgb()[:3]) for p in pens} <= set(colours.values())
    assert all(p.style() == QtCore.Qt.PenStyle.SolidLine for p in s.views[Plane.AXIAL].contour_pens())
    assert s.legend.isVisible() and s.legend.text().count("╌╌") == 9  # every level, drawn on this slice or not


def test_dvh_curves_of_close_colours_differ_in_style_and_the_legend_reads_on_dark(window):
    from rtreview.gui.dvh.legend import LEGEND_TEXT_RGB

    _select(window, "LIVER")
    plot, ss = window.dvh_plot, window.session.link.structure_set
    liver, bowel = ss.roi("LIVER").number, ss.roi("BOWEL_SMALL").number
    kid_r, cord = ss.roi("KIDNEY_R").number, ss.roi("SPINAL_CORD").number
    assert plot.curve_style(liver).style != plot.curve_style(bowel).style
    assert plot.curve_style(kid_r).style != plot.curve_style(cord).style
    for number in (liver, bowel, kid_r, cord):  # the pen drawn is the style's
        pen = plot.curves[number].opts["pen"]
        solid = plot.curve_style(number).style == "solid"
        assert pen.style() == (QtCore.Qt.PenStyle.SolidLine if solid else QtCore.Qt.PenStyle.CustomDashLine)
    for _sample, label in plot.legend.items:
        assert pg.mkColor(label.opts["color"]).getRgb()[:3] == LEGEND_TEXT_RGB


def test_structure_names_are_not_cut_at_1600_by_1000(window):
    tree = window.structures.tree
    assert tree.textElideMode() == QtCore.Qt.TextElideMode.ElideMiddle
    fm = tree.fontMetrics()
    room = tree.columnWidth(0) - tree.iconSize().width() - 2 * tree.indentation()
    for roi in window.session.rois:
        assert fm.horizontalAdvance(roi.name) <= room, roi.name
        item = window.structures._items[roi.number]
        assert roi.name in item.toolTip(0)


def test_timeline_key_lines_of_therapy_upper_normal_and_badge(window):
    view = window.timeline_view
    assert view.key_line.isVisible() and "PR" in view.key_line.text() and "PD" in view.key_line.text()
    lines = view.lanes_plot.line_items
    assert [line.number for line, _b, _t in lines] == [1, 2]
    assert lines[0][2].textItem.toPlainText().startswith("L1 lenvatinib + camrelizumab")
    labels = [line.label.textItem.toPlainText() for line in view.markers_plot.uln_lines]
    assert labels == ["AFP upper normal 20", "PIVKA-II upper normal 40"]
    text = view.warnings_button.text()
    assert "warning" in text and "note" in text and not view.is_empty()


def test_lab_series_are_edited_in_a_form(window, monkeypatch):
    view = window.timeline_view
    afp = next(s for s in view.case().lab_series if s.analyte == "AFP")
    dialog = LabSeriesDialog(None, afp)  # the form reads the series and refuses what a log axis cannot draw
    assert dialog.table.rowCount() == len(afp.samples)
    dialog.table.item(0, 1).setText("-3")
    data, problems = dialog.document()
    assert data is None and "only positive values" in problems[0]
    dialog.table.item(0, 1).setText("15000")
    data, problems = dialog.document()
    assert problems == [] and data["samples"][0]["value"] == 15000 and data["analyte"] == "AFP"
    edited = type(afp).from_dict(data)
    monkeypatch.setattr(LabSeriesDialog, "ask", classmethod(lambda cls, parent, series=None: edited))
    assert view.edit_lab_series("AFP")
    curve = view.markers_plot.curves[afp.id or "AFP"]
    assert curve.yData[0] == 15000  # the value as entered (drawn on the log axis)
    assert view.is_modified()
    view._set_modified(False)  # leave the case file as it was for the sign-off tests


def test_sign_off_is_recorded_in_the_case_file_and_shown(window, data, monkeypatch):
    w = window
    _select(w, "LIVER")
    asked = {}

    def ask(cls, parent, plans, checked, reviewer="", role="", where=""):
        asked.update(plans=plans, checked=checked, where=where)
        return SignOffRequest("Dr Test Reviewer", "radiation oncologist", "approved_with_comments",
                              "Bowel V45 close to the limit", sorted(checked))
    monkeypatch.setattr(SignOffDialog, "ask", classmethod(ask))
    before = (data / "patient.case.json").read_bytes()
    assert w.review.sign_off()
    w.review.wait()
    process_until(lambda: not w.review.runner.busy)
    assert str(data / "patient.case.json") in asked["where"] and len(asked["checked"]) == 1
    log = read_log(data / "patient.case.json")
    assert [e["reviewer"] for e in log] == ["Dr Test Reviewer"]
    assert log[0]["plan_sop_instance_uid"] == w.session.link.plan.sop_instance_uid
    assert (data / "patient.case.json").read_bytes() != before
    status = w.review.label.text()
    assert "Approved with comments by Dr Test Reviewer (radiation oncologist)" in status
    assert w.settings.value("review/reviewer") == "Dr Test Reviewer"
    assert w.timeline_view.case().raw["review_log"] == log and not w.timeline_view.is_modified()


def test_plan_files_changed_after_the_sign_off_are_shown_on_load(window, data, tmp_path):
    assert read_log(data / "patient.case.json")  # signed by the test before
    ds = pydicom.dcmread(data / "RD_LIVER.dcm")
    ds.ContentTime = "235959"  # re-exported: same UID, other bytes
    ds.save_as(data / "RD_LIVER.dcm")
    w = _open(data, tmp_path / "s.ini")
    try:
        _select(w, "LIVER")
        w.review.wait()
        process_until(lambda: bool(w.review.changed))
        status = w.review.label.toolTip()
        assert status.startswith("⚠ reviewed files changed since the sign-off of LIVER by Dr Test Reviewer")
        assert "RD_LIVER.dcm has other contents" in status
        messages = [w.report.tree.topLevelItem(i).text(2) for i in range(w.report.tree.topLevelItemCount())]
        assert any(m.startswith("reviewed files changed since the sign-off of LIVER") for m in messages)
    finally:
        close_window(w)


def test_the_bundled_example_is_never_written_a_sign_off_goes_to_a_new_case_file(qapp, tmp_path, monkeypatch):
    bundled = bundled_example_path()
    digest = hashlib.sha256(bundled.read_bytes()).hexdigest()
    w = _open(SAMPLE_DICOM, tmp_path / "s.ini")
    try:
        assert w.timeline_view.case_path() == bundled
        target = tmp_path / "RTR-SAMPLE-001.case.json"
        suggested = []
        monkeypatch.setattr(CaseFileChooser, "ask", classmethod(lambda cls, parent, s: suggested.append(s)
                                                                 or str(target)))
        monkeypatch.setattr(SignOffDialog, "ask", classmethod(
            lambda cls, parent, plans, checked, reviewer="", role="", where="":
            SignOffRequest("Dr A", "medical physicist", "approved", "", [k for k, _t in plans])))
        assert w.review.sign_off()
        w.review.wait()
        process_until(lambda: not w.review.runner.busy)
        assert suggested[0].endswith("RTR-SAMPLE-001.case.json")
        assert hashlib.sha256(bundled.read_bytes()).hexdigest() == digest
        log = read_log(target)
        assert [e["plan_label"] for e in log] == ["LIVER", "L ILIUM"]
        assert w.timeline_view.case_path() == target and len(w.timeline_view.case().events) > 10
    finally:
        close_window(w)
