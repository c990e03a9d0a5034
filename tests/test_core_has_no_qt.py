"""rtreview.core must import without Qt: import every core module with PySide6/pyqtgraph blocked."""
import subprocess
import sys

from conftest import REPO

BLOCKER = r"""
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked in this test: ' + name)
        return None
sys.meta_path.insert(0, Block())
import rtreview.core
names = []
for m in pkgutil.walk_packages(rtreview.core.__path__, 'rtreview.core.'):
    importlib.import_module(m.name)
    names.append(m.name)
print(len(names))
assert not any(k.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph') for k in sys.modules)
"""


def test_core_imports_without_qt():
    out = subprocess.run([sys.executable, "-c", BLOCKER], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 5  # the core's modules were really imported


def test_blocker_really_blocks_qt():
    code = BLOCKER.split("import rtreview.core")[0] + "import PySide6\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode != 0 and "Qt is blocked" in out.stderr
