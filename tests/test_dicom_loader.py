"""load(): progress reporting, cancellation, several courses on one CT / structure set."""
import numpy as np
import pytest

import dicom_builders as b
from rtreview.core.dicom import loader
from rtreview.core.dicom.loader import LoadCancelled, load


def test_progress_counts_every_file(tmp_path):
    b.small_case(tmp_path)
    (tmp_path / "readme.txt").write_text("x")
    calls = []
    case = load([tmp_path], progress=lambda done, total, msg: calls.append((done, total, msg)))
    assert len(case.links) == 1
    totals = {t for _, t, _ in calls}
    assert totals == {2 * 9}  # 5 CT + RS + plan + dose + text file, each scanned then used
    dones = [d for d, _, _ in calls]
    assert dones == sorted(dones) and dones[-1] == 18 and calls[-1][2] == "loaded"
    assert any("reading header" in m for _, _, m in calls)


def test_cancel_raises(tmp_path):
    b.small_case(tmp_path)
    seen = []

    def cancel():
        seen.append(1)
        return len(seen) > 3

    with pytest.raises(LoadCancelled):
        load(tmp_path, cancel=cancel)
    assert loader.LoadCancelled is LoadCancelled


def test_two_courses_on_one_ct(tmp_path):
    parts = b.small_case(tmp_path)
    ss, frame = parts["rtstruct"], parts["rtstruct"].ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID
    patient = dict(patient_id="SYN001", patient_name="Synthetic^Patient")
    plan2 = b.rtplan(label="L ILIUM", rx_gy=30.0, fractions=10, structure_set_uid=ss.SOPInstanceUID,
                     frame_uid=frame, **patient)
    dose2 = b.rtdose(np.full((5, 8, 8), 3.0), plan_uid=plan2.SOPInstanceUID, frame_uid=frame, **patient)
    b.save(plan2, tmp_path / "course2" / "plan.dcm")
    b.save(dose2, tmp_path / "course2" / "dose.dcm")
    case = load(tmp_path)
    p = case.patients[0]
    assert len(p.links) == 2 and len(p.cts) == 1 and len(p.structure_sets) == 1
    liver, ilium = p.link_for_plan("PLAN"), p.link_for_plan("l ilium")
    assert liver.dose.max_gy == pytest.approx(2.0) and ilium.dose.max_gy == pytest.approx(3.0)
    assert ilium.plan.fractions == 10 and ilium.plan.dose_per_fraction_gy == pytest.approx(3.0)
    assert liver.structure_set is ilium.structure_set is p.structure_sets[0]
    assert liver.ct is ilium.ct is p.cts[0]
    assert liver.notes == [] and ilium.notes == []


def test_unreferenced_ct_series_not_read(tmp_path):
    b.small_case(tmp_path)
    for k, ds in enumerate(b.ct_series([0.0, 2.0], patient_id="SYN001")):
        b.save(ds, tmp_path / "other" / f"c{k}.dcm")
    case = load(tmp_path)
    assert len(case.patients[0].cts) == 1
    assert any("not used by any structure set, plan or dose" in i.message for i in case.report.ignored)


def test_ct_only_load_reads_all_series(tmp_path):
    for k, ds in enumerate(b.ct_series([0.0, 2.0, 4.0])):
        b.save(ds, tmp_path / f"c{k}.dcm")
    case = load(tmp_path)
    assert case.patients[0].cts[0].hu.shape == (3, 8, 8) and case.links == []


def test_dose_alone_is_a_link(tmp_path):
    b.save(b.rtdose(np.ones((2, 3, 4))), tmp_path / "d.dcm")
    link = load(tmp_path).links[0]
    assert link.plan is None and link.structure_set is None and link.ct is None
    assert link.label == "d.dcm" and "names no RT Plan" in link.notes[0]


def test_malformed_value_reported_not_raised(tmp_path):
    ds = b.rtdose(np.ones((2, 3, 4)), scaling=0.0625)
    path = b.save(ds, tmp_path / "d.dcm")
    data = path.read_bytes()
    assert data.count(b"0.0625") == 1
    path.write_bytes(data.replace(b"0.0625", b"abcdef"))  # pydicom refuses to write a bad DS
    case = load(tmp_path)
    assert case.patients == []
    assert [i.message for i in case.report.errors] == [
        "RT Dose DoseGridScaling is not numeric ('abcdef')"]


def test_mixed_series_split_and_referenced_one_linked(tmp_path):
    parts = b.small_case(tmp_path)
    frame = parts["ct"][0].FrameOfReferenceUID
    other = b.ct_series([0.0, 3.0, 6.0], frame_uid=frame, patient_id="SYN001")
    for k, ds in enumerate(other):
        b.save(ds, tmp_path / "ct" / f"other{k}.dcm")  # same folder, same frame, another series
    case = load(tmp_path)
    cts = {ct.series_instance_uid: ct for ct in case.patients[0].cts}
    assert len(cts) == 2
    assert cts[other[0].SeriesInstanceUID].hu.shape == (3, 8, 8)
    assert case.links[0].ct is cts[parts["ct"][0].SeriesInstanceUID]
    assert case.links[0].ct.hu.shape == (5, 8, 8)
