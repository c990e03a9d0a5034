"""Where the tests find real RT DICOM that nobody here wrote.

- Vendored (permissive licences, in the repository): ``tests/data/reference_dicom/<set>.zip``,
  unpacked on first use into ``tests/data/reference_dicom/.unpacked/<set>/`` (ignored by git;
  files made read-only, as inputs must never be written). Sets: dicompyler-core-example,
  pinnacle-hn-anon99185, raystation-brain-srs, pydicom-testdata. Provenance and licences:
  ``tests/data/reference_dicom/README.md``.
- Not vendored: the Nelms et al. 2015 analytic DVH benchmark, which has no data licence. It is
  read from ``$RTREVIEW_SHARED/reference_dicom/nelms_dvh_benchmark`` (default ``../shared``
  beside the checkout); its tests skip with ``NELMS_SKIP_REASON`` when it is absent.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENDORED = REPO / "tests" / "data" / "reference_dicom"
UNPACKED = VENDORED / ".unpacked"
SHARED = Path(os.environ.get("RTREVIEW_SHARED", REPO.parent / "shared"))
NELMS = SHARED / "reference_dicom" / "nelms_dvh_benchmark"
NELMS_SKIP_REASON = (
    f"Nelms DVH benchmark not found at {NELMS}: it has no data licence, so it is not vendored. It is "
    "the dataset of Nelms et al., Med Phys 42(8):4435 (2015), doi:10.1118/1.4923175, as kept in "
    "github.com/victorgabr/pps (tests/tests_validation/benchmark_data/DVH-Analysis-Data-Etc/); "
    "point RTREVIEW_SHARED at a folder holding reference_dicom/nelms_dvh_benchmark/ to run these tests")


def _read_only(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def unpacked_reference_dicom() -> Path:
    """Folder holding every vendored set unpacked (``<folder>/<set>/...``); unpacks what is missing
    or older than its zip. Safe when two test runs start at once (unpack to a temporary folder,
    then rename)."""
    UNPACKED.mkdir(exist_ok=True)
    for archive in sorted(VENDORED.glob("*.zip")):
        target = UNPACKED / archive.stem
        if target.is_dir() and target.stat().st_mtime >= archive.stat().st_mtime:
            continue
        tmp = Path(tempfile.mkdtemp(prefix=f".{archive.stem}-", dir=UNPACKED))
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        _read_only(tmp)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            tmp.rename(target)
        except OSError:  # another run won the race: its copy is the same
            shutil.rmtree(tmp, ignore_errors=True)
    return UNPACKED
