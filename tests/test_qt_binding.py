"""The installed Qt binding does not leak references of None (PySide6 6.12.0 on CPython 3.11 does:
every void Qt call takes a reference it never gives back, and the app aborts with none_dealloc
after some thousands of repaints). pyproject.toml pins it out; this proves the installed one is sound."""
import subprocess
import sys

PROBE = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6 import QtWidgets
app = QtWidgets.QApplication([])
w = QtWidgets.QWidget()
before = sys.getrefcount(None)
for _ in range(20000):
    w.update()
print(sys.getrefcount(None) - before)
"""


def test_void_qt_calls_keep_none_refcount():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert abs(int(out.stdout.strip())) < 100
