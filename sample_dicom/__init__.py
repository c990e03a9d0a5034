"""The synthetic sample patient (installed as rtreview.sample_dicom). Not patient data."""
from importlib.resources import files


def sample_dir():
    """Folder holding the sample DICOM files (a real directory: the package ships as files)."""
    return files(__name__)
