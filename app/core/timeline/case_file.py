"""Read, validate, write and find case files (``*.case.json``).

- ``load_case(path)`` validates against ``resources/schemas/case.schema.json`` and raises
  ``CaseFileError`` whose ``issues`` name each bad field with its line in the file.
- ``save_case(case, path)`` writes atomically (``rtreview.core.atomic``: temporary file in the same
  folder, fsync, ``os.replace``) and keeps every field it does not know; the review log
  (``review_log``, sign-offs) is append-only: entries already in the file are kept as they are.
- ``find_case_file(paths)`` finds the case file that belongs to some DICOM paths.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from rtreview.core.atomic import write_atomic
from rtreview.core.review.log import LOG_KEY, merge_logs

from .json_lines import line_for, parse_with_lines
from .model import EVENT_CLASSES, CaseTimeline, FollowUp, LabSeries, PatientLink
from .schema import SchemaIssue, load_case_schema, validate

CASE_SUFFIX = ".case.json"
FORMAT_NAME = "rtreview-case"
FORMAT_VERSION = 1


class CaseFileError(ValueError):
    """A case file that cannot be used: unreadable, not JSON, or not valid against the schema."""

    def __init__(self, path: str | os.PathLike, message: str, issues: list[SchemaIssue] | None = None):
        self.path = str(path)
        self.issues = list(issues or [])
        detail = "".join(f"\n  {issue}" for issue in self.issues[:20])
        more = f"\n  ... and {len(self.issues) - 20} more" if len(self.issues) > 20 else ""
        super().__init__(f"{self.path}: {message}{detail}{more}")


def validate_text(text: str, path: str | os.PathLike = "<text>") -> tuple[dict, list[SchemaIssue]]:
    """Parse ``text`` and check it against the case schema: (document, issues).
    Raises ``CaseFileError`` if the text is not JSON at all (with its line and column)."""
    try:
        document, lines = parse_with_lines(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(path, f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # NaN/Infinity, absurd nesting
        raise CaseFileError(path, f"not valid JSON: {exc}") from None
    issues = validate(document, load_case_schema(), lines)
    return document, issues or _duplicate_ids(document, lines)


def _duplicate_ids(document: dict, lines: dict) -> list[SchemaIssue]:
    """Ids must be unique (views and checks refer to events by id); the schema cannot say so."""
    seen: dict[str, tuple] = {}
    issues = []
    for list_name in ("events", "lab_series"):
        for index, item in enumerate(document.get(list_name, [])):
            event_id = item.get("id")
            if not event_id:
                continue
            path = (list_name, index, "id")
            if event_id in seen:
                first = seen[event_id]
                issues.append(SchemaIssue(path, line_for(lines, path), f"duplicate id {json.dumps(event_id)} "
                                          f"(first at line {line_for(lines, first)})"))
            else:
                seen[event_id] = path
    return issues


def case_from_dict(document: dict) -> CaseTimeline:
    """Build the model from an already validated document."""
    events = []
    used = {data.get("id") for data in document.get("events", []) if data.get("id")}
    for index, data in enumerate(document.get("events", [])):
        event = EVENT_CLASSES[data["kind"]].from_dict(data)
        if not event.id:
            event.id = f"{data['kind']}-{index + 1}"
            while event.id in used:
                event.id += "x"
            used.add(event.id)
            event.id_generated = True  # not written back: the file had no id
        events.append(event)
    follow_up = document.get("last_follow_up")
    return CaseTimeline(
        raw=dict(document),
        title=document.get("title", ""),
        description=document.get("description", ""),
        source=document.get("source", ""),
        patient=PatientLink.from_dict(document.get("patient", {})),
        last_follow_up=FollowUp.from_dict(follow_up) if follow_up else None,
        events=events,
        lab_series=[LabSeries.from_dict(s) for s in document.get("lab_series", [])],
    )


def case_to_dict(case: CaseTimeline) -> dict:
    """The document to write: the file's own dict with the model's fields overlaid."""
    out = case.to_dict()
    out.setdefault("format", FORMAT_NAME)
    out.setdefault("format_version", FORMAT_VERSION)
    if case.patient.to_dict() or "patient" in case.raw:
        out["patient"] = case.patient.to_dict()
    if case.last_follow_up is not None:
        out["last_follow_up"] = case.last_follow_up.to_dict()
    elif "last_follow_up" in out:
        del out["last_follow_up"]
    out["events"] = [_event_dict(e) for e in case.events]
    if case.lab_series or "lab_series" in case.raw:
        out["lab_series"] = [s.to_dict() for s in case.lab_series]
    return out


def _event_dict(event) -> dict:
    out = event.to_dict()
    if event.id_generated:
        out.pop("id", None)
    return out


def loads_case(text: str, path: str | os.PathLike = "<text>") -> CaseTimeline:
    document, issues = validate_text(text, path)
    if issues:
        raise CaseFileError(path, f"{len(issues)} problem(s) against the case schema:", issues)
    return case_from_dict(document)


def load_case(path: str | os.PathLike) -> CaseTimeline:
    """Read and validate a case file; raises ``CaseFileError`` (with field paths and lines)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # tolerate a byte-order mark (Windows editors)
    except IsADirectoryError:
        raise CaseFileError(path, "is a folder, not a case file (give the *.case.json file)") from None
    except FileNotFoundError:
        raise CaseFileError(path, "no such file") from None
    except UnicodeDecodeError:
        raise CaseFileError(path, "not a case file: binary data, not UTF-8 JSON text (a DICOM file?)") from None
    except OSError as exc:
        raise CaseFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if text.lstrip()[:1] not in ("{", "[", ""):
        raise CaseFileError(path, "not a case file: not JSON (a case file is a JSON object starting with '{')")
    return loads_case(text, path)


def dumps_document(document: dict) -> str:
    """The text of a case file: 2-space indented JSON, UTF-8 characters as they are."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def dumps_case(case: CaseTimeline) -> str:
    return dumps_document(case_to_dict(case))


def _review_log_on_disk(path: Path) -> list | None:
    """The review log of the file about to be replaced (None: no file, or not readable JSON)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    log = document.get(LOG_KEY) if isinstance(document, dict) else None
    return log if isinstance(log, list) else None


def save_case(case: CaseTimeline, path: str | os.PathLike) -> None:
    """Write ``case`` to ``path`` atomically: the old file stays intact if anything fails.

    The document is validated first; a model that would produce an invalid file raises
    ``CaseFileError`` and nothing is written."""
    path = Path(path)
    document = case_to_dict(case)
    on_disk = _review_log_on_disk(path)
    if on_disk or document.get(LOG_KEY):  # sign-offs are append-only: never drop one written meanwhile
        document[LOG_KEY] = merge_logs(on_disk, document.get(LOG_KEY))
        case.raw[LOG_KEY] = document[LOG_KEY]
    text = dumps_document(document)
    _, issues = validate_text(text, path)
    if issues:
        raise CaseFileError(path, "refusing to save: the case would not be valid:", issues)
    write_atomic(path, text)


def new_case(patient_id: str = "") -> CaseTimeline:
    return CaseTimeline(raw={"format": FORMAT_NAME, "format_version": FORMAT_VERSION},
                        patient=PatientLink(patient_id=patient_id))


def bundled_example_path() -> Path:
    """The worked example (``resources/cases/hcc_lenalidomide.case.json``)."""
    from rtreview.paths import resources_dir

    return resources_dir() / "cases" / "hcc_lenalidomide.case.json"


def find_case_file(paths: list[str | os.PathLike], patient_id: str = "") -> Path | None:
    """The case file that belongs to DICOM ``paths``, or None.

    Looks in each folder given (and the folder of each file given) for ``*.case.json``,
    then ``case.json``; with several, the first whose patient ID equals ``patient_id``
    (or, without one, the first by name). For the bundled synthetic sample (PatientID
    ``RTR-SAMPLE-001`` or paths inside the sample folder) it falls back to the worked example
    in ``resources/cases``.
    """
    folders: list[Path] = []
    for raw_path in paths:
        p = Path(raw_path)
        folder = p if p.is_dir() else p.parent
        if folder not in folders:
            folders.append(folder)
    for folder in folders:
        candidates = sorted(folder.glob(f"*{CASE_SUFFIX}")) + [c for c in [folder / "case.json"] if c.is_file()]
        if patient_id:
            for candidate in candidates:
                if _patient_id_of(candidate) == patient_id:
                    return candidate
        if candidates:
            return candidates[0]
    if patient_id == "RTR-SAMPLE-001" or any(_is_sample(f) for f in folders):
        example = bundled_example_path()
        return example if example.is_file() else None
    return None


def _patient_id_of(path: Path) -> str:
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("patient", {}).get("patient_id", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def _is_sample(folder: Path) -> bool:
    from rtreview.paths import sample_dicom_dir

    try:
        sample = sample_dicom_dir().resolve()
        folder = folder.resolve()
    except OSError:
        return False
    return folder == sample or sample in folder.parents
