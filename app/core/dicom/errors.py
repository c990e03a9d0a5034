"""The one exception type readers raise for a file they cannot use."""
from __future__ import annotations


class DicomReadError(Exception):
    """A file that cannot be used, with the reason in words a user understands.

    ``str(err)`` is ``"<path>: <message>"``; the loader turns these into LoadReport entries.
    """

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message
