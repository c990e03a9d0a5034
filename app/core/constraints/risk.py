"""Risks and figures shown beside the verdicts of one plan (issue 16): NTCP and target BED.

- **NTCP** (docs/ntcp.md): for every protocol structure that declares models (``ntcp`` in the
  protocol) or whose name a shipped model lists as a default (Lungs -> pneumonitis), the LKB NTCP
  on the structure's voxel-wise EQD2 with its one α/β. A risk with its model, not a verdict: only a
  declared ``limit_pct`` turns it into a constraint row (metric ``NTCP``, unit %).
- **Target BED** (``rtreview.core.dvh.target_bed``): for every target structure with a DVH, with
  the target's α/β (10 Gy unless the user chose another, e.g. 15 Gy for HCC).

Both need the plan's number of fractions; without it they are left out with a note ("needs
fractions"), never computed with the protocol's.
"""
from __future__ import annotations

import math

from rtreview.core.dvh import ntcp as ntcp_mod
from rtreview.core.dvh.target_bed import target_bed

from .model import Protocol
from .results import ConstraintResult, Status

NTCP_METRIC = "NTCP"


def _models_for(structure, roi_name: str | None):
    if structure.ntcp:
        return [(ntcp_mod.model_by_id(spec.model), spec) for spec in structure.ntcp]
    names = [structure.name] + ([roi_name] if roi_name else [])
    seen, out = set(), []
    for name in names:
        for model in ntcp_mod.default_models_for(name):
            if model.id not in seen:
                seen.add(model.id)
                out.append((model, None))
    return out


def ntcp_for_plan(protocol: Protocol, dvhs: dict, alpha_betas: dict, fractions: int | None,
                  roi_names: dict | None = None) -> tuple[list, list[ConstraintResult], list[str]]:
    """(NtcpResults, constraint rows for NTCP limits, notes) of one plan's DVHs."""
    roi_names = roi_names or {}
    results, rows, notes = [], [], []
    for s in protocol.structures:
        models = _models_for(s, roi_names.get(s.name))
        if not models:
            continue
        dvh = dvhs.get(s.name)
        if dvh is None:
            continue
        if not fractions:
            notes.append(f"{s.name}: NTCP needs fractions (the plan's number of fractions is unknown)")
            continue
        ab = alpha_betas[s.name]
        for model, spec in models:
            res = ntcp_mod.evaluate_dvh(model, dvh, fractions, ab.value_gy, structure=s.name)
            if spec is not None and spec.note:
                res = _with_note(res, spec.note)
            results.append(res)
            if spec is not None and spec.limit_pct is not None:
                rows.append(_limit_row(s.name, roi_names.get(s.name), res, spec, ab))
    return results, rows, notes


def _with_note(res, note: str):
    import dataclasses

    return dataclasses.replace(res, notes=tuple(res.notes) + (note,))


def _limit_row(structure: str, roi_name, res, spec, ab) -> ConstraintResult:
    value = res.percent
    status = Status.NOT_EVALUABLE if not math.isfinite(value) else (
        Status.PASS if value <= spec.limit_pct + 1e-9 else Status.FAIL)
    return ConstraintResult(
        structure=structure, metric=NTCP_METRIC, level=spec.level, source=res.model.citation,
        alpha_beta_gy=ab.value_gy, comparator="<=", status=status, roi_name=roi_name, unit="%",
        value=value if math.isfinite(value) else None, limit=spec.limit_pct,
        limit_as_written=f"NTCP ({res.label}) <= {spec.limit_pct:g} %",
        note=f"LKB, gEUD {res.geud_eqd2_gy:.2f} Gy EQD2, TD50 {res.td50_eqd2_gy:.2f} Gy EQD2",
        alpha_beta_origin=ab.origin, alpha_beta_source=ab.source)


def target_beds_for_plan(protocol: Protocol, dvhs: dict, alpha_betas: dict, fractions: int | None,
                         prescription_gy: float | None, target_alpha_beta_gy: float | None = None) -> list:
    """Target BEDs of the protocol's target structures (``target_alpha_beta_gy`` overrides every
    target's α/β: the reviewer's choice, origin 'user')."""
    if not fractions:
        return []
    out = []
    for s in protocol.structures:
        dvh = dvhs.get(s.name)
        if not s.is_target or dvh is None or not dvh.covered_volume_cc > 0:
            continue
        if target_alpha_beta_gy:
            value, origin = float(target_alpha_beta_gy), "user"
        else:
            ab = alpha_betas[s.name]
            value, origin = ab.value_gy, ab.origin
        out.append(target_bed(dvh, fractions, value, origin, prescription_gy))
    return out
