"""Atomic file writes for everything the program saves (CSV, JSON, case files, settings, PDF).

``write_atomic(path, data)`` writes to a temporary file in the target's folder, flushes it to
disk, then renames it over the target (``os.replace``, atomic on POSIX and Windows). If
anything fails before the rename (an exception, a full disk, the process killed) the previous
file is untouched and the temporary file is removed (or, after a kill, left as a hidden
``.NAME.*.tmp`` beside it, never as the target). ``atomic_path(path)`` does the same for
writers that need a file name (a PDF or SQLite writer).
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from typing import Iterator


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8",
                 temp_folder: str | os.PathLike[str] | None = None) -> None:
    """Replace ``path`` with ``data`` (str is encoded with ``encoding``; no newline translation).
    ``temp_folder``: see ``atomic_path``."""
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_path(path, temp_folder=temp_folder) as tmp:
        with open(tmp, "wb") as stream:
            stream.write(payload)


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, temp_folder: str | os.PathLike[str] | None = None) -> Iterator[str]:
    """Yield a temporary file name beside ``path``; when the block ends normally the file is
    fsynced and renamed to ``path``; on an exception it is deleted and the exception propagates.
    The result gets the existing target's permission bits, or the usual ones (0666 & ~umask).
    ``temp_folder`` puts the temporary file there instead (it must be on the target's file system,
    e.g. a store's ``.incoming`` folder, so that nothing half-written ever sits beside the target)."""
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=os.fspath(temp_folder or folder))
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _mode_for(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
