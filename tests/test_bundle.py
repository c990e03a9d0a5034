"""The desktop bundle (tools/build_bundle.sh, PyInstaller one-folder): built, then its executable run
headless (`info`, `dvh`, `--screenshot`) and compared with the installed package's outputs.

Slow (a build takes minutes): runs only with RTREVIEW_SLOW=1. RTREVIEW_BUNDLE=DIR/rtreview uses an
already built bundle instead of building one into tmp."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    given = os.environ.get("RTREVIEW_BUNDLE")
    if given:
        return Path(given)
    dist = tmp_path_factory.mktemp("dist")
    out = subprocess.run([str(REPO / "tools" / "build_bundle.sh"), str(dist)], capture_output=True, text=True,
                         timeout=3600)
    assert out.returncode == 0, out.stderr[-3000:]
    exe = dist / "rtreview" / "rtreview"
    assert exe.is_file()
    return exe


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _both(bundle: Path, *args: str, cwd: Path):
    ours = subprocess.run([str(bundle), *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=_env())
    installed = subprocess.run([sys.executable, "-m", "rtreview", *args], capture_output=True, text=True, timeout=600,
                               cwd=cwd, env=_env())
    return ours, installed


def test_bundle_holds_qt_fonts_resources_and_sample(bundle):
    internal = bundle.parent / "_internal"
    assert (internal / "fonts" / "DejaVuSans.ttf").is_file() and (internal / "fonts" / "fonts.conf").is_file()
    assert list(internal.glob("fonts/NotoSansCJK-*.ttc"))
    assert (internal / "rtreview" / "sample_dicom" / "RP_LIVER.dcm").is_file()
    assert (internal / "rtreview" / "resources" / "protocols").is_dir()
    assert list(internal.rglob("libQt6Core.so*")) and list(internal.rglob("libqoffscreen.so"))


def test_info_and_dvh_equal_the_installed_package(bundle, sample_dicom, tmp_path):
    for args in (("info", str(sample_dicom), "--json"), ("dvh", str(sample_dicom), "--format", "json")):
        ours, installed = _both(bundle, *args, cwd=tmp_path)
        assert ours.returncode == installed.returncode == 0, ours.stderr
        assert json.loads(ours.stdout) == json.loads(installed.stdout), args[0]
    version = subprocess.run([str(bundle), "--version"], capture_output=True, text=True, env=_env())
    assert version.stdout.startswith("rtreview ")


def test_screenshot_equals_the_installed_package(bundle, tmp_path):
    from PySide6 import QtGui
    shots = {}
    for name, cmd in (("bundle", [str(bundle)]), ("installed", [sys.executable, "-m", "rtreview"])):
        path = tmp_path / f"{name}.png"
        out = subprocess.run([*cmd, "--screenshot", str(path)], capture_output=True, text=True, timeout=600,
                             cwd=tmp_path, env=_env())
        assert out.returncode == 0, out.stderr[-2000:]
        shots[name] = QtGui.QImage(str(path))
    a, b = shots["bundle"], shots["installed"]
    assert (a.width(), a.height()) == (b.width(), b.height()) == (1600, 1000)
    # Same program, same Qt, same fonts: the pictures agree pixel for pixel except anti-aliasing noise.
    differing = sum(1 for y in range(0, 1000, 4) for x in range(0, 1600, 4) if a.pixel(x, y) != b.pixel(x, y))
    assert differing / (400 * 250) < 0.01, differing
