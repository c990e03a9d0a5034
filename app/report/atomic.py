"""Atomic output: write to a temporary file beside the target, then rename it over the target.

A failure (unwritable folder, full disk, an exception while painting) never leaves a partial
file and never destroys an existing one: the temporary file is removed and the target is
untouched until the final ``os.replace``.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from typing import Iterator


class OutputError(OSError):
    """The output file cannot be written; the message says which file and why."""


def check_writable_folder(path: str | os.PathLike[str]) -> str:
    """The absolute target path; OutputError when its folder is missing or not writable."""
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise OutputError(f"cannot write {target}: it is a folder")
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: no permission to create files in {folder}")
    return target


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yield a temporary path in the target's folder; on normal exit it is flushed to disk and
    renamed to ``path``, on any exception it is deleted and the exception propagates."""
    target = check_writable_folder(path)
    folder, name = os.path.split(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        yield tmp
        if not os.path.isfile(tmp) or os.path.getsize(tmp) == 0:
            raise OutputError(f"cannot write {target}: nothing was written")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
