"""Work-around for a reference-counting bug of PySide6 6.12 on CPython 3.11.

Measured here (PySide6-Essentials 6.12.0, Python 3.11.7): every call of a wrapped Qt method
that returns nothing (``widget.update()``, ``painter.drawPath(...)``, ...) or returns None
(``widget.parent()`` of a top-level widget) takes one reference from ``None`` that it never
gave; pyqtgraph's painting does the same to ``True``. The counts fall by thousands per
repaint, and when one reaches zero CPython aborts ("Fatal Python error: none_dealloc"),
during use or at exit. Python 3.12 made these singletons immortal, so the bug is harmless
there; on 3.11 we give them a reference count they can never exhaust (what 3.12 does), once,
before any Qt call. The real fix is a PySide6 without the bug (see the project README).
"""
from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40
_applied = False


def affected(python: tuple[int, int], pyside: str) -> bool:
    """True for CPython before 3.12 with PySide6 6.12.x."""
    parts = pyside.split(".")
    try:
        version = (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        return False
    return python < (3, 12) and version[:2] == (6, 12)


def protect_singletons() -> bool:
    """Apply the work-around when needed (idempotent); returns whether it is in force."""
    global _applied
    if _applied:
        return True
    import PySide6

    if sys.implementation.name != "cpython" or not affected(sys.version_info[:2], PySide6.__version__):
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every PyObject (Py_ssize_t) on CPython 3.11
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFERENCES
    _applied = True
    return True
