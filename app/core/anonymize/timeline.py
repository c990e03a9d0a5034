"""Anonymise a case timeline file (``*.case.json``) with the DICOM export's replacements.

Every date moves by the export's offset (whole weeks: weekdays, intervals, PFS and time on
therapy are unchanged); identifying free text goes (event ids are renumbered; title, description, notes, source, finding,
cause, status and the patient block's description); the patient's age and sex go (as in the
DICOM); the Patient ID becomes the DICOM pseudonym; plan labels and UIDs follow the DICOM maps so
the timeline still names its plans. Fields the format does not define are removed (they may hold
anything). Works on the JSON document, so the result is written in the same format version.
"""
from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Any

from .dataset import Anonymizer

FREE_TEXT = {"title", "description", "notes", "source", "finding", "cause", "status"}
DATE_KEYS = {"date", "start_date", "end_date"}
UID_KEYS = {"plan_sop_instance_uid", "study_instance_uid"}
# Structured fields kept (everything else is dropped): the case format's own vocabulary.
KEEP = {"format", "format_version", "events", "lab_series", "patient", "last_follow_up", "id", "kind",
        "date_precision", "illustrative", "disease", "stage", "site", "dose_gy", "fractions", "plan_label",
        "drug", "drug_class", "dose_mg", "schedule", "line", "ongoing", "name", "regimen", "criterion", "modality",
        "result", "term", "grade", "ctcae_version", "attribution", "analyte", "unit", "upper_limit_normal",
        "samples", "value", "patient_id", "structure_mappings"} | DATE_KEYS | UID_KEYS  # not age, sex
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def anonymize_case_document(document: dict, anonymizer: Anonymizer) -> dict:
    """A new document; ``document`` is not changed."""
    out = _clean(copy.deepcopy(document), anonymizer, "", {})
    out.setdefault("title", "anonymised case")
    return out


def _clean(node: Any, anonymizer: Anonymizer, key: str, ids: dict[str, str]) -> Any:
    if isinstance(node, dict):
        result = {}
        for k, v in node.items():
            if k in FREE_TEXT or k not in KEEP:
                continue
            if k == "structure_mappings" and isinstance(v, dict):  # {structure set UID: {name: name}}
                result[k] = {anonymizer.uid(uid): copy.deepcopy(names) for uid, names in v.items()}
                continue
            result[k] = _clean(v, anonymizer, k, ids)
        return result
    if isinstance(node, list):
        return [_clean(v, anonymizer, key, ids) for v in node]
    if isinstance(node, str):
        if key in DATE_KEYS:
            return _shift(node, anonymizer.date_offset_days)
        if key in UID_KEYS:
            return anonymizer.uid(node)
        if key == "plan_label":
            return anonymizer.label("RTPlanLabel", node)
        if key == "patient_id":
            return anonymizer.patient_id(node)
        if key == "id":  # ids are free text too (e.g. 'pr-2020-09'); nothing in the format refers to them
            return ids.setdefault(node, f"id-{len(ids) + 1}")
    return node


def _shift(value: str, days: int) -> str:
    match = _ISO.match(value.strip())
    if not match:
        return ""
    moved = date(*map(int, match.groups())) + timedelta(days=days)
    return moved.isoformat()
