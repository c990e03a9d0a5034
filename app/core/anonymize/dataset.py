"""Anonymise pydicom data sets consistently across one export (see :mod:`.profile` for the rules).

One :class:`Anonymizer` per export: it remembers every replacement (patient pseudonyms, UIDs,
plan and structure set labels) so that references between CT, RTSTRUCT, RTPLAN, RTDOSE and REG
still link, and one date offset (whole weeks, so weekdays, and with them the timeline's
fractions-per-weekday check, are unchanged).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from rtreview import __version__
from rtreview.core.dicom.source import pydicom_module

from . import profile as P

pydicom_module()  # rtreview's reading settings (no value validation warnings quoting values)


# VRs whose values the profile acts on; elements of other VRs (numbers, binary data) are kept.
ACTED_ON_VRS = {"SQ", "UI", "DA", "DT", "TM", "PN", "AS", "LO", "SH", "LT", "ST", "UT", "UC", "UN", None}


def dictionary_vr(tag: int) -> str | None:
    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


class AnonymizeError(ValueError):
    """This data set cannot be exported anonymised (e.g. it declares burned-in annotations)."""


@dataclass
class Mapping:
    """Everything replaced so far: what a key file holds (old -> new)."""
    patients: dict[str, str] = field(default_factory=dict)  # Patient ID -> pseudonym
    patient_names: dict[str, str] = field(default_factory=dict)  # pseudonym -> original name (key file only)
    uids: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # keyword -> {old: new}


def random_week_offset_days(rng: secrets.SystemRandom | None = None) -> int:
    """A random shift into the past of 1 to 10 years, in whole weeks."""
    rng = rng or secrets.SystemRandom()
    return -7 * rng.randint(53, 521)


class Anonymizer:
    """Apply the Basic Profile to data sets; ``retain_dates`` = the Modified Dates option."""

    def __init__(self, *, retain_dates: bool = False, date_offset_days: int | None = None, secret: bytes | None = None):
        self.retain_dates = retain_dates
        self.date_offset_days = random_week_offset_days() if date_offset_days is None else int(date_offset_days)
        self._secret = secret if secret is not None else os.urandom(32)
        self.mapping = Mapping()

    # --- replacements -------------------------------------------------------------------------
    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self._secret, f"{kind}\0{value}".encode("utf-8", "surrogateescape"), hashlib.sha256).digest()

    def uid(self, old: str) -> str:
        """The export's UID for ``old``: 2.25.<128-bit integer> (PS3.5 B.2), the same every time."""
        old = old.strip().rstrip("\0")
        if not old:
            return old
        new = self.mapping.uids.get(old)
        if new is None:
            new = self.mapping.uids[old] = "2.25." + str(int.from_bytes(self._digest("uid", old)[:16], "big"))
        return new

    def patient_id(self, old: str, name: str = "") -> str:
        old = old.strip()
        new = self.mapping.patients.get(old)
        if new is None:
            new = self.mapping.patients[old] = "ANON-" + self._digest("patient", old).hex()[:10].upper()
            self.mapping.patient_names[new] = name
        return new

    def label(self, keyword: str, old: str) -> str:
        table = self.mapping.labels.setdefault(keyword, {})
        old = old.strip()
        if old not in table:
            table[old] = f"{P.DUMMY_LABELS[keyword]}{len(table) + 1}"
        return table[old]

    def shift_date(self, value: str) -> str:
        """YYYYMMDD (or a DT's leading YYYYMMDD) moved by the export's offset; '' stays ''."""
        value = value.strip()
        if len(value) < 8 or not value[:8].isdigit():
            return ""
        try:
            moved = date(int(value[:4]), int(value[4:6]), int(value[6:8])) + timedelta(days=self.date_offset_days)
        except ValueError:
            return ""
        return moved.strftime("%Y%m%d") + value[8:]

    # --- data sets ----------------------------------------------------------------------------
    def anonymize(self, ds: Dataset) -> Dataset:
        """Anonymise ``ds`` in place (File Meta included) and return it."""
        if str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES":
            raise AnonymizeError("declares burned-in annotations (Burned In Annotation = YES): pixel data would "
                                 "need cleaning, which rtreview does not do; not exported")
        original_id = str(ds.get("PatientID", "") or "")
        original_name = str(ds.get("PatientName", "") or "")
        pseudonym = self.patient_id(original_id, original_name)
        sop_class = str(ds.get("SOPClassUID", ""))
        self._clean(ds, pseudonym, sop_class, top=True)
        meta = getattr(ds, "file_meta", None)
        if meta is not None and "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = self.uid(str(meta.MediaStorageSOPInstanceUID))
            for keyword in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                            "ReceivingApplicationEntityTitle", "PrivateInformationCreatorUID", "PrivateInformation"):
                if keyword in meta:
                    delattr(meta, keyword)
        ds.PatientName = pseudonym
        ds.PatientID = pseudonym
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = (f"rtreview {__version__}: PS3.15 Basic Profile"
                                     + (", modified dates" if self.retain_dates else "") + "; no burned-in text assumed")
        codes = [P.CODE_BASIC_PROFILE] + ([P.CODE_MODIFIED_DATES] if self.retain_dates else [])
        ds.DeidentificationMethodCodeSequence = Sequence([_code(value, meaning) for value, meaning in codes])
        ds.LongitudinalTemporalInformationModified = "MODIFIED" if self.retain_dates else "REMOVED"
        return ds

    def _clean(self, ds: Dataset, pseudonym: str, sop_class: str, top: bool) -> None:
        for tag in list(ds.keys()):
            tag = int(tag)
            group = tag >> 16
            if tag & 0x00010000 or group in P.REMOVED_GROUPS and tag not in P.PSEUDONYM_TAGS | P.EMPTY_TAGS \
                    or any(lo <= group <= hi for lo, hi in P.REMOVED_GROUP_RANGES) or tag in P.REMOVE_TAGS:
                del ds[tag]  # odd group: private
                continue
            vr = getattr(ds.get_item(tag), "VR", None) or dictionary_vr(tag)
            if vr not in ACTED_ON_VRS and tag not in P.EMPTY_TAGS:
                continue  # numbers, pixel and contour data: left as read (not even decoded)
            elem = ds[tag]
            if tag in P.PSEUDONYM_TAGS:
                elem.value = pseudonym
                continue
            if elem.VR == "SQ":
                if tag in P.EMPTY_TAGS:
                    elem.value = Sequence()
                    continue
                for item in elem.value:
                    self._clean(item, pseudonym, sop_class, top=False)
                continue
            self._element(ds, elem, sop_class, top)

    def _element(self, ds: Dataset, elem: DataElement, sop_class: str, top: bool) -> None:
        keyword, vr = elem.keyword, elem.VR
        if keyword in P.DUMMY_LABELS:
            elem.value = self.label(keyword, str(elem.value or ""))
        elif vr in ("DA", "DT", "TM"):
            self._date(ds, elem, sop_class, top)
        elif vr == "UI":
            if keyword not in P.KEEP_UID_KEYWORDS:
                elem.value = _map_uids(elem.value, self.uid)
        elif int(elem.tag) in P.EMPTY_TAGS:
            elem.value = ""
        elif vr in ("PN", "AS", "UN"):
            del ds[elem.tag]  # names anywhere; ages; values of unknown meaning (stricter)
        elif vr in P.FREE_TEXT_VRS and keyword not in P.KEEP_TEXT:
            del ds[elem.tag]
        elif vr in ("LO", "SH") and keyword not in P.KEEP_TEXT and any(w in keyword for w in P.FREE_TEXT_WORDS):
            del ds[elem.tag]

    def _date(self, ds: Dataset, elem: DataElement, sop_class: str, top: bool) -> None:
        keyword = elem.keyword
        if keyword == "PatientBirthDate" or keyword == "PatientBirthTime":
            elem.value = ""
        elif self.retain_dates:
            if elem.VR in ("DA", "DT"):
                elem.value = _map_values(elem.value, self.shift_date)
        elif top and sop_class in P.TYPE1_CONTENT_DATE_CLASSES and keyword in ("ContentDate", "ContentTime"):
            elem.value = P.DUMMY_DATE if elem.VR == "DA" else P.DUMMY_TIME
        elif int(elem.tag) in P.EMPTY_TAGS:
            elem.value = ""
        else:
            del ds[elem.tag]


def _map_values(value, fn):
    if value is None or value == "":
        return value
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [fn(str(v)) for v in value]
    return fn(str(value))


def _map_uids(value, fn):
    def one(v: str) -> str:
        return v if v.startswith(P.STANDARD_UID_ROOT) else fn(v)
    return _map_values(value, one)


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item
