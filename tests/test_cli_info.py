"""``rtreview info``: text and JSON inventory, exit statuses."""
import json
import zipfile

import numpy as np
import pydicom
import pytest

import dicom_builders as b
from rtreview.cli.main import main


def _json(capsys, *argv):
    status = main(["info", *map(str, argv), "--json"])
    out = capsys.readouterr()
    return status, json.loads(out.out), out.err


def test_json_dicompyler_example(capsys, reference_dicom):
    folder = reference_dicom / "dicompyler-core-example"
    status, facts, err = _json(capsys, folder)
    assert status == 0 and err == ""
    (patient,) = facts["patients"]
    assert patient["patient_id"] == "123456"
    assert "boost" not in json.dumps(facts)  # the patient's name is never printed
    (plan,) = patient["plans"]
    assert (plan["label"], plan["prescription_gy"], plan["fractions"], plan["dose_per_fraction_gy"]) == ("B1", 14.0, 7, 2.0)
    (dose,) = patient["doses"]
    raw = pydicom.dcmread(folder / "rtdose.dcm")
    assert dose["shape"] == [98, 129, 194] and dose["spacing_mm"] == [2.5, 2.5, 3.0]
    assert dose["max_gy"] == pytest.approx(float(raw.pixel_array.max()) * float(raw.DoseGridScaling), abs=1e-4)
    assert dose["plan_label"] == "B1" and dose["summation_type"] == "PLAN" and dose["units"] == "GY"
    assert dose["structure_set_path"].endswith("rtss.dcm") and len(dose["stored_dvh_rois"]) == 9
    (ss,) = patient["structure_sets"]
    assert len(ss["rois"]) == 10
    assert ss["rois"][1] == {"number": 2, "name": "Areola", "type": "AVOIDANCE", "planes": 0, "empty": True,
                             "points": 0, "notes": ["no contours"]}
    (ct,) = patient["cts"]
    assert ct["shape"] == [1, 512, 512] and ct["spacing_mm"][2] is None
    assert facts["report"]["errors"] == [] and facts["report"]["ignored"] == []  # the vendored set holds DICOM only


def test_text_output(capsys, reference_dicom):
    status = main(["info", str(reference_dicom / "dicompyler-core-example")])
    out = capsys.readouterr().out
    assert status == 0
    assert "Patient 123456" in out and "boost" not in out
    assert "B1: Rx 14 Gy (dose reference), 7 fx, 2 Gy/fx" in out
    assert "rtdose.dcm: 98x129x194 (frames x rows x columns), spacing 2.5 x 2.5 x 3 mm, max 14.68 Gy, PLAN, plan B1" in out
    assert "Areola" in out and "empty" in out and "98 planes" in out
    assert "Load report: 0 error(s), 0 warning(s), 0 ignored" in out


def test_json_keeps_doses_that_share_a_uid(capsys, tmp_path):
    """Three grid UIDs, each shared by two files (as in the Nelms benchmark's dose_grids/): all six are
    listed. Synthetic, so it runs on every checkout (the Nelms data are not vendored)."""
    frame = pydicom.uid.generate_uid()
    for k in range(3):
        uid = pydicom.uid.generate_uid()
        for j, scale in enumerate((1.0, 2.0)):
            ds = b.rtdose(np.full((3, 4, 4), scale * (k + 1)), frame_uid=frame)
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
            b.save(ds, tmp_path / f"dose_{k}_{j}.dcm")
    status, facts, _ = _json(capsys, tmp_path)
    doses = facts["patients"][0]["doses"]
    assert status == 0 and len(doses) == 6 and len({d["sop_instance_uid"] for d in doses}) == 3


def test_zip_and_warnings(capsys, tmp_path):
    parts = b.small_case(tmp_path / "src")
    del parts["ct"][2].PixelData  # one bad slice: CT still loads with a warning
    b.save(parts["ct"][2], tmp_path / "src" / "ct" / "ct2.dcm")
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        for p in (tmp_path / "src").rglob("*.dcm"):
            zf.write(p, "a/" + p.relative_to(tmp_path / "src").as_posix())
    status, facts, _ = _json(capsys, tmp_path / "x.zip")
    patient = facts["patients"][0]
    assert status == 0 and patient["doses"][0]["plan_label"] == "PLAN"
    assert patient["plans"][0]["prescription_gy"] == 50.0
    assert patient["cts"][0]["shape"] == [4, 8, 8]
    assert any("missing slice" in w for w in patient["cts"][0]["warnings"])
    warnings = [w["message"] for w in facts["report"]["warnings"]]
    assert any("CT image has no pixel data" in w for w in warnings)


def test_nothing_usable_exit_1(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    status = main(["info", str(tmp_path)])
    out = capsys.readouterr()
    assert status == 1
    assert "no usable DICOM RT" in out.err
    assert "not a DICOM file" in out.out


def test_usage_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["info"])
    assert info.value.code == 2


def test_subprocess_entry_point(tmp_path):
    import subprocess
    import sys
    b.save(b.rtdose(np.ones((2, 3, 4))), tmp_path / "d.dcm")
    out = subprocess.run([sys.executable, "-m", "rtreview.cli.main", "info", str(tmp_path), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["patients"][0]["doses"][0]["shape"] == [2, 3, 4]


def test_sample_patient_inventory(capsys, sample_dicom):
    if not any(sample_dicom.glob("*.dcm")):
        pytest.skip("sample_dicom/ has not been generated yet")
    status, facts, _ = _json(capsys, sample_dicom)
    (patient,) = facts["patients"]
    plans = {p["label"]: (p["prescription_gy"], p["fractions"], p["dose_per_fraction_gy"]) for p in patient["plans"]}
    assert status == 0 and plans == {"LIVER": (50.0, 25, 2.0), "L ILIUM": (30.0, 10, 3.0)}
    assert sorted(d["plan_label"] for d in patient["doses"]) == ["L ILIUM", "LIVER"]
    assert all(d["structure_set_path"] and d["ct_series_instance_uid"] for d in patient["doses"])
    assert facts["report"]["errors"] == [] and facts["report"]["warnings"] == []
