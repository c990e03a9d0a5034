"""rtreview: review radiotherapy plans (DICOM RT) with DVHs, constraints and the case timeline."""

__version__ = "0.1.0"
APP_NAME = "rtreview"
