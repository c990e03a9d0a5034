"""The synthetic sample patient (sample_dicom/) loads completely and links both courses."""
import numpy as np
import pydicom
import pytest

from rtreview.core.dicom.loader import load

KINDS = {"1.2.840.10008.5.1.4.1.1.2": "CT", "1.2.840.10008.5.1.4.1.1.481.3": "RTSTRUCT",
         "1.2.840.10008.5.1.4.1.1.481.5": "RTPLAN", "1.2.840.10008.5.1.4.1.1.481.2": "RTDOSE"}


@pytest.fixture(scope="module")
def sample(sample_dicom):
    files = sorted(p for p in sample_dicom.rglob("*") if p.is_file() and p.suffix.lower() == ".dcm")
    if not files:
        pytest.skip("sample_dicom/ has not been generated yet")
    raw = {p: pydicom.dcmread(p, stop_before_pixels=True) for p in files}
    return load(sample_dicom), raw


def test_counts_match_files(sample):
    case, raw = sample
    by_kind: dict[str, list] = {}
    for path, ds in raw.items():
        by_kind.setdefault(KINDS.get(ds.SOPClassUID, "other"), []).append(path)
    assert len(case.patients) == 1
    patient = case.patients[0]
    assert patient.patient_id == raw[next(iter(raw))].PatientID
    assert len(patient.plans) == len(by_kind["RTPLAN"]) == 2
    assert len(patient.doses) == len(by_kind["RTDOSE"]) == 2
    assert len(patient.structure_sets) == len(by_kind["RTSTRUCT"]) == 1
    assert len(patient.cts) == 1 and patient.cts[0].hu.shape[0] == len(by_kind["CT"])
    assert not case.report.errors
    ss_raw = raw[by_kind["RTSTRUCT"][0]]
    rois = patient.structure_sets[0].rois
    assert [r.name for r in rois] == [i.ROIName for i in ss_raw.StructureSetROISequence]
    assert {"BODY", "LIVER", "PTV_LIVER", "PTV_ILIUM"} <= {r.name for r in rois}
    assert all(not r.is_empty for r in rois)


@pytest.mark.parametrize("label, rx, fractions", [("LIVER", 50.0, 25), ("L ILIUM", 30.0, 10)])
def test_courses_linked(sample, label, rx, fractions):
    case, raw = sample
    patient = case.patients[0]
    link = patient.link_for_plan(label)
    assert link.plan.prescription_gy == pytest.approx(rx)
    assert link.plan.fractions == fractions
    assert link.plan.dose_per_fraction_gy == pytest.approx(rx / fractions)
    assert link.structure_set is patient.structure_sets[0]
    assert link.ct is patient.cts[0]
    assert link.dose.referenced_plan_uid == link.plan.sop_instance_uid
    full = pydicom.dcmread(link.dose.path)
    assert link.dose.max_gy == pytest.approx(float(full.pixel_array.max()) * float(full.DoseGridScaling), rel=1e-6)
    assert link.dose.max_gy > rx  # a real plan's hot spot exceeds its prescription
    assert not [n for n in link.notes if "mismatch" in n]


def test_ct_values(sample):
    case, raw = sample
    ct = case.patients[0].cts[0]
    assert np.all(np.diff(ct.z_mm) > 0) and ct.warnings == []
    first = min((p for p, ds in raw.items() if KINDS.get(ds.SOPClassUID) == "CT"),
                key=lambda p: float(raw[p].ImagePositionPatient[2]))
    ds = pydicom.dcmread(first)
    expected = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(ct.hu[0], expected)
