"""Defect 4: no silent passes. Marginal is its own status, fails a check unless the protocol allows
that constraint's band; serial organs never get a band; --strict only adds "not evaluable
counts as failed" and its summary agrees with the exit status (issue 14)."""
import json
import subprocess
import sys

import pytest

from conftest import SAMPLE_DICOM
from constraints_support import protocol_dict
from verdict_support import protocol

STOMACH_D003_GY = 38.84  # the sample's LIVER plan, as `rtreview check` prints it


def _check(*args):
    out = subprocess.run([sys.executable, "-m", "rtreview", "check", str(SAMPLE_DICOM), *args],
                         capture_output=True, text=True, timeout=300)
    return out


def _hcc_with(tmp_path, stomach: dict, name="HCC stomach test"):
    """The shipped HCC protocol with the stomach's near-maximum constraint replaced."""
    from rtreview.core.constraints.library import protocols_dir

    data = json.loads((protocols_dir() / "hcc_liver_50gy_25fx.json").read_text(encoding="utf-8"))
    data["name"] = name
    for s in data["structures"]:
        if s["name"] == "Stomach":
            s["constraints"] = [stomach]
    path = tmp_path / "hcc_test.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _stomach(limit, marginal=None, allowed=None):
    c = {"metric": "D0.03cc", "comparator": "<=", "limit": limit, "dose_basis": "physical",
         "level": "mandatory", "source": "test"}
    if marginal is not None:
        c["marginal_limit"] = marginal
    if allowed is not None:
        c["variation_allowed"] = allowed
    return c


def test_marginal_fails_the_check(tmp_path):
    path = _hcc_with(tmp_path, _stomach(38.0, 40.0))
    out = _check("--protocol", f"LIVER={path}", "--protocol", "L ILIUM=Bone metastasis", "--format", "json",
                 "--no-composite")
    report = json.loads(out.stdout)
    stomach = [r for r in report["plans"][0]["results"] if r["structure"] == "Stomach"][0]
    assert stomach["value_gy"] == pytest.approx(STOMACH_D003_GY, abs=0.01)
    assert stomach["status"] == "marginal" and stomach["variation_allowed"] is False
    assert stomach["counts_as_failed"] is True
    assert out.returncode == report["exit_status"] == 3


def test_an_allowed_variation_band_is_marginal_but_does_not_fail(tmp_path):
    path = _hcc_with(tmp_path, _stomach(38.0, 40.0, allowed=True))
    out = _check("--protocol", f"LIVER={path}", "--protocol", "L ILIUM=Bone metastasis", "--format", "json",
                 "--no-composite")
    report = json.loads(out.stdout)
    stomach = [r for r in report["plans"][0]["results"] if r["structure"] == "Stomach"][0]
    assert stomach["status"] == "marginal" and stomach["variation_allowed"] is True
    others = [r for p in report["plans"] for r in p["results"] if r["counts_as_failed"]]
    assert others == []
    assert out.returncode == report["exit_status"] == 0


def test_serial_organs_never_get_a_band():
    from rtreview.core.constraints import ProtocolError, Status, evaluate, protocol_from_dict
    from constraints_support import LinearDvh

    d = protocol_dict()
    d["structures"].append({"name": "SpinalCord", "aliases": ["SPINAL_CORD"], "constraints": [
        {"metric": "Dmax", "comparator": "<=", "limit": 45, "dose_basis": "eqd2", "level": "mandatory",
         "marginal_limit": 50, "source": "test"}]})
    with pytest.raises(ProtocolError, match="serial organ"):
        protocol_from_dict(d)
    del d["structures"][-1]["constraints"][0]["marginal_limit"]
    proto = protocol_from_dict(d)  # marginal_band_pct 5 for the others
    assert proto.structure("SpinalCord").is_serial and not proto.structure("Liver").is_serial
    # 46 Gy EQD2-equivalent at 2 Gy fractions: inside the protocol's 5 % band, but a cord has none
    r = evaluate(proto, {"SpinalCord": LinearDvh(0.0, 46.0)}, fractions=23, prescription_gy=46.0).results[-1]
    assert r.structure == "SpinalCord" and r.status is Status.FAIL and r.marginal_limit is None


def test_serial_flags_of_the_table():
    from rtreview.core.dvh.alpha_beta import is_serial

    for name in ("SpinalCord", "SPINAL_CORD", "CaudaEquina", "Brainstem", "BRAIN STEM", "SacralPlex",
                 "BrachialPlex_L", "OpticChiasm", "OpticNrv_R", "OPTIC STRUCTURES"):
        assert is_serial(name), name
    for name in ("Liver", "Stomach", "Bowel_Small", "PTV"):
        assert not is_serial(name), name


def test_strict_summary_agrees_with_the_exit_status(tmp_path):
    """A mandatory constraint on a structure the sample does not have: not evaluable; with --strict
    it counts as failed, and the summary says so."""
    from rtreview.core.constraints.library import protocols_dir

    data = json.loads((protocols_dir() / "hcc_liver_50gy_25fx.json").read_text(encoding="utf-8"))
    data["name"] = "HCC strict test"
    data["structures"].append({"name": "Esophagus", "aliases": ["ESOPHAGUS"], "constraints": [
        {"metric": "Dmean", "comparator": "<=", "limit": 34, "dose_basis": "physical", "level": "mandatory",
         "source": "QUANTEC (Werner-Wasik et al. 2010)"}]})
    path = tmp_path / "strict.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    args = ("--protocol", f"LIVER={path}", "--protocol", "L ILIUM=Bone metastasis", "--no-composite")
    plain, strict = _check(*args), _check(*args, "--strict")
    assert plain.returncode == 0, plain.stdout[-500:]
    assert strict.returncode == 3
    last = strict.stdout.strip().splitlines()[-1]
    assert last.startswith("1 mandatory constraint(s) failed") and "exit status 3" in last
    assert "not evaluable" in last and "--strict" in last
    assert plain.stdout.strip().splitlines()[-1].startswith("0 mandatory constraint(s) failed")
    strict_json = json.loads(_check(*args, "--strict", "--format", "json").stdout)
    assert strict_json["exit_status"] == 3
    assert strict_json["failed_count"] == 1


def test_sample_statuses_as_a_physicist_reads_them():
    """The sample's coverage: D95 49.98 Gy is 0.04 % under the 100 % coverage goal: marginal, in the
    variation the protocol allows; nothing fails; exit 0."""
    out = _check("--format", "json")
    report = json.loads(out.stdout)
    ptv = [r for r in report["plans"][0]["results"] if r["structure"] == "PTV" and r["metric"] == "D95%"][0]
    assert ptv["status"] == "marginal" and ptv["variation_allowed"] is True
    assert ptv["value_gy"] == pytest.approx(49.98, abs=0.01)
    assert out.returncode == report["exit_status"] == 0
    assert protocol("HCC liver").structure("SpinalCord").is_serial
