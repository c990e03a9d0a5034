"""Where the shipped data lives, for an editable checkout and an installed wheel alike."""
from __future__ import annotations

from pathlib import Path


def sample_dicom_dir() -> Path:
    """Folder of the bundled synthetic sample patient."""
    from rtreview.sample_dicom import sample_dir

    return Path(str(sample_dir()))


def resources_dir() -> Path:
    """Folder of shipped resources (protocols, cases, icons)."""
    from rtreview.resources import resource_path

    return Path(str(resource_path()))
