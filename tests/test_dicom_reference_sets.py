"""load() on every reference file set, compared with what pydicom reads directly."""
from pathlib import Path

import numpy as np
import pydicom
import pytest

from rtreview.core.dicom.loader import load
from rtreview.core.dicom.rtplan import read_plan


def _raw(path: Path, **kw) -> pydicom.Dataset:
    return pydicom.dcmread(path, force=True, **kw)


def test_dicompyler_example_links_everything(reference_dicom):
    folder = reference_dicom / "dicompyler-core-example"
    case = load(folder)
    assert [p.patient_id for p in case.patients] == ["123456"]
    patient = case.patients[0]
    assert (len(patient.plans), len(patient.doses), len(patient.structure_sets), len(patient.cts)) == (1, 1, 1, 1)
    link = patient.links[0]
    assert link.plan is patient.plans[0] and link.structure_set is patient.structure_sets[0]
    assert link.ct is patient.cts[0] and link.notes == []
    assert patient.link_for_plan("b1") is link

    raw_plan = _raw(folder / "rtplan.dcm")
    plan = link.plan
    assert plan.label == raw_plan.RTPlanLabel == "B1"
    assert plan.prescription_gy == pytest.approx(float(raw_plan.DoseReferenceSequence[0].TargetPrescriptionDose)) == 14.0
    assert plan.fractions == int(raw_plan.FractionGroupSequence[0].NumberOfFractionsPlanned) == 7
    assert plan.dose_per_fraction_gy == pytest.approx(2.0)
    assert plan.date == "1901-01-01"
    assert any("11.3114" in n for n in plan.notes)  # the second (point) target dose is mentioned

    raw_dose = _raw(folder / "rtdose.dcm")
    dose = link.dose
    assert dose.shape == (98, 129, 194)
    assert dose.spacing_mm[:2] == (2.5, 2.5)
    assert dose.max_gy == pytest.approx(float(raw_dose.pixel_array.max()) * float(raw_dose.DoseGridScaling), rel=1e-6)
    assert dose.summation_type == "PLAN" and dose.units == "GY"

    ss = link.structure_set
    raw_ss = _raw(folder / "rtss.dcm")
    assert [r.name for r in ss.rois] == [i.ROIName for i in raw_ss.StructureSetROISequence]
    assert len(ss.rois) == 10 and ss.roi(2).name == "Areola" and ss.roi(2).is_empty
    assert ss.referenced_series_uid == patient.cts[0].series_instance_uid

    ct = patient.cts[0]
    raw_ct = _raw(folder / "ct.0.dcm")
    assert ct.hu.shape == (1, 512, 512)
    expected = raw_ct.pixel_array.astype(float) * float(raw_ct.RescaleSlope) + float(raw_ct.RescaleIntercept)
    np.testing.assert_array_equal(ct.hu[0], expected)
    assert ct.z_mm[0] == pytest.approx(float(raw_ct.ImagePositionPatient[2]))


def test_dicompyler_example_stored_dvhs(reference_dicom):
    folder = reference_dicom / "dicompyler-core-example"
    dose = load(folder / "rtdose.dcm").patients[0].doses[0]
    raw = _raw(folder / "rtdose.dcm", stop_before_pixels=True)
    numbers = [int(i.DVHReferencedROISequence[0].ReferencedROINumber) for i in raw.DVHSequence]
    assert sorted(dose.stored_dvhs) == sorted(numbers) and len(numbers) == 9
    item = raw.DVHSequence[numbers.index(5)]
    data = np.array(item.DVHData, dtype=float)
    dose_gy, volume = dose.stored_dvhs[5]
    assert item.DVHType == "CUMULATIVE" and dose.stored_dvh_volume_units[5] == "CM3"
    np.testing.assert_allclose(volume, data[1::2])
    np.testing.assert_allclose(dose_gy[1:], np.cumsum(data[0::2])[:-1] * float(item.DVHDoseScaling))
    assert dose_gy[0] == 0.0 and np.all(np.diff(volume) <= 1e-9)


def test_pydicom_testdata(reference_dicom):
    folder = reference_dicom / "pydicom-testdata"
    case = load(folder)
    by_id = {p.patient_id: p for p in case.patients}
    assert sorted(by_id) == ["id00001", "id11111", "tPhantom30sep"]
    doses = {Path(d.path).name: d for d in by_id["id11111"].doses}
    assert sorted(doses) == ["rtdose.dcm", "rtdose_1frame.dcm", "rtdose_expb.dcm", "rtdose_rle.dcm"]
    base = doses["rtdose.dcm"]
    raw = _raw(folder / "rtdose.dcm")
    np.testing.assert_allclose(base.dose_gy, raw.pixel_array * float(raw.DoseGridScaling), rtol=1e-6)
    assert base.units == "RELATIVE" and base.summation_type == "BEAM"
    for name in ("rtdose_rle.dcm", "rtdose_expb.dcm"):
        np.testing.assert_array_equal(doses[name].dose_gy, base.dose_gy)
    assert doses["rtdose_1frame.dcm"].shape == (1, 10, 10)
    # doses whose plan is absent stay usable links with plan None
    assert len(by_id["id11111"].links) == 4
    assert all(link.plan is None and link.structure_set is None for link in by_id["id11111"].links)
    ss = by_id["tPhantom30sep"].structure_sets[0]
    assert [(r.name, r.type) for r in ss.rois] == [("patient", "EXTERNAL"), ("Isocenter 1", "ISOCENTER"),
                                                   ("Isocenter 2", "ISOCENTER")]
    assert len(ss.roi(2).points_mm) == 1 and len(ss.roi(3).points_mm) == 1
    plan = by_id["id00001"].plans[0]
    raw_plan = _raw(folder / "rtplan.dcm")
    assert plan.label == "Plan1"
    assert plan.prescription_gy == pytest.approx(float(raw_plan.DoseReferenceSequence[1].TargetPrescriptionDose))
    assert plan.fractions == 30
    assert plan.dose_per_fraction_gy == pytest.approx(plan.prescription_gy / 30)


def test_nelms_benchmark(nelms):
    folder = nelms
    case = load(folder)
    assert [p.patient_id for p in case.patients] == ["MP15-067"]
    patient = case.patients[0]
    assert len(patient.structure_sets) == 50 and len(patient.doses) == 6 and not patient.plans
    uids = [d.sop_instance_uid for d in patient.doses]
    assert len(set(uids)) == 3  # AP and SI share UIDs per grid size; both files kept
    assert sorted(Path(d.path).name for d in patient.doses) == sorted(p.name for p in (folder / "dose_grids").glob("*.dcm"))
    assert len(patient.links) == 6
    assert not case.report.errors
    # csv / markdown / license files are reported, not loaded
    assert {Path(i.path).suffix for i in case.report.ignored} <= {".csv", ".md", ".txt"}


def test_nelms_single_structure_set_pairs_with_dose(nelms):
    folder = nelms
    case = load([folder / "structures" / "Sphere_10_0.dcm", folder / "dose_grids" / "Linear_SupInf_2mm_Aligned.dcm",
                 folder / "dose_grids" / "Linear_AntPost_2mm_Aligned.dcm"])
    links = case.links
    assert len(links) == 2 and links[0].dose.sop_instance_uid == links[1].dose.sop_instance_uid
    for link in links:
        assert link.structure_set is not None and link.structure_set.roi("Sphere_10_0")
        assert link.plan is None
        assert any("paired with the only structure set" in n for n in link.notes)


def test_plan_reader_on_reference_plans(reference_dicom):
    plan = read_plan(reference_dicom / "pydicom-testdata" / "rtplan.dcm")
    assert plan.date == "2003-09-03" and plan.referenced_structure_set_uid == "1.2.333.444.55.6.7777.88888"
