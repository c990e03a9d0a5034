"""Shared test set-up. Qt runs offscreen unless the caller chose a platform (e.g. xcb under Xvfb)."""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# ../shared next to the checkout (CI lays a copy of shared/ beside the clone).
SHARED = Path(os.environ.get("RTREVIEW_SHARED", REPO.parent / "shared"))
REFERENCE_DICOM = SHARED / "reference_dicom"
SAMPLE_DICOM = REPO / "sample_dicom"


@pytest.fixture(scope="session")
def reference_dicom() -> Path:
    if not REFERENCE_DICOM.is_dir():
        pytest.skip(f"reference DICOM not found at {REFERENCE_DICOM}")
    return REFERENCE_DICOM


@pytest.fixture(scope="session")
def sample_dicom() -> Path:
    return SAMPLE_DICOM
