"""RT Dose model: a 3-D dose array on an axis-aligned grid in patient millimetres."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass
class DoseGrid:
    """Dose in Gy on a rectilinear grid.

    ``dose_gy`` has shape ``(nz, ny, nx)`` (frames, rows, columns), float32, DoseGridScaling
    applied. ``x_mm``, ``y_mm``, ``z_mm`` are the voxel-centre coordinates of columns, rows and
    frames in DICOM patient coordinates, each strictly increasing: the reader flips the array
    where the file's orientation or frame order runs the other way, so consumers never see
    orientation. Frame spacing may be non-uniform (``z_mm`` is explicit).
    """

    sop_instance_uid: str
    path: str
    dose_gy: np.ndarray
    x_mm: np.ndarray
    y_mm: np.ndarray
    z_mm: np.ndarray
    units: str = "GY"  # GY or RELATIVE
    summation_type: str = "PLAN"  # PLAN, BEAM, FRACTION, ...
    dose_type: str = "PHYSICAL"
    frame_of_reference_uid: str = ""
    referenced_plan_uid: str = ""
    patient_id: str = ""
    # DVHs the planning system stored in the file (DVHSequence): ROI number -> (dose_gy, volume_cc)
    # cumulative arrays, kept as data for comparison with ours.
    stored_dvhs: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Volume units of each stored DVH: 'CM3' (cc) or 'PERCENT' (then the volumes are percent).
    stored_dvh_volume_units: dict[int, str] = field(default_factory=dict)
    study_instance_uid: str = ""
    # ReferencedFractionGroupNumber of the plan reference: the fraction group this dose covers
    # (DoseSummationType FRACTION); None for a dose of the whole plan or when not stated.
    referenced_fraction_group: int | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.dose_gy.shape)  # type: ignore[return-value]

    @cached_property
    def spacing_mm(self) -> tuple[float, float, float]:
        """(dx, dy, dz) in mm; dz is the median frame spacing (1.0 for a single frame).

        Cached: the DVH engine asks for it several times per structure and the axes of a grid
        never change after reading (a resampled grid is a new DoseGrid)."""
        def step(a: np.ndarray) -> float:
            return float(np.median(np.diff(a))) if a.size > 1 else 1.0
        return step(self.x_mm), step(self.y_mm), step(self.z_mm)

    @property
    def max_gy(self) -> float:
        return float(self.dose_gy.max()) if self.dose_gy.size else 0.0
