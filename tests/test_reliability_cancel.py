"""Cancelling a load part-way leaves nothing behind: no open files, no partial Case, inputs
unchanged, and the next load is complete (the GUI's cancel relies on this)."""
import os
import zipfile

import pytest

import dicom_builders as b
from rtreview.core.dicom.loader import LoadCancelled, load


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("stop_after", [1, 9, 14])
def test_cancel_mid_load_is_clean(tmp_path, stop_after):
    b.small_case(tmp_path / "case")
    with zipfile.ZipFile(tmp_path / "more.zip", "w") as zf:  # an open archive when cancelled
        for path in sorted((tmp_path / "case").rglob("*.dcm")):
            zf.write(path, f"z/{path.name}")
    before_files = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    fds = _open_fds()
    calls, messages = [0], []

    def cancel():
        calls[0] += 1
        return calls[0] > stop_after

    with pytest.raises(LoadCancelled):
        load(tmp_path, progress=lambda done, total, message: messages.append((done, total)), cancel=cancel)
    assert _open_fds() == fds  # the zip archive and files were closed
    assert all(done <= total for done, total in messages)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == before_files
    case = load(tmp_path)  # the next load is complete and unaffected
    assert len(case.links) == 2 and not case.report.errors
