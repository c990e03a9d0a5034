"""An installed, non-editable copy of rtreview finds its resources and the sample case."""
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
