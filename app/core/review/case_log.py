"""Recording sign-offs in a case file (``*.case.json``, top-level ``review_log``; no Qt).

``append_sign_offs(path, sign_offs)`` reads the case file as it is on disk now, appends one
entry per sign-off (chained, see ``log``), validates the whole document against the case schema
and writes it atomically. Entries already in the file are written back byte for byte (they are
re-serialised exactly as ``save_case`` writes them; a test compares the bytes). A missing file is
created (``create_patient_id``): a review needs no case timeline.

Saving the timeline (``core.timeline.case_file.save_case``) merges with ``log.merge_logs``, so a
window that was open while the command line signed never drops that entry.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from rtreview.core.atomic import write_atomic

from .log import LOG_KEY, LogProblem, SignOff, entries, new_entry, verify_log


def read_log(path: str | os.PathLike) -> list:
    """The review log of a case file ([] when it has none); CaseFileError when unreadable."""
    from rtreview.core.timeline.case_file import CaseFileError

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CaseFileError(path, f"cannot read: {exc}") from None
    log = document.get(LOG_KEY, []) if isinstance(document, dict) else []
    return log if isinstance(log, list) else []


def append_sign_offs(path: str | os.PathLike, sign_offs: list[SignOff], *,
                     create_patient_id: str | None = None) -> tuple[list[dict], list[LogProblem]]:
    """Append ``sign_offs`` to the case file ``path`` (see module docstring). Returns the new
    entries and the problems the existing log had (still appended after: the problems stay
    visible, nothing is hidden by signing). ReviewLogError / CaseFileError when it cannot."""
    from rtreview.core.timeline.case_file import (CaseFileError, dumps_document, new_case, case_to_dict,
                                                  validate_text)

    path = Path(path)
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CaseFileError(path, f"cannot read: {exc}") from None
        document, issues = validate_text(text, path)
        if issues:
            raise CaseFileError(path, f"{len(issues)} problem(s) against the case schema; fix them before "
                                      "signing:", issues)
    elif create_patient_id is not None:
        document = case_to_dict(new_case(create_patient_id))
    else:
        raise CaseFileError(path, "no such file")
    log = document.get(LOG_KEY, [])
    problems = verify_log(log)
    log = list(log)
    added = []
    for sign_off in sign_offs:
        entry = new_entry(sign_off, log)
        log.append(entry)
        added.append(entry)
    document[LOG_KEY] = log
    text = dumps_document(document)
    _, issues = validate_text(text, path)
    if issues:
        raise CaseFileError(path, "refusing to save: the case would not be valid:", issues)
    write_atomic(path, text)
    return added, problems


def log_entries(document_or_raw: dict) -> list:
    """``entries()`` of the log kept in a case document (or a CaseTimeline's ``raw``)."""
    return entries(document_or_raw.get(LOG_KEY, [])) if isinstance(document_or_raw, dict) else []
