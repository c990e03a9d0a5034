"""`rtreview dvh` through a subprocess: JSON contract, CSV rows, values equal the engine's."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from conftest import REPO
from reference_data import NELMS, NELMS_SKIP_REASON

STRUCT = NELMS / "structures" / "Cone_20_0.dcm"
DOSE_AP = NELMS / "dose_grids" / "Linear_AntPost_2mm_Aligned.dcm"
DOSE_SI = NELMS / "dose_grids" / "Linear_SupInf_2mm_Aligned.dcm"

pytestmark = pytest.mark.skipif(not STRUCT.is_file(), reason=NELMS_SKIP_REASON)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rtreview", "dvh", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def _engine(dose_path):
    from rtreview.core.dicom.rtdose import read_dose
    from rtreview.core.dicom.rtstruct import read_structure_set
    from rtreview.core.dvh import compute_dvh
    return compute_dvh(read_structure_set(str(STRUCT)).roi(2), read_dose(str(dose_path)))


def test_json_one_structure_set_two_doses_sharing_a_uid():
    out = _run(str(STRUCT), str(DOSE_AP), str(DOSE_SI))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    doses = {d["path"]: d for d in result["doses"]}
    assert len(doses) == 2  # the two files share a SOP Instance UID; both are reported
    for path in (DOSE_AP, DOSE_SI):
        entry = doses[str(path)]
        assert set(entry) >= {"sop_instance_uid", "plan_label", "fractions", "prescription_gy", "structures"}
        assert entry["fractions"] is None and entry["prescription_gy"] is None  # no RT Plan in the load
        assert [s["roi_number"] for s in entry["skipped"]] == [1]  # POI_1, a point
        (s,) = entry["structures"]
        dvh = _engine(path)
        assert s["name"] == dvh.name and s["roi_number"] == 2 and s["type"] == dvh.type
        for key, value in (("volume_cc", dvh.volume_cc), ("covered_volume_cc", dvh.covered_volume_cc),
                           ("min_gy", dvh.min_gy), ("mean_gy", dvh.mean_gy), ("max_gy", dvh.max_gy),
                           ("d95_gy", dvh.d_pct(95)), ("d2_gy", dvh.d_pct(2)), ("d0_03cc_gy", dvh.d_cc(0.03))):
            assert s[key] == pytest.approx(value, abs=1e-5), key
        assert s["d2cc_gy"] == pytest.approx(dvh.d_cc(2.0), abs=1e-5)
        assert s["hi"] is None  # the cone is no target: HI is a target index (issue 14)
        cum = s["cumulative"]
        assert cum["dose_gy"][0] == 0.0 and len(cum["dose_gy"]) == len(cum["volume_cc"]) == dvh.dose_gy.size
        assert cum["volume_cc"][0] == pytest.approx(s["covered_volume_cc"], rel=1e-5)
        assert cum["volume_cc"][-1] == 0.0
    # SI: the end caps extend the dose range by 1 mm at 1 Gy/mm (analytic 3 .. 29 Gy).
    si = doses[str(DOSE_SI)]["structures"][0]
    assert si["min_gy"] == pytest.approx(3.0, abs=0.01) and si["max_gy"] == pytest.approx(29.0, abs=0.01)


def test_csv_and_bin_width():
    out = _run(str(STRUCT), str(DOSE_AP), "--format", "csv", "--bin-width", "0.1")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 1
    dvh = _engine(DOSE_AP)
    row = rows[0]
    assert row["name"] == dvh.name and int(row["roi_number"]) == 2
    assert float(row["volume_cc"]) == pytest.approx(dvh.volume_cc, abs=1e-5)
    assert float(row["d98_gy"]) == pytest.approx(dvh.d_pct(98), abs=1e-5)
    out_json = json.loads(_run(str(STRUCT), str(DOSE_AP), "--bin-width", "0.1").stdout)
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
