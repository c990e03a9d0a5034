"""What the report's last section says about review and provenance, gathered without painting:
the sign-offs of the reported plans (from the case file's review log), whether that log is intact
and whether the plan files changed since, the files the report was computed from (with sha256),
and the protocols used (file and content hash).

``signing_case_file`` decides where a sign-off made with ``rtreview report --reviewer`` goes:
``--case FILE`` (created when missing), else the case file found beside the DICOM — never the
worked example bundled with the program.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from rtreview.core.review import entries as log_entries
from rtreview.core.review import verify_log
from rtreview.core.review.files import check_loaded, plan_uid, reviewed_files

from .content import ReportUsageError

PURPOSE = ("Plan review summary computed by {software} from the DICOM RT files listed in its last section: "
           "DVHs, metrics and constraint checks recomputed independently of the planning system. "
           "It is not a treatment record of the planning system; the treatment planning system's own "
           "plan documents remain the record.")


@dataclass(frozen=True)
class DataFile:
    plan: str  # plan label
    kind: str  # 'RT Plan', 'RT Dose', 'RT Structure Set', 'CT'
    file: str  # file name (CT: '117 slices')
    uid: str  # SOP Instance UID (CT: Series Instance UID)
    sha256: str  # '' when not hashed (CT series)


@dataclass(frozen=True)
class ProtocolInfo:
    name: str
    file: str
    version: str  # the protocol's own version ('' : protocol files carry none; the hash identifies it)
    sha256: str  # of the protocol file's bytes ('' when it has no file)


@dataclass
class ReviewInfo:
    case_file: str = ""  # the case file holding the review log ('' none)
    entries: list = field(default_factory=list)  # core.review.Entry of the reported plans
    problems: list[str] = field(default_factory=list)  # the log failed its check
    changed: list[str] = field(default_factory=list)  # plan files changed since a sign-off
    just_signed: int = 0  # entries this run added (the last ones)
    data_files: list[DataFile] = field(default_factory=list)
    protocols: list[ProtocolInfo] = field(default_factory=list)


def _sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def signing_case_file(paths: list[str], patient_id: str, case_file: str | None) -> Path:
    """The case file a command-line sign-off is recorded in (see module docstring);
    ReportUsageError when there is none to write to."""
    from rtreview.core.timeline import find_case_file
    from rtreview.core.timeline.case_file import bundled_example_path

    if case_file:
        return Path(case_file)
    found = find_case_file([str(p) for p in paths], patient_id)
    bundled = bundled_example_path()
    if found is None or (bundled.exists() and Path(found).resolve() == bundled.resolve()):
        why = ("the case file found is the worked example bundled with rtreview, which is never written to"
               if found is not None else "no case file was found beside the DICOM")
        raise ReportUsageError(f"--reviewer: a sign-off is recorded in the patient's case file and {why}; "
                               "give --case FILE (created if it does not exist)")
    return Path(found)


def record_sign_offs(content, case_path: Path, reviewer: str, role: str, decision: str, comment: str) -> list:
    """Append one sign-off per reported plan to ``case_path``; the new entries. ReviewLogError /
    CaseFileError when it cannot."""
    from rtreview.core.review.case_log import append_sign_offs
    from rtreview.core.review.files import sign_off_for

    sign_offs = [sign_off_for(s.link, reviewer, role, decision, comment, content.software) for s in content.sections]
    added, problems = append_sign_offs(case_path, sign_offs, create_patient_id=content.patient_id)
    content.review_problems_before_signing = [str(p) for p in problems]
    return added


def review_info(content, case_path: str | os.PathLike | None, just_signed: int = 0) -> ReviewInfo:
    """The review and provenance facts of ``content`` (see module docstring)."""
    from rtreview.core.review.case_log import read_log

    info = ReviewInfo(case_file=str(case_path or ""), just_signed=just_signed)
    links = [s.link for s in content.sections]
    uids = {plan_uid(link) for link in links} | {link.label for link in links}
    if case_path and os.path.isfile(case_path):
        try:
            log = read_log(case_path)
        except ValueError as exc:  # CaseFileError
            log, info.problems = [], [str(exc)]
        info.problems += [str(p) for p in verify_log(log)]
        mine = [e for e in log_entries(log) if (e.plan_sop_instance_uid or e.plan_label) in uids]
        info.entries = mine
        info.changed = [str(c) for c in check_loaded(mine, links)]
    for section in content.sections:
        link = section.link
        for f in reviewed_files(link):
            kind = {"plan": "RT Plan", "dose": "RT Dose", "structure_set": "RT Structure Set"}[f.kind]
            info.data_files.append(DataFile(link.label, kind, f.file, f.sop_instance_uid, f.sha256 or ""))
        if link.ct is not None:
            n = int(link.ct.hu.shape[0])
            info.data_files.append(DataFile(link.label, "CT", f"{n} slice{'s' if n != 1 else ''}",
                                            link.ct.series_instance_uid, ""))
    seen = set()
    for section in content.sections:
        proto = section.protocol
        if proto is None or proto.name in seen:
            continue
        seen.add(proto.name)
        path = getattr(proto, "path", "") or ""
        version = str(getattr(proto, "version", "") or "")
        info.protocols.append(ProtocolInfo(proto.name, os.path.basename(path), version,
                                           _sha256(path) if path else ""))
    return info
