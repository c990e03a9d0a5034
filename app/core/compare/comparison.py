"""Two or more plans (or doses) of one patient side by side.

Plan A (the first) is the reference. Per plan: its DVHs on its own structure set (structures
matched across plans by name, case- and separator-insensitive), the metrics table with each
plan's values and its difference from A, and the constraint results of the protocol suggested
for it (rtreview.core.constraints). For the second plan B: the dose difference A - B on A's grid
(B resampled through the registration when the plans lie on different CTs; NaN where B has no
dose) and the gamma analysis of B against A (rtreview.core.compare.gamma, global, 3 %/3 mm and
2 %/2 mm, 10 % cut-off). ``compare_plans`` is a generator-free function with progress/cancel hooks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from rtreview.core.dvh import compute_dvhs

from .gamma import STANDARD, GammaResult, gamma_index
from .resample import dose_on_grid, grid_axes
from .selection import Selection

METRIC_KEYS = ("volume_cc", "min_gy", "mean_gy", "max_gy", "d98_gy", "d95_gy", "d50_gy", "d2_gy", "d0_03cc_gy")
Progress = Callable[[int, int, str], None]


def structure_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


@dataclass
class StructureRow:
    name: str
    values: dict[str, dict[str, float | None]]  # plan label -> metric -> value (missing plan: absent)
    differences: dict[str, dict[str, float | None]]  # plan label (not A) -> metric -> value - A's


@dataclass
class ConstraintRow:
    structure: str
    metric: str
    limit_text: str
    results: dict[str, dict]  # plan label -> ConstraintResult.to_dict()


@dataclass
class DoseDifference:
    """A - B (Gy) on A's grid; NaN where B does not reach."""

    a_label: str
    b_label: str
    difference_gy: np.ndarray
    axes: tuple

    def to_json(self) -> dict:
        finite = self.difference_gy[np.isfinite(self.difference_gy)]
        return {"a": self.a_label, "b": self.b_label, "grid": "A", "definition": "A - B (Gy) on A's dose grid",
                "min_gy": round(float(finite.min()), 4) if finite.size else None,
                "max_gy": round(float(finite.max()), 4) if finite.size else None,
                "mean_gy": round(float(finite.mean()), 4) if finite.size else None,
                "mean_abs_gy": round(float(np.abs(finite).mean()), 4) if finite.size else None,
                "points": int(self.difference_gy.size), "points_outside_b": int(self.difference_gy.size - finite.size)}


@dataclass
class PlanComparison:
    selection: Selection
    dvhs: dict[str, dict] = field(default_factory=dict)  # label -> {roi number: Dvh}
    structures: list[StructureRow] = field(default_factory=list)
    constraints: list[ConstraintRow] = field(default_factory=list)
    protocols: dict[str, str | None] = field(default_factory=dict)
    difference: DoseDifference | None = None
    b_on_a_gy: np.ndarray | None = None
    gamma: list[GammaResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return self.selection.labels

    def to_json(self) -> dict:
        sel = self.selection

        def r(v):
            return None if v is None or not np.isfinite(v) else round(float(v), 4)
        return {
            "patient_id": getattr(sel.patient, "patient_id", ""), "plans": self.labels, "reference": self.labels[0],
            "registrations": {link.label: {"type": m.kind, "files": m.files, "matrix": np.round(m.matrix, 6).tolist(),
                                           "description": m.describe()}
                              for link, m in zip(sel.links, sel.mappings)},
            "protocols": dict(self.protocols),
            "structures": [{"name": s.name, "plans": {k: {m: r(v) for m, v in d.items()} for k, d in s.values.items()},
                            "differences": {k: {m: r(v) for m, v in d.items()} for k, d in s.differences.items()}}
                           for s in self.structures],
            "constraints": [{"structure": c.structure, "metric": c.metric, "limit": c.limit_text, "plans": c.results}
                            for c in self.constraints],
            "dose_difference": self.difference.to_json() if self.difference is not None else None,
            "gamma": [dict(g.to_json(), reference=self.labels[0], evaluated=self.labels[1]) for g in self.gamma],
            "notes": list(self.notes)}


def _metrics(dvh) -> dict[str, float | None]:
    out = {"volume_cc": dvh.volume_cc, "min_gy": dvh.min_gy, "mean_gy": dvh.mean_gy, "max_gy": dvh.max_gy}
    m = dvh.metrics()
    for key in METRIC_KEYS[4:]:
        out[key] = m.get(key)
    return out


def _structure_rows(labels: list[str], dvhs: dict[str, dict]) -> list[StructureRow]:
    order: dict[str, str] = {}
    per_plan: dict[str, dict[str, object]] = {}
    for label in labels:
        per_plan[label] = {}
        for dvh in dvhs[label].values():
            key = structure_key(dvh.name)
            order.setdefault(key, dvh.name)
            per_plan[label].setdefault(key, dvh)
    rows = []
    a = labels[0]
    for key, name in order.items():
        values = {label: _metrics(per_plan[label][key]) for label in labels if key in per_plan[label]}
        diffs = {}
        if a in values:
            for label in labels[1:]:
                if label in values:
                    diffs[label] = {m: (None if values[label][m] is None or values[a][m] is None
                                        else values[label][m] - values[a][m]) for m in METRIC_KEYS}
        rows.append(StructureRow(name, values, diffs))
    return rows


def _constraint_rows(labels: list[str], evaluations: dict[str, object]) -> list[ConstraintRow]:
    rows: dict[tuple, ConstraintRow] = {}
    for label in labels:
        ev = evaluations.get(label)
        if ev is None:
            continue
        for res in ev.results:
            d = res.to_dict()
            limit = d.get("limit_as_written") or f"{d.get('comparator', '')} {d.get('limit')}"
            key = (structure_key(d["structure"]), d["metric"], limit)
            row = rows.setdefault(key, ConstraintRow(d["structure"], d["metric"], limit, {}))
            row.results[label] = d
    return list(rows.values())


def compare_plans(selection: Selection, *, gamma: bool = True, constraints: bool = True,
                  progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> PlanComparison:
    """Everything the comparison view and ``rtreview compare`` show (module docstring)."""
    links = selection.links
    labels = selection.labels
    total = len(links) + 3
    step = 0

    def tick(message: str) -> None:
        nonlocal step
        if cancel is not None and cancel():
            from rtreview.core.dvh import DvhCancelled
            raise DvhCancelled("comparison cancelled")
        step += 1
        if progress is not None:
            progress(min(step, total), total, message)

    out = PlanComparison(selection)
    evaluations = {}
    for link in links:
        tick(f"{link.label}: DVHs")
        rx = link.plan.prescription_gy if link.plan is not None else None
        if link.structure_set is None:
            out.dvhs[link.label] = {}
            out.notes.append(f"{link.label}: no structure set linked to the dose: no DVHs")
        else:
            out.dvhs[link.label] = dict(compute_dvhs(link.structure_set, link.dose, prescription_gy=rx, cancel=cancel))
        if constraints and link.structure_set is not None:
            evaluations[link.label] = _check(link, out)
    out.structures = _structure_rows(labels, out.dvhs)
    out.constraints = _constraint_rows(labels, evaluations)
    tick("dose difference")
    a, b = links[0], links[1]
    m = selection.mappings[1]
    out.b_on_a_gy = dose_on_grid(b.dose, grid_axes(a.dose), None if m.is_identity else m.matrix)
    out.difference = DoseDifference(a.label, b.label, np.asarray(a.dose.dose_gy, float) - out.b_on_a_gy,
                                    grid_axes(a.dose))
    if not m.is_identity:
        out.notes.append(f"{b.label} resampled onto {a.label}'s grid through {m.describe()}")
    if len(links) > 2:
        out.notes.append("the dose difference and the gamma analysis compare the first two plans "
                         f"({a.label}, {b.label})")
    if gamma:
        for criteria in STANDARD:
            tick(f"gamma {criteria.label}")
            out.gamma.append(gamma_index(a.dose.dose_gy, out.b_on_a_gy, grid_axes(a.dose), criteria, cancel))
    return out


def _check(link, out: PlanComparison):
    from rtreview.core.constraints import shipped_protocols
    from rtreview.core.constraints.plan_check import check_plan, suggest_for_link
    protocol = suggest_for_link(shipped_protocols(), link)
    out.protocols[link.label] = protocol.name if protocol is not None else None
    if protocol is None:
        out.notes.append(f"{link.label}: no shipped protocol fits this plan; no constraint results")
        return None
    roi_dvhs = out.dvhs.get(link.label) or None
    return check_plan(link, protocol, dvhs=roi_dvhs)
