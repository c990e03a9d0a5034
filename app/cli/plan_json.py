"""The prescription keys of the plan objects of ``info``, ``dvh`` and ``check`` (one place).

- ``prescription_gy``: the plan's total prescription (Gy), null when unknown;
- ``prescription_source``: ``"dose_reference"`` | ``"rx_roi"`` | ``"target_name"`` | ``"user"``,
  null when unknown (docs/prescription.md);
- ``prescription_note``: where it came from in words, or why it is unknown;
- ``fractions``: the plan's total planned fractions (sum over its groups), null when unknown;
- ``dose_per_fraction_gy``: Rx / fractions when every fraction has the same dose, else null;
- ``fraction_groups``: ``[{"number", "fractions", "prescription_gy", "dose_per_fraction_gy"}]``
  (null where unknown);
- ``fraction_group`` (dvh, check): the number of the fraction group the dose covers alone (a
  per-group dose), null when the dose covers the whole plan.
"""
from __future__ import annotations

UNKNOWN = {"prescription_gy": None, "prescription_source": None, "prescription_note": "no RT Plan linked to this dose",
           "fractions": None, "dose_per_fraction_gy": None, "fraction_groups": []}


def plan_prescription(plan) -> dict:
    """The keys above for a Plan (or the unknown values for None)."""
    return dict(UNKNOWN) if plan is None else plan.prescription_json()


def link_prescription(link) -> dict:
    """The keys above for a dose link, plus ``fraction_group``."""
    out = plan_prescription(link.plan)
    group = link.fraction_group
    out["fraction_group"] = group.number if group is not None else None
    return out
