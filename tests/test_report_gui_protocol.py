"""File ▸ Export PDF… checks each plan against the protocol chosen in the Constraints panel
(not the one the report would suggest itself), with the panel's hand structure mappings."""
from __future__ import annotations

import pytest

from gui_helpers import window_with
from report_support import SAMPLE, pdftotext, sample_case, sections

BONE = "Bone metastasis 30 Gy / 10 fx, pelvis"
HCC = "HCC liver 50 Gy / 25 fx"


@pytest.fixture
def window(qtbot, tmp_path):
    sample_case()  # the snapshot exists
    return window_with(qtbot, tmp_path, [SAMPLE])


def test_export_uses_the_panels_protocol_per_plan(qtbot, window, tmp_path, monkeypatch):
    from rtreview.gui.export import pdf_task as export_pdf_task
    from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions

    w = window
    assert w.session.link.label == "LIVER"
    assert w.constraints.protocol_combo.currentText() == HCC  # suggested
    w.constraints.set_protocol(BONE)  # the reviewer's choice for LIVER
    assert w.constraints.protocol_combo.currentText() == BONE
    out = tmp_path / "panel.pdf"
    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(
        lambda cls, *a, **k: ExportPdfOptions(str(out), ["LIVER", "L ILIUM"])))
    seen = []

    def capture(case, options, progress, cancel):
        seen.append(options)
        return export_pdf_task._default_export(case, options, progress, cancel)

    w.pdf_export.export_fn = capture
    with qtbot.waitSignal(w.pdf_export.exported, timeout=120_000):
        w.pdf_export.ask_and_start()
    options = seen[0]
    assert {label: p.name for label, p in options.protocols.items()} == {"LIVER": BONE, "L ILIUM": BONE}
    text = pdftotext(out)
    parts = sections(text, ["LIVER", "L ILIUM"])
    liver = parts["LIVER"]
    assert f"Constraints — {BONE}" in liver and HCC not in liver
    assert "Protocol" in liver and "Bone metastasis" in liver.split("Dose grid")[0]
    assert f"Constraints — {BONE}" in parts["L ILIUM"]


def test_gather_takes_a_protocol_per_plan_by_object_or_name(qtbot):
    from rtreview.core.constraints import find_protocol
    from rtreview.report.content import gather

    case = sample_case()
    content = gather(case, [str(SAMPLE)], protocols={"LIVER": BONE}, composite=False)
    assert [s.protocol.name for s in content.sections] == [BONE, BONE]  # L ILIUM: its suggestion
    content = gather(case, [str(SAMPLE)], protocols={"L ILIUM": find_protocol(HCC)}, composite=False)
    assert [s.protocol.name for s in content.sections] == [HCC, HCC]
    assert content.sections[1].evaluation.protocol == HCC


def test_export_passes_the_panels_hand_mappings(qtbot, window, tmp_path, monkeypatch):
    from rtreview.gui.export.pdf_dialog import ExportPdfDialog, ExportPdfOptions

    w = window
    hand = {"LIVER": {"Stomach": "DUODENUM"}}
    monkeypatch.setattr(w.constraints, "manual_mapping", lambda link=None: dict(hand.get(link.label, {})))
    monkeypatch.setattr(ExportPdfDialog, "ask", classmethod(
        lambda cls, *a, **k: ExportPdfOptions(str(tmp_path / "m.pdf"), ["LIVER"])))
    seen = []

    def capture(case, options, progress, cancel):
        seen.append(options)
        return options.path

    w.pdf_export.export_fn = capture
    with qtbot.waitSignal(w.pdf_export.exported, timeout=30_000):
        w.pdf_export.ask_and_start()
    assert seen[0].manual == {"LIVER": {"Stomach": "DUODENUM"}}
    assert list(seen[0].protocols) == ["LIVER"] and seen[0].protocols["LIVER"].name == HCC
    # and the report's check uses it: Stomach evaluated on DUODENUM
    from rtreview.report.content import gather

    content = gather(sample_case(), [str(SAMPLE)], plan_labels=["LIVER"], manual=seen[0].manual, composite=False)
    rois = {r.roi_name for r in content.sections[0].evaluation.results if r.structure == "Stomach"}
    assert rois == {"DUODENUM"}
