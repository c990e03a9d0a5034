"""Image orientation: only axial planes are supported (rows along ±x, columns along ±y)."""
from __future__ import annotations

import numpy as np

from .errors import DicomReadError

# Direction cosines closer than this to ±1 / 0 count as axis-aligned.
AXIS_TOLERANCE = 1e-3


def axial_signs(orientation: list[float], name: str, what: str = "dose grid") -> tuple[int, int]:
    """(+1/-1: direction of increasing column along x, +1/-1: of increasing row along y) for an
    ImageOrientationPatient; DicomReadError naming ``what`` when it is not axial."""
    row = np.asarray(orientation[:3], dtype=float)
    col = np.asarray(orientation[3:], dtype=float)
    if (abs(abs(row[0]) - 1) < AXIS_TOLERANCE and np.all(np.abs(row[1:]) < AXIS_TOLERANCE)
            and abs(abs(col[1]) - 1) < AXIS_TOLERANCE
            and abs(col[0]) < AXIS_TOLERANCE and abs(col[2]) < AXIS_TOLERANCE):
        return int(np.sign(row[0])), int(np.sign(col[1]))
    values = ", ".join(f"{v:g}" for v in orientation)
    raise DicomReadError(name, f"non-axial {what} orientation (ImageOrientationPatient {values}); "
                               "only axial images (rows along ±x, columns along ±y) are supported")
