"""check_plan / check_composite on an in-memory two-course case with linear dose fields."""

import pytest

from rtreview.core.constraints.fractionation import eqd2_gy, physical_from_eqd2_gy
from rtreview.core.constraints.plan_check import check_composite, check_plan
from rtreview.core.constraints.protocol_io import protocol_from_dict
from rtreview.core.constraints.results import Status
from rtreview.core.dicom.case import DoseLink
from rtreview.core.dicom.plan import Plan
from rtreview.core.dicom.structure_set import StructureSet
from constraints_support import protocol_dict
from test_constraints_derived import dose_grid, sphere

R_LIVER, R_GTV = 30.0, 10.0


def _structure_set():
    coarse = {"plane_mm": 2.0, "vertices": 96}
    rois = [sphere(1, "LIVER", R_LIVER, **coarse), sphere(2, "GTV_LIVER", R_GTV, **coarse),
            sphere(3, "PTV_LIVER", 14.0, **coarse), sphere(4, "Cord", 5.0, (0.0, 45.0, 0.0), **coarse)]
    return StructureSet(sop_instance_uid="ss", path="", rois=rois, frame_of_reference_uid="1.2.for")


def _link(label, rx, n, field):
    dose = dose_grid(field, half_mm=60.0, step_mm=2.5)
    dose.frame_of_reference_uid = "1.2.for"
    plan = Plan(sop_instance_uid=label, path="", label=label, prescription_gy=rx, fractions=n)
    return DoseLink(dose=dose, plan=plan, structure_set=_structure_set())


LIVER = _link("LIVER", 50.0, 25, lambda x, y, z: 20.0 + 0.2 * x)
ILIUM = _link("L ILIUM", 30.0, 10, lambda x, y, z: 10.0 + 0.1 * z)


def _protocol(**changes):
    d = protocol_dict()
    d["structures"].append({"name": "SpinalCord", "aliases": ["Cord"], "alpha_beta_gy": 2,
                            "constraints": [{"metric": "D0.03cc", "comparator": "<=", "limit": 45,
                                             "dose_basis": "eqd2", "level": "mandatory", "source": "Kirkpatrick"}]})
    d["structures"].append({"name": "Stomach", "alpha_beta_gy": 3,
                            "constraints": [{"metric": "Dmean", "comparator": "<=", "limit": 30,
                                             "dose_basis": "eqd2", "level": "optimal", "source": "x"}]})
    d.update(changes)
    return protocol_from_dict(d)


def test_check_plan_normal_liver_coverage_and_missing_structure():
    ev = check_plan(LIVER, _protocol())
    by = {(r.structure, r.metric): r for r in ev.results}
    nl = by[("Liver-GTV", "Dmean")]
    assert nl.value_gy == pytest.approx(20.0, abs=0.05)  # linear field, centred shell
    assert nl.limit_gy == pytest.approx(physical_from_eqd2_gy(28.0, 25, 3.0))
    assert nl.roi_name == "LIVER - GTV_LIVER" and nl.status is Status.PASS
    ptv = by[("PTV", "D95%")]
    assert ptv.status is Status.FAIL and ptv.limit_gy == pytest.approx(47.5)
    assert by[("Stomach", "Dmean")].status is Status.NOT_EVALUABLE
    assert ev.unmatched == ["Stomach"]
    assert [r.structure for r in ev.mandatory_failed] == ["PTV"]
    assert ev.dvhs["Liver-GTV"].mean_gy == pytest.approx(nl.value_gy) and "Stomach" not in ev.dvhs


def test_contoured_derived_structure_is_used_as_contoured():
    ss = _structure_set()
    ss.rois.append(sphere(9, "Liver-GTV", 5.0, (20.0, 0.0, 0.0)))
    link = DoseLink(dose=LIVER.dose, plan=LIVER.plan, structure_set=ss)
    r = next(r for r in check_plan(link, _protocol()).results if r.structure == "Liver-GTV")
    assert r.roi_name == "Liver-GTV" and r.value_gy == pytest.approx(24.0, abs=0.05)


def test_composite_eqd2_mean_of_normal_liver_matches_closed_form():
    ev = check_composite([LIVER, ILIUM], [_protocol(), _protocol()])
    r = next(r for r in ev.results if r.structure == "Liver-GTV")
    # shell R_GTV..R_LIVER: E[x^2] = E[z^2] = (1/5)(R1^5 - R2^5)/(R1^3 - R2^3)
    ex2 = (R_LIVER**5 - R_GTV**5) / (R_LIVER**3 - R_GTV**3) / 5
    ab = 3.0

    def mean_eqd2(mean, var_coef, n):
        e_d2 = mean**2 + var_coef * ex2
        return (e_d2 / n + ab * mean) / (2 + ab)

    expected = mean_eqd2(20.0, 0.04, 25) + mean_eqd2(10.0, 0.01, 10)
    assert r.value_eqd2_gy == pytest.approx(expected, rel=0.01)
    assert r.value_gy == pytest.approx(30.0, abs=0.1)  # physical plan sum of the two means
    assert r.limit_eqd2_gy == 28.0 and r.limit_gy is None
    assert r.status is Status.PASS  # ~23.3 Gy EQD2 <= 28
    assert all(x.metric != "D95%" for x in ev.results)  # prescription-relative limits are left out
    cord = next(r for r in ev.results if r.structure == "SpinalCord")
    assert cord.value_eqd2_gy == pytest.approx(eqd2_gy(20.0 + 0.2 * 5, 25, 2.0) + eqd2_gy(10.5, 10, 2.0), rel=0.03)


def test_composite_skips_structures_dosed_by_one_course():
    cold = _link("COLD", 30.0, 10, lambda x, y, z: 0.0 * x)
    ev = check_composite([LIVER, cold], [_protocol(), _protocol()])
    assert not any(r.structure == "Liver-GTV" for r in ev.results)
    assert any("Liver-GTV: receives dose from LIVER only" in n for n in ev.notes)
    ev = check_composite([LIVER, cold], [_protocol(), _protocol()], all_structures=True)
    assert any(r.structure == "Liver-GTV" for r in ev.results)


def _same_results(a, b):
    assert len(a.results) == len(b.results)
    for x, y in zip(a.results, b.results):
        assert (x.structure, x.metric, x.status, x.roi_name, x.note) == (y.structure, y.metric, y.status, y.roi_name,
                                                                          y.note)
        for key in ("value", "value_gy", "value_eqd2_gy", "limit", "limit_gy"):
            u, v = getattr(x, key), getattr(y, key)
            assert (u is None and v is None) or u == v or (u != u and v != v), (x.structure, x.metric, key, u, v)
    assert a.notes == b.notes and a.unmatched == b.unmatched and sorted(a.dvhs) == sorted(b.dvhs)


def test_check_plan_with_the_engines_dvhs_is_identical_and_does_not_recompute(monkeypatch):
    from rtreview.core.constraints import plan_check
    from rtreview.core.dvh import compute_dvhs

    protocol = _protocol()
    for link in (LIVER, ILIUM):
        dvhs = compute_dvhs(link.structure_set, link.dose, prescription_gy=link.plan.prescription_gy)
        calls = []
        real = plan_check.compute_dvh
        monkeypatch.setattr(plan_check, "compute_dvh", lambda *a, **k: calls.append(a[0].name) or real(*a, **k))
        own = check_plan(link, protocol)
        assert sorted(calls) == ["Cord", "GTV_LIVER", "LIVER", "PTV_LIVER"]  # each matched ROI once
        calls.clear()
        given = check_plan(link, protocol, dvhs=dvhs)
        assert calls == []  # nothing recomputed; the derived Liver-GTV is still built
        _same_results(own, given)
        assert given.dvhs["PTV"] is dvhs[3]
        assert given.dvhs["Liver-GTV"].mean_gy == own.dvhs["Liver-GTV"].mean_gy
        # a ROI missing from the given DVHs is computed
        partial = {n: d for n, d in dvhs.items() if n != 4}
        given = check_plan(link, protocol, dvhs=partial)
        assert calls == ["Cord"]
        _same_results(own, given)
        monkeypatch.setattr(plan_check, "compute_dvh", real)


def test_check_plan_given_dvhs_take_the_checks_prescription():
    from rtreview.core.dvh import compute_dvhs

    link = LIVER
    dvhs = compute_dvhs(link.structure_set, link.dose)  # no prescription on these
    own, given = check_plan(link, _protocol()), check_plan(link, _protocol(), dvhs=dvhs)
    _same_results(own, given)
    assert given.dvhs["PTV"].prescription_gy == own.dvhs["PTV"].prescription_gy == 50.0
