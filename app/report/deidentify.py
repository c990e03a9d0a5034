"""De-identification of report text: patient name, ID and birth date never reach the page.

Every string the report draws passes through ``Redactor.text`` (not only the header), so a
plan name or case-file title that repeats the patient's name is scrubbed too. DICOM UIDs are
replaced by a one-way pseudonym (``uid:`` + 16 hex digits of their SHA-256), so a
de-identified report still names *which* objects its numbers come from without giving the
UIDs themselves (DICOM PS3.15 Basic Profile replaces UIDs).
"""
from __future__ import annotations

import hashlib
import re

REDACTED = "[de-identified]"


def _name_forms(name: str) -> list[str]:
    """The DICOM PN as written, with ^ as spaces, joined, and its components (>= 2 chars)."""
    name = (name or "").strip()
    if not name:
        return []
    alphabetic = name.split("=")[0]  # PN groups: alphabetic=ideographic=phonetic
    forms = {name, alphabetic, name.replace("^", " ").strip(), alphabetic.replace("^", " ").strip(),
             alphabetic.replace("^", "")}
    for group in name.split("="):
        forms.add(group.replace("^", " ").strip())
        forms.add(group.replace("^", ""))
        forms.update(part.strip() for part in group.split("^"))
    return [f for f in forms if len(f) >= 2]


def _date_forms(date: str) -> list[str]:
    """'1966-03-01' -> the ISO, DICOM (19660301) and dotted/slashed forms."""
    digits = re.sub(r"\D", "", date or "")
    if len(digits) != 8:
        return [date] if date and len(date) >= 4 else []
    y, m, d = digits[:4], digits[4:6], digits[6:]
    return [f"{y}-{m}-{d}", digits, f"{y}/{m}/{d}", f"{d}.{m}.{y}", f"{d}/{m}/{y}", f"{m}/{d}/{y}"]


class Redactor:
    """Scrubs one patient's identifiers from text when ``enabled``; passes text through otherwise."""

    def __init__(self, enabled: bool, name: str = "", patient_id: str = "", birth_date: str = ""):
        self.enabled = enabled
        terms = _name_forms(name) + ([patient_id.strip()] if patient_id and patient_id.strip() else [])
        terms += _date_forms(birth_date)
        # Longest first, so 'SMITH^JOHN' goes before its component 'SMITH'.
        self._terms = sorted(set(terms), key=len, reverse=True)
        self._pattern = (re.compile("|".join(re.escape(t) for t in self._terms), re.IGNORECASE)
                         if self._terms else None)

    def text(self, value: object) -> str:
        s = "" if value is None else str(value)
        if not self.enabled or self._pattern is None:
            return s
        return self._pattern.sub(REDACTED, s)

    def uid(self, uid: str) -> str:
        if not uid:
            return "–"
        if not self.enabled:
            return uid
        return "uid:" + hashlib.sha256(uid.encode("ascii", "replace")).hexdigest()[:16]

    @property
    def terms(self) -> list[str]:
        """What is scrubbed (for tests and the export dialog's summary)."""
        return list(self._terms)
