"""Atomic output for the PDF report: ``rtreview.core.atomic.atomic_path`` (a temporary file beside the
target, renamed over it) with the report's own checks and ``OutputError`` messages.

A failure (unwritable folder, full disk, an exception while painting) never leaves a partial
file and never destroys an existing one: the temporary file is removed and the target is
untouched until the final ``os.replace``.
"""
from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from typing import Iterator

from rtreview.core.atomic import atomic_path


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
    """Yield a temporary path in the target's folder (``rtreview.core.atomic.atomic_path``); on normal
    exit it is flushed to disk and renamed to ``path``, on any exception it is deleted and the
    exception propagates. OutputError when the folder is unusable or nothing was written."""
    target = check_writable_folder(path)
    with ExitStack() as stack:
        try:
            tmp = stack.enter_context(atomic_path(target))
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
        yield tmp
        if not os.path.isfile(tmp) or os.path.getsize(tmp) == 0:
            raise OutputError(f"cannot write {target}: nothing was written")
