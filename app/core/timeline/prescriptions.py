"""Prescriptions the user set for DICOM plans, kept in the case file and re-applied on load.

The case file's top-level ``plan_prescriptions`` (schema ``#/$defs/plan_prescription``) lists
``{"plan_sop_instance_uid", "plan_label", "prescription_gy", "fractions"}`` items; null (or
absent) keeps what the DICOM says for that value. Works on the case document's raw dict
(``CaseTimeline.raw``), which the case file keeps on save with every field it does not know.
"""
from __future__ import annotations

from rtreview.core.dicom.plan import SOURCE_USER, Plan
from rtreview.core.dicom.prescription import set_user_prescription

KEY = "plan_prescriptions"
NOTE = "set by the user (saved in the case file)"


def saved_prescriptions(raw: dict) -> dict[str, tuple[float | None, int | None]]:
    """``{plan SOP Instance UID: (Gy or None, fractions or None)}`` from a case document."""
    out = {}
    for item in raw.get(KEY, []) if isinstance(raw.get(KEY), list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("plan_sop_instance_uid"), str):
            continue
        gy, n = item.get("prescription_gy"), item.get("fractions")
        gy = float(gy) if isinstance(gy, (int, float)) and not isinstance(gy, bool) and gy > 0 else None
        n = int(n) if isinstance(n, int) and not isinstance(n, bool) and n > 0 else None
        if gy is not None or n is not None:
            out[item["plan_sop_instance_uid"]] = (gy, n)
    return out


def apply_saved_prescriptions(plans: list[Plan], raw: dict, *, skip_user: bool = False) -> list[Plan]:
    """Set the saved prescriptions on ``plans`` (by SOP Instance UID); returns the plans changed.
    ``skip_user``: leave plans the user already set in this session (or with --rx) alone."""
    saved = saved_prescriptions(raw)
    changed = []
    for plan in plans:
        entry = saved.get(plan.sop_instance_uid)
        if entry is None or (skip_user and plan.prescription_source == SOURCE_USER):
            continue
        set_user_prescription(plan, *entry)
        plan.prescription_note = NOTE
        changed.append(plan)
    return changed


def store_prescription(raw: dict, plan: Plan) -> bool:
    """Write ``plan``'s user prescription into the case document (remove its entry when the
    plan is back to the DICOM's values); True when the document changed."""
    items = [i for i in raw.get(KEY, []) if isinstance(i, dict)] if isinstance(raw.get(KEY), list) else []
    kept = [i for i in items if i.get("plan_sop_instance_uid") != plan.sop_instance_uid]
    if plan.prescription_source == SOURCE_USER:
        kept.append({"plan_sop_instance_uid": plan.sop_instance_uid, "plan_label": plan.label,
                     "prescription_gy": plan.prescription_gy, "fractions": plan.fractions})
    before = raw.get(KEY)
    if kept:
        raw[KEY] = kept
    else:
        raw.pop(KEY, None)
    return raw.get(KEY) != before
