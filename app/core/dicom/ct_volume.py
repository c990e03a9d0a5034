"""CT series model: a volume in Hounsfield units."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CtVolume:
    """CT in HU, shape ``(nz, ny, nx)``, with strictly increasing voxel-centre axes in mm
    (same conventions as ``DoseGrid``). ``hu`` is None when the series was loaded without its
    pixel data (``load(..., ct_pixels=False)``: ``rtreview dvh``)."""

    series_instance_uid: str
    hu: np.ndarray | None
    x_mm: np.ndarray
    y_mm: np.ndarray
    z_mm: np.ndarray
    frame_of_reference_uid: str = ""
    study_instance_uid: str = ""
    patient_id: str = ""
    description: str = ""
    paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
