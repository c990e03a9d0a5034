"""rtreview.core.atomic: an interrupted write never damages the previous file."""
import os
import signal

import pytest

from rtreview.core import atomic
from rtreview.core.atomic import atomic_path, write_atomic


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_bytes_and_text(tmp_path):
    write_atomic(tmp_path / "a.bin", b"\x00\x01")
    write_atomic(tmp_path / "b.csv", "naïve,肝\r\n")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.csv").read_bytes() == "naïve,肝\r\n".encode()  # no newline translation
    assert _leftovers(tmp_path) == []


def test_permissions_kept_or_default(tmp_path):
    write_atomic(tmp_path / "new.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / "new.txt").chmod(0o600)
    write_atomic(tmp_path / "new.txt", "y")
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_injected_failure_leaves_previous_file_intact(tmp_path, monkeypatch, where):
    target = tmp_path / "case.json"
    target.write_text("previous")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if where == "write":
        class Exploding(str):
            def encode(self, *args, **kwargs):
                raise OSError(28, "No space left on device")
        data = Exploding("new")
    else:
        data = "new"
        monkeypatch.setattr(os, where, fail)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, data)
    assert target.read_text() == "previous" and _leftovers(tmp_path) == []


def test_exception_inside_atomic_path_block(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"%PDF half")
            raise RuntimeError("painter failed")
    assert target.read_bytes() == b"%PDF old" and _leftovers(tmp_path) == []


def test_process_killed_mid_write_leaves_previous_file(tmp_path):
    """A real kill (SIGKILL) between the write and the rename: the target is the old file."""
    target = tmp_path / "settings.json"
    target.write_text("old")
    real_replace = os.replace
    pid = os.fork()
    if pid == 0:
        try:
            os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
            write_atomic(target, "new" * 1000)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.replace is real_replace
    assert os.WIFSIGNALED(status) and target.read_text() == "old"
    assert all(name.startswith(".settings.json.") for name in _leftovers(tmp_path))


def test_module_has_no_qt():
    assert "PySide6" not in open(atomic.__file__).read()
