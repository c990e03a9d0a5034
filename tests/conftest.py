"""Shared test set-up. Qt runs offscreen unless the caller chose a platform (e.g. xcb under Xvfb)."""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from reference_data import NELMS, NELMS_SKIP_REASON, unpacked_reference_dicom  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# Real planning-system exports vendored with their licences (tests/data/reference_dicom/README.md),
# unpacked from their zips on first use; the same on a fresh clone as here.
REFERENCE_DICOM = unpacked_reference_dicom()
SAMPLE_DICOM = REPO / "sample_dicom"


@pytest.fixture(scope="session")
def reference_dicom() -> Path:
    return REFERENCE_DICOM


@pytest.fixture(scope="session")
def nelms() -> Path:
    """The Nelms analytic DVH benchmark (no data licence: never vendored; see NELMS_SKIP_REASON)."""
    if not (NELMS / "cases.csv").is_file():
        pytest.skip(NELMS_SKIP_REASON)
    return NELMS


@pytest.fixture(scope="session")
def sample_dicom() -> Path:
    return SAMPLE_DICOM


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (the receive load test, the desktop bundle build) run only with
    RTREVIEW_SLOW=1; otherwise they are deselected (reported as such, not as skips)."""
    if os.environ.get("RTREVIEW_SLOW") == "1":
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
