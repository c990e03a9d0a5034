"""`rtreview dvh` through a subprocess: JSON contract, CSV rows, values equal the engine's.

Data: a synthetic structure set (a point and a 20 x 20 mm square prism on 9 planes, z 4..20 mm) with
two linear dose grids sharing one SOP Instance UID (an anterior-posterior and a superior-inferior
gradient), built in tmp_path: the same situation as the Nelms benchmark's Linear_* grids, with
analytic truth, so the tests run on any checkout (the Nelms data are not vendored)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from pydicom.uid import generate_uid

import dicom_builders as b
from conftest import REPO

SHARED_UID = generate_uid()
PLANES_MM = [4.0 + 2.0 * k for k in range(9)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_dvh")
    frame = generate_uid()
    ss = b.rtstruct([{"number": 1, "name": "POI_1", "type": "MARKER", "contours": [("POINT", [[0.0, 0.0, 10.0]])]},
                     {"number": 2, "name": "Prism", "type": "ORGAN",
                      "contours": [("CLOSED_PLANAR", b.roi_square(z, half=10.0)) for z in PLANES_MM]}],
                    frame_uid=frame)
    z = np.arange(16) * 2.0
    y = -20.0 + np.arange(21) * 2.0
    si = np.broadcast_to(z[:, None, None], (16, 21, 21))  # 1 Gy per mm along z
    ap = np.broadcast_to(y[None, :, None] + 25.0, (16, 21, 21))  # 1 Gy per mm along y, 5..45 Gy
    out = {"struct": b.save(ss, folder / "rtstruct.dcm")}
    for key, dose in (("ap", ap), ("si", si)):
        ds = b.rtdose(dose, origin=(-20.0, -20.0, 0.0), spacing=(2.0, 2.0), scaling=1e-3, frame_uid=frame)
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = SHARED_UID
        out[key] = b.save(ds, folder / f"dose_{key}.dcm")
    return out


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rtreview", "dvh", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def _engine(struct_path, dose_path):
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import compute_dvh
    return compute_dvh(read_structure_set(str(struct_path)).roi(2), read_dose(str(dose_path)))


def test_json_one_structure_set_two_doses_sharing_a_uid(files):
    out = _run(str(files["struct"]), str(files["ap"]), str(files["si"]))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    doses = {d["path"]: d for d in result["doses"]}
    assert len(doses) == 2  # the two files share a SOP Instance UID; both are reported
    for key in ("ap", "si"):
        entry = doses[str(files[key])]
        assert entry["sop_instance_uid"] == SHARED_UID
        assert set(entry) >= {"sop_instance_uid", "plan_label", "fractions", "prescription_gy", "structures"}
        assert entry["fractions"] is None and entry["prescription_gy"] is None  # no RT Plan in the load
        assert entry["skipped"] == []  # POI_1 is a point: listed under points, with its dose
        (point,) = entry["points"]
        assert point["roi_number"] == 1 and point["name"] == "POI_1" and point["position_mm"] == [0.0, 0.0, 10.0]
        # At (0, 0, 10) mm: AP grid 0 + 25 Gy, SI grid 10 Gy (1 Gy/mm along z).
        assert point["dose_gy"] == pytest.approx({"ap": 25.0, "si": 10.0}[key], abs=1e-3)
        (s,) = entry["structures"]
        dvh = _engine(files["struct"], files[key])
        assert s["name"] == dvh.name == "Prism" and s["roi_number"] == 2 and s["type"] == dvh.type
        for name, value in (("volume_cc", dvh.volume_cc), ("covered_volume_cc", dvh.covered_volume_cc),
                            ("min_gy", dvh.min_gy), ("mean_gy", dvh.mean_gy), ("max_gy", dvh.max_gy),
                            ("d95_gy", dvh.d_pct(95)), ("d2_gy", dvh.d_pct(2)), ("d0_03cc_gy", dvh.d_cc(0.03))):
            assert s[name] == pytest.approx(value, abs=1e-5), name
        assert s["d2cc_gy"] == pytest.approx(dvh.d_cc(2.0), abs=1e-5)
        assert s["hi"] is None  # the prism is no target: HI is a target index (issue 14)
        # 20 x 20 mm on 9 planes of 2 mm slabs: 7.2 cc, all inside the grid.
        assert s["volume_cc"] == pytest.approx(7.2, rel=1e-3) and s["covered_volume_cc"] == pytest.approx(7.2, rel=1e-3)
        cum = s["cumulative"]
        assert cum["dose_gy"][0] == 0.0 and len(cum["dose_gy"]) == len(cum["volume_cc"]) == dvh.dose_gy.size
        assert cum["volume_cc"][0] == pytest.approx(s["covered_volume_cc"], rel=1e-5)
        assert cum["volume_cc"][-1] == 0.0
    # SI: 1 Gy/mm along z; the end caps extend the planes 4..20 mm by 1 mm: analytic 3 .. 21 Gy, mean 12 Gy.
    si = doses[str(files["si"])]["structures"][0]
    assert si["min_gy"] == pytest.approx(3.0, abs=0.01) and si["max_gy"] == pytest.approx(21.0, abs=0.01)
    assert si["mean_gy"] == pytest.approx(12.0, abs=0.01)
    # AP: 1 Gy/mm along y over y -10..10 mm (+25 Gy): 15 .. 35 Gy, mean 25 Gy.
    ap = doses[str(files["ap"])]["structures"][0]
    assert ap["min_gy"] == pytest.approx(15.0, abs=0.01) and ap["max_gy"] == pytest.approx(35.0, abs=0.01)
    assert ap["mean_gy"] == pytest.approx(25.0, abs=0.01)


def test_csv_and_bin_width(files):
    out = _run(str(files["struct"]), str(files["ap"]), "--format", "csv", "--bin-width", "0.1")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 1
    dvh = _engine(files["struct"], files["ap"])
    row = rows[0]
    assert row["name"] == dvh.name and int(row["roi_number"]) == 2
    assert float(row["volume_cc"]) == pytest.approx(dvh.volume_cc, abs=1e-5)
    assert float(row["d98_gy"]) == pytest.approx(dvh.d_pct(98), abs=1e-5)
    out_json = json.loads(_run(str(files["struct"]), str(files["ap"]), "--bin-width", "0.1").stdout)
    s = out_json["doses"][0]["structures"][0]
    assert s["bin_width_gy"] == 0.1
    assert s["cumulative"]["dose_gy"][:3] == [0.0, 0.1, 0.2]


def test_nothing_to_compute(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("not dicom")
    out = _run(str(junk))
    assert out.returncode == 1
    assert "no DVH computed" in out.stderr
    assert json.loads(out.stdout) == {"doses": []}
    assert _run(str(junk), "--bin-width", "0").returncode == 2
