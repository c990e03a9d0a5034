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


# The compressed CT transfer syntaxes of tests/test_compressed_ct.py, each through the decoder the
# codecs extra provides for it (pyjpegls, pylibjpeg-openjpeg/GDCM/Pillow, GDCM, rtreview's 12-bit
# GDCM plugin, Pillow): the bundle must carry the codec packages, their entry points and plugins.
COMPRESSED = ["jpeg-ls lossless", "jpeg 2000 lossless", "jpeg 2000 lossy 1:20", "jpeg lossless sv1",
              "jpeg extended 12-bit", "jpeg baseline 8-bit"]


@pytest.fixture(scope="module")
def compressed_series(tmp_path_factory):
    from test_compressed_ct import CASES, _series
    root = tmp_path_factory.mktemp("compressed")
    (root / "plain").mkdir()
    _series(root / "plain")
    cases = {c[0]: c for c in CASES}
    for name in COMPRESSED:
        folder = root / name.replace(" ", "_").replace(":", "-")
        folder.mkdir()
        _series(folder, cases[name][1])
    return root


@pytest.mark.parametrize("name", COMPRESSED)
def test_compressed_ct_reads_in_the_bundle(bundle, compressed_series, tmp_path, name):
    """`info --json` loads (decodes) the CT: without a decoder the load report has an error and no CT
    (tests/test_compressed_ct.py::test_missing_decoder_is_named_in_the_load_report)."""
    folder = compressed_series / name.replace(" ", "_").replace(":", "-")
    ours, installed = _both(bundle, "info", str(folder), "--json", cwd=tmp_path)
    assert ours.returncode == installed.returncode == 0, ours.stderr[-2000:]
    result = json.loads(ours.stdout)
    assert result["report"]["errors"] == [] and result["report"]["warnings"] == [], result["report"]
    assert result["patients"][0]["cts"][0]["shape"] == [3, 512, 512]
    assert result == json.loads(installed.stdout)


def test_compressed_ct_image_equals_the_uncompressed_one(bundle, compressed_series, tmp_path):
    """The bundle's window shows a JPEG-LS lossless CT exactly as the installed package shows the
    same slices uncompressed (same HU, so the same pixels but anti-aliasing noise)."""
    from PySide6 import QtGui
    shots = []
    for cmd, folder in (([str(bundle)], "jpeg-ls_lossless"), ([sys.executable, "-m", "rtreview"], "plain")):
        path = tmp_path / f"{folder}.png"
        out = subprocess.run([*cmd, "--screenshot", str(path), str(compressed_series / folder)], capture_output=True,
                             text=True, timeout=600, cwd=tmp_path, env=_env())
        assert out.returncode == 0, out.stderr[-2000:]
        shots.append(QtGui.QImage(str(path)))
    a, b = shots
    differing = sum(1 for y in range(0, 1000, 4) for x in range(0, 1600, 4) if a.pixel(x, y) != b.pixel(x, y))
    assert differing / (400 * 250) < 0.01, differing
    # and the CT is drawn: a row through the body in the axial view has many grey levels
    assert len({a.pixel(x, 200) for x in range(450, 800, 5)}) > 10


def test_third_party_licences_are_shipped(bundle):
    """THIRD-PARTY-NOTICES.txt (tools/bundle/licences.py) beside the executable and in
    _internal/licences/, every bundled file attributed, every Python component with its texts."""
    internal = bundle.parent / "_internal"
    notice = (bundle.parent / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert notice == (internal / "licences" / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert notice.split("Not attributed\n--------------\n", 1)[1].strip() == "(none)"
    assert "NONE FOUND" not in notice
    for component in ("PySide6_Essentials", "shiboken6", "numpy", "pydicom", "pynetdicom", "pyqtgraph", "pillow",
                      "python-gdcm", "pyjpegls", "pylibjpeg-openjpeg", "CPython", "PyInstaller",
                      "fonts-dejavu-core", "fonts-noto-cjk"):
        assert f"* {component} " in notice, component
    for text in ("python/pyside6-essentials/LGPL-3", "python/python-gdcm/GDCM.txt", "python/pyjpegls/CharLS.txt",
                 "python/cpython/LICENSE.txt", "debian/fonts-noto-cjk/copyright"):
        assert (internal / "licences" / text).stat().st_size > 500, text
    # Left out on purpose: GNU readline (GPL-3) and Qt's GTK theme plugin with the GTK stack it needs.
    names = [p.name for p in internal.rglob("*") if p.is_file()]
    assert not [n for n in names if n.startswith(("libreadline", "libqgtk3", "libgtk-3", "libcairo", "libpango"))]
