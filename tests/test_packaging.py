"""An installed, non-editable copy of rtreview finds its resources and the sample case."""
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO

PROBE = r"""
import sys, rtreview
from rtreview.paths import resources_dir, sample_dicom_dir
site = sys.argv[1]
assert rtreview.__file__.startswith(site), rtreview.__file__
r, s = resources_dir(), sample_dicom_dir()
assert str(r).startswith(site) and (r / 'README.md').is_file(), r
assert str(s).startswith(site) and s.is_dir(), s
print(len(list(s.glob('*.dcm'))))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy: setuptools reuses ./build, which may hold files deleted since.
    src = out / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".venv-*", "build", "*.egg-info", "__pycache__", "out", ".pytest_cache", ".unpacked"))
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (path,) = out.glob("rtreview-*.whl")
    return path


def test_wheel_contains_resources_and_sample(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "rtreview/resources/README.md" in names
    assert "rtreview/cli/main.py" in names
    repo_samples = sorted(p.name for p in (REPO / "sample_dicom").glob("*.dcm"))
    shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("rtreview/sample_dicom/") and n.endswith(".dcm"))
    assert shipped == repo_samples
    assert not any(n.startswith(("tests/", "bench/", "tools/")) for n in names)
    # every package of the source tree is in the wheel (pyproject lists them by hand)
    # the source folder app/ installs as the import package `rtreview`
    packages = sorted("/".join(("rtreview", *p.parent.relative_to(REPO / "app").parts))
                      for p in (REPO / "app").rglob("__init__.py"))
    assert packages and all(f"{p}/__init__.py" in names for p in packages), packages
    assert not any(n.startswith("app/") for n in names), "no top-level `app` package is installed"


def test_installed_copy_finds_resources(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    res = subprocess.run([sys.executable, "-c", PROBE, str(site)], cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout) == len(list((REPO / "sample_dicom").glob("*.dcm")))


BUILD_EDITABLE = r"""
import sys
from setuptools import build_meta
print("WHEEL", build_meta.build_editable(sys.argv[1]))
"""


def _build_editable(src, out):
    return subprocess.run([sys.executable, "-W", "default", "-c", BUILD_EDITABLE, str(out)], cwd=src,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    src = tmp_path_factory.mktemp("editable") / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".venv-*", "build", "dist", "*.egg-info", "__pycache__", "out", ".pytest_cache", ".unpacked",
        "sample_dicom", "tests", "bench", "docs"))
    (src / "sample_dicom").mkdir()
    shutil.copy(REPO / "sample_dicom" / "__init__.py", src / "sample_dicom")
    return src


def test_editable_build_is_warning_free(source_copy, tmp_path):
    """What `pip install -e .` runs (PEP 660 build_editable) prints no warning, and the editable
    wheel maps the import package rtreview onto the source folder app/."""
    res = _build_editable(source_copy, tmp_path)
    assert res.returncode == 0, res.stderr
    output = res.stdout + res.stderr
    assert not re.search(r"\w*Warning\b|InformationOnly|^!!$", output, re.M), output
    (wheel,) = tmp_path.glob("rtreview-*.whl")
    finder = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("_finder.py"))
    text = zipfile.ZipFile(wheel).read(finder).decode()
    assert f"'rtreview': '{source_copy / 'app'}'" in text


def test_editable_build_still_warns_when_a_rtreview_folder_could_shadow(source_copy, tmp_path):
    (source_copy / "rtreview").mkdir()
    try:
        res = _build_editable(source_copy, tmp_path)
    finally:
        (source_copy / "rtreview").rmdir()
    assert res.returncode == 0, res.stderr
    assert "Editable installation" in res.stdout + res.stderr
