"""De-identified reports: no patient name, ID or birth date anywhere in the file (raw bytes,
inflated streams, extracted text, metadata); UIDs pseudonymised. CJK names round-trip."""
from __future__ import annotations

import copy
import functools
import subprocess

import pytest

from report_support import SAMPLE, pdf_streams, pdftotext, qt_app, sample_case, sample_pdf


def _forbidden(name: str, patient_id: str, birth: str) -> list[str]:
    parts = [p for p in name.replace("=", "^").split("^") if p]
    return [name, name.replace("^", " "), name.replace("^", ""), patient_id, birth, birth.replace("-", "")] + parts


def _encodings(term: str) -> list[bytes]:
    return [term.encode("utf-8"), term.encode("utf-16-be"), term.encode("utf-16-le")]


def _assert_absent(path, terms: list[str]) -> None:
    raw = path.read_bytes()
    blobs = [raw] + pdf_streams(path)
    text = pdftotext(path) + pdftotext(path, layout=False)
    info = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True).stdout
    for term in terms:
        assert term.casefold() not in text.casefold(), f"{term!r} in the extracted text"
        assert term.casefold() not in info.casefold(), f"{term!r} in the metadata"
        for blob in blobs:
            for enc in _encodings(term):
                assert enc not in blob, f"{term!r} in the file bytes"


def test_sample_deidentified_has_no_name_id_or_birth_date():
    patient = sample_case().patients[0]
    assert patient.name and patient.patient_id and patient.birth_date
    path, _ = sample_pdf(True)
    _assert_absent(path, _forbidden(patient.name, patient.patient_id, patient.birth_date))
    text = pdftotext(path)
    assert "De-identified patient" in text
    for link in sample_case().links:  # UIDs pseudonymised, structures and numbers still there
        assert link.dose.sop_instance_uid not in text
        assert "PTV_LIVER" in text


def test_identified_report_shows_them():
    patient = sample_case().patients[0]
    path, _ = sample_pdf(False)
    text = " ".join(pdftotext(path).split())
    assert patient.patient_id in text and patient.birth_date in text
    assert patient.name.replace("^", " ") in text


@functools.lru_cache(maxsize=None)
def _cjk_content():
    """The sample's LIVER plan with a Chinese patient name and a Chinese structure name."""
    from rtreview.core.dicom.loader import load
    from rtreview.report.content import gather

    sample_case()  # the snapshot of sample_dicom/
    case = load([str(SAMPLE)])
    patient = case.patients[0]
    patient.name = "张^三"
    roi = next(r for r in case.links[0].structure_set.rois if r.name == "LIVER")
    roi.name = "肝脏"
    return gather(case, [str(SAMPLE)], plan_labels=["LIVER"], composite=False)


@pytest.mark.parametrize("deidentify", [False, True])
def test_cjk_names_round_trip_and_are_scrubbed(tmp_path, deidentify):
    from rtreview.report.builder import render

    qt_app()
    content = copy.copy(_cjk_content())
    path = tmp_path / "cjk.pdf"
    render(content, str(path), deidentify=deidentify)
    text = pdftotext(path)
    assert "肝脏" in text  # the structure name in the table and the legend
    rows = [line.split() for line in text.splitlines() if line.split()[:1] == ["肝脏"]]
    assert rows and any(len(r) >= 12 for r in rows)
    if deidentify:
        _assert_absent(path, ["张^三", "张 三", "张三", content.patient_id, content.birth_date])
    else:
        assert "张三" in text  # a CJK name reads without the PN separator
