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


@pytest.fixture(autouse=True)
def _isolated_settings(request, tmp_path_factory, monkeypatch):
    """Every test gets its own QSettings file (RTREVIEW_SETTINGS): nothing is read from or written
    to the user's real settings, and no test sees another's saved layout or choices."""
    import hashlib

    name = hashlib.sha256(request.node.nodeid.encode("utf-8")).hexdigest()[:16]
    monkeypatch.setenv("RTREVIEW_SETTINGS", str(tmp_path_factory.getbasetemp() / f"settings-{name}.ini"))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (the receive load test, the desktop bundle build) run only with
    RTREVIEW_SLOW=1; otherwise they are deselected (reported as such, not as skips)."""
    if os.environ.get("RTREVIEW_SLOW") == "1":
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def _generate_sample(folder: Path, second_ct: str | None) -> Path:
    """The sample patient as tools/make_sample_dicom.py writes it, with or without the second CT."""
    import sys
    sys.path.insert(0, str(REPO / "tools"))
    import make_sample_dicom
    from sample_patient import make_patient
    make_patient(folder, **dict(make_sample_dicom.SAMPLE, second_ct=second_ct))
    return folder


@pytest.fixture(scope="session")
def two_ct_sample(tmp_path_factory) -> Path:
    """The sample with the L ILIUM course on its own CT (frame of reference) and the REG linking
    the CTs; generated (about 20 s) unless the committed sample is already that variant."""
    if any(SAMPLE_DICOM.glob("REG_*.dcm")):
        return SAMPLE_DICOM
    return _generate_sample(tmp_path_factory.mktemp("two_ct"), "L ILIUM")


@pytest.fixture(scope="session")
def one_ct_sample(tmp_path_factory) -> Path:
    """The sample with both courses on one CT (generated unless the committed sample is that)."""
    if not any(SAMPLE_DICOM.glob("REG_*.dcm")):
        return SAMPLE_DICOM
    return _generate_sample(tmp_path_factory.mktemp("one_ct"), None)
