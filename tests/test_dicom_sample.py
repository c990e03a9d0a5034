"""The synthetic sample patient (sample_dicom/) loads completely and links both courses: LIVER on
the first CT, L ILIUM on its own CT (own frame of reference) joined by the REG."""
import numpy as np
import pydicom
import pytest

from rtreview.core.dicom.loader import load

KINDS = {"1.2.840.10008.5.1.4.1.1.2": "CT", "1.2.840.10008.5.1.4.1.1.481.3": "RTSTRUCT",
         "1.2.840.10008.5.1.4.1.1.481.5": "RTPLAN", "1.2.840.10008.5.1.4.1.1.481.2": "RTDOSE",
         "1.2.840.10008.5.1.4.1.1.66.1": "REG"}
# plan label -> (structure set file, first CT slice file) it lives on
ON = {"LIVER": ("RS_SYNTHETIC.dcm", "CT_"), "L ILIUM": ("RS_L_ILIUM_CT2.dcm", "CT2_")}


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
    assert len(patient.structure_sets) == len(by_kind["RTSTRUCT"]) == 2
    assert len(patient.registrations) == len(by_kind["REG"]) == 1
    series = {raw[p].SeriesInstanceUID: [] for p in by_kind["CT"]}
    for p in by_kind["CT"]:
        series[raw[p].SeriesInstanceUID].append(p)
    assert sorted(len(ct.z_mm) for ct in patient.cts) == sorted(len(v) for v in series.values()) == [67, 117]
    assert not case.report.errors
    for ss in patient.structure_sets:
        (ss_path,) = [p for p in by_kind["RTSTRUCT"] if raw[p].SOPInstanceUID == ss.sop_instance_uid]
        assert [r.name for r in ss.rois] == [i.ROIName for i in raw[ss_path].StructureSetROISequence]
        assert all(not r.is_empty for r in ss.rois)
    first = next(ss for ss in patient.structure_sets if ss.path.endswith("RS_SYNTHETIC.dcm"))
    assert {"BODY", "LIVER", "PTV_LIVER", "PTV_ILIUM"} <= {r.name for r in first.rois}
    second = next(ss for ss in patient.structure_sets if ss.path.endswith("RS_L_ILIUM_CT2.dcm"))
    assert {"BODY", "PTV_ILIUM", "BLADDER", "CAUDA_EQUINA"} <= {r.name for r in second.rois}
    assert "LIVER" not in {r.name for r in second.rois}  # CT 2 is the pelvis
    assert first.frame_of_reference_uid != second.frame_of_reference_uid
    assert patient.frame_links.mapping(first.frame_of_reference_uid, second.frame_of_reference_uid).kind == "RIGID"


@pytest.mark.parametrize("label, rx, fractions", [("LIVER", 50.0, 25), ("L ILIUM", 30.0, 10)])
def test_courses_linked(sample, label, rx, fractions):
    case, raw = sample
    patient = case.patients[0]
    link = patient.link_for_plan(label)
    assert link.plan.prescription_gy == pytest.approx(rx)
    assert link.plan.fractions == fractions
    assert link.plan.dose_per_fraction_gy == pytest.approx(rx / fractions)
    rs_name, ct_prefix = ON[label]
    assert link.structure_set.path.endswith(rs_name)
    assert link.ct is not None and link.ct.frame_of_reference_uid == link.structure_set.frame_of_reference_uid
    ct_files = [p for p, ds in raw.items() if p.name.startswith(ct_prefix) and KINDS.get(ds.SOPClassUID) == "CT"]
    assert len(link.ct.z_mm) == len(ct_files)
    assert link.dose.frame_of_reference_uid == link.structure_set.frame_of_reference_uid
    assert link.dose.referenced_plan_uid == link.plan.sop_instance_uid
    full = pydicom.dcmread(link.dose.path)
    assert link.dose.max_gy == pytest.approx(float(full.pixel_array.max()) * float(full.DoseGridScaling), rel=1e-6)
    assert link.dose.max_gy > rx  # a real plan's hot spot exceeds its prescription
    assert not [n for n in link.notes if "mismatch" in n]


@pytest.mark.parametrize("prefix", ["CT_", "CT2_"])
def test_ct_values(sample, prefix):
    case, raw = sample
    first = min((p for p, ds in raw.items() if KINDS.get(ds.SOPClassUID) == "CT" and p.name.startswith(prefix)),
                key=lambda p: float(raw[p].ImagePositionPatient[2]))
    (ct,) = [c for c in case.patients[0].cts if c.series_instance_uid == raw[first].SeriesInstanceUID]
    assert np.all(np.diff(ct.z_mm) > 0) and ct.warnings == []
    ds = pydicom.dcmread(first)
    expected = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(ct.hu[0], expected)
