"""Safety of data: every headless operation on a copy of the sample and reference files leaves
the inputs byte-identical (sha256 and mtime), opens no network connection, and writes no
patient identifier to logs or warnings; a de-identified report holds none either.

All operations run once, in-process, in a module fixture: load + DVHs, then each registered
``rtreview`` subcommand (info, dvh, check, timeline, report, batch: whichever exist).
The dicompyler example's 10 MB RT Dose is left out of the copy to keep this under ~30 s
(test_dicom_reference_sets.py loads it); its CT slice, plan and structure set are in.
Limit: only Python-level sockets are watched (Qt's C++ network code would not be seen; the
report renders with QtGui only, which opens none).
"""
import builtins
import contextlib
import hashlib
import io
import logging
import os
import shutil
import socket
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import dicom_builders as b
from rtreview.cli.main import SUBCOMMANDS, main
from rtreview.core.dicom.loader import load
from rtreview.core.dvh import DvhOptions, compute_dvhs
from conftest import REFERENCE_DICOM, REPO, SAMPLE_DICOM

NAME, PATIENT_ID, BIRTH = "Qzxvwyrm^Holdane", "PID-73311-QX", "19591231"
IDENTIFIERS = ["Qzxvwyrm", "Holdane", PATIENT_ID, BIRTH, "1959-12-31"]
CASE_JSON = REPO / "resources" / "cases" / "hcc_lenalidomide.case.json"


def _inputs(root: Path) -> Path:
    if not (SAMPLE_DICOM / "RS_SYNTHETIC.dcm").is_file() or not REFERENCE_DICOM.is_dir():
        pytest.skip("sample or reference DICOM not available")
    shutil.copytree(SAMPLE_DICOM, root / "sample", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REFERENCE_DICOM / "pydicom-testdata", root / "pydicom-testdata")
    shutil.copytree(REFERENCE_DICOM / "dicompyler-core-example", root / "dicompyler",
                    ignore=shutil.ignore_patterns("rtdose.dcm"))
    parts = b.small_case(root / "named", patient_id=PATIENT_ID, patient_name=NAME)
    bad = parts["rtdose"]  # a second, damaged dose of the named patient: its problems are reported
    bad.PatientBirthDate = "1959-12-31"  # malformed DA: pydicom would quote it in a warning
    bad.SOPInstanceUID = bad.file_meta.MediaStorageSOPInstanceUID = b.generate_uid()
    b.save(bad, root / "named" / "rtdose_copy.dcm")
    data = (root / "named" / "rtdose_copy.dcm").read_bytes()
    (root / "named" / "rtdose_cut.dcm").write_bytes(data[: len(data) // 2])
    return root


def _state(root: Path) -> dict:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


class _Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    inputs = _inputs(tmp_path_factory.mktemp("inputs"))
    out = tmp_path_factory.mktemp("outputs")
    before = _state(inputs)
    connections: list[str] = []

    def refuse(self_or_address, *args, **kwargs):
        connections.append(repr((self_or_address, args))[:200])
        raise OSError("network access attempted during a reliability test")

    writes: list[str] = []  # any open for writing of a path inside the inputs, even if nothing changes
    real_open, real_os_open, inputs_text = builtins.open, os.open, str(inputs)

    def watched_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and str(os.path.abspath(file)).startswith(inputs_text) \
                and any(c in mode for c in "wax+"):
            writes.append(f"open({file}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):
        if str(os.path.abspath(path)).startswith(inputs_text) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(f"os.open({path}, {flags:#o})")
        return real_os_open(path, flags, *args, **kwargs)

    recorder, root_logger = _Recorder(), logging.getLogger()
    old_level = root_logger.level
    runs, outputs, seconds, control = {}, io.StringIO(), {}, ""
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("connect", "connect_ex"):
            mp.setattr(socket.socket, name, refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        mp.setattr(builtins, "open", watched_open)
        mp.setattr(io, "open", watched_open)
        mp.setattr(os, "open", watched_os_open)
        root_logger.addHandler(recorder)
        root_logger.setLevel(logging.DEBUG)
        try:
            start = time.perf_counter()
            case = load(inputs)
            dvh_count = 0
            for link in case.links:
                if link.structure_set is not None:
                    dvh_count += len(compute_dvhs(link.structure_set, link.dose, DvhOptions(samples_across=8)))
            runs["load+dvh"] = dvh_count
            seconds["load+dvh"] = round(time.perf_counter() - start, 1)
            commands = {
                "info": ["info", str(inputs), "--json"],
                "dvh": ["dvh", str(inputs)],
                "check": ["check", str(inputs)],
                "timeline": ["timeline", str(CASE_JSON), str(inputs / "sample")],
                "report": ["report", str(inputs / "named"), "-o", str(out / "named.pdf"), "--deidentify", "--quiet"],
                "batch": ["batch", str(inputs / "named"), "--out", str(out / "batch.sqlite"), "--workers", "1"],
            }
            for name, argv in commands.items():
                if name not in SUBCOMMANDS:
                    continue
                start = time.perf_counter()
                with contextlib.redirect_stdout(outputs), contextlib.redirect_stderr(outputs):
                    try:
                        runs[name] = main(argv)
                    except SystemExit as exc:  # argparse usage errors
                        runs[name] = f"exit {exc.code}"
                seconds[name] = round(time.perf_counter() - start, 1)
            # control: the watch does see a write-mode open (append, nothing written: mtime kept)
            open(inputs / "named" / "rtplan.dcm", "ab").close()
            control = writes.pop() if writes else ""
        finally:
            root_logger.removeHandler(recorder)
            root_logger.setLevel(old_level)
    return {"inputs": inputs, "out": out, "before": before, "after": _state(inputs), "runs": runs,
            "connections": connections, "logs": recorder.lines, "warnings": [str(w.message) for w in caught],
            "case": case, "output": outputs.getvalue(), "seconds": seconds, "writes": writes,
            "control": control}


def test_every_operation_ran(session):
    runs = session["runs"]
    print("operations (s):", session["seconds"])
    assert runs["load+dvh"] > 20
    for name in ("info", "dvh", "check", "timeline", "report"):
        if name in SUBCOMMANDS:
            assert runs[name] in (0, 1, 3), (name, runs[name], session["output"][-2000:])


def test_inputs_unchanged(session):
    assert session["after"] == session["before"]  # same files, same bytes, same mtimes
    assert session["writes"] == []  # and never opened for writing
    assert session["control"].startswith("open(") and "rtplan.dcm" in session["control"]  # the watch works
    assert not any(p for p in session["out"].rglob("*") if p.suffix in (".tmp", ".part"))


def test_no_network_connection(session):
    assert session["connections"] == []


def test_no_patient_identifiers_in_logs_or_warnings(session):
    case = session["case"]
    assert any(p.patient_id == PATIENT_ID and p.name == NAME for p in case.patients)  # they were read
    assert case.report.errors  # and the damaged file was reported
    text = "\n".join(session["logs"] + session["warnings"])
    for identifier in IDENTIFIERS:
        assert identifier not in text, identifier


def test_deidentified_report_has_no_identifiers(session):
    if "report" not in SUBCOMMANDS:
        pytest.skip("rtreview report not available")
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(session["out"] / "named.pdf")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert "PTV" in text  # the report has content
    for identifier in IDENTIFIERS:
        assert identifier not in text and identifier not in metadata, identifier


def test_loaded_arrays_are_not_views_of_input_files(session):
    """Nothing is memory-mapped from an input: every array owns (or views owned) memory."""
    for link in session["case"].links:
        for array in (link.dose.dose_gy, *( [link.ct.hu] if link.ct is not None else [])):
            base = array
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            assert not isinstance(base, np.memmap)
