"""RT Structure Set model: ROIs as planar contours in patient millimetres."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .slices import SliceGrid, slice_grid, typical_spacing_mm

# RTROIInterpretedType values we treat as targets (the rest are organs / support / external).
TARGET_TYPES = frozenset({"PTV", "CTV", "GTV", "ITV"})


@dataclass
class Roi:
    """One region of interest.

    ``planes`` maps a contour plane's z (mm, DICOM patient coordinates) to the closed
    polygons on that plane, each an ``(N, 2)`` float64 array of (x_mm, y_mm) vertices without
    a repeated closing point. Several polygons on one plane combine by the even-odd rule.
    ``points_mm`` holds POINT contours as (x, y, z); OPEN_PLANAR / OPEN_NONPLANAR are kept in
    ``open_contours`` and are not used for DVHs.
    """

    number: int
    name: str
    color_rgb: tuple[int, int, int] = (255, 255, 0)
    type: str = ""  # RTROIInterpretedType, e.g. PTV, GTV, ORGAN, EXTERNAL
    planes: dict[float, list[np.ndarray]] = field(default_factory=dict)
    points_mm: list[tuple[float, float, float]] = field(default_factory=list)
    open_contours: list[np.ndarray] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The image slices of its structure set (``slices.SliceGrid``): the slab each contour plane
    # stands for. None when not known (the DVH engine then uses the ROI's own plane spacing).
    slices: SliceGrid | None = field(default=None, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """True when the ROI has no closed-planar contour (nothing to compute a DVH on)."""
        return not self.planes

    @property
    def is_target(self) -> bool:
        return self.type.upper() in TARGET_TYPES or self.name.upper().startswith(("PTV", "CTV", "GTV", "ITV"))

    @property
    def plane_z_mm(self) -> np.ndarray:
        """Sorted z of the contour planes (mm)."""
        return np.array(sorted(self.planes), dtype=float)


@dataclass
class StructureSet:
    """An RT Structure Set: its ROIs and what it references."""

    sop_instance_uid: str
    path: str
    label: str = ""
    name: str = ""
    frame_of_reference_uid: str = ""
    referenced_series_uid: str = ""
    patient_id: str = ""
    rois: list[Roi] = field(default_factory=list)
    study_instance_uid: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def contour_spacing_mm(self) -> float | None:
        """The structure set's contour spacing (mm): the median distance between neighbouring
        contour planes of one ROI, over all ROIs (the CT slice spacing in practice), None without
        any pair. The DVH engine uses the slices themselves (``attach_slices``)."""
        return typical_spacing_mm([roi.plane_z_mm for roi in self.rois if len(roi.planes) > 1])

    def attach_slices(self, image_z_mm: np.ndarray | None = None) -> SliceGrid | None:
        """Give every ROI the slices its contours are drawn on (``Roi.slices``): the CT's slice
        positions ``image_z_mm`` when known, else the structure set's contour planes."""
        grid = slice_grid([roi.plane_z_mm for roi in self.rois if roi.planes], image_z_mm)
        for roi in self.rois:
            roi.slices = grid
        return grid

    @property
    def empty_rois(self) -> list[Roi]:
        """ROIs without closed-planar contours (kept, listed, no DVH)."""
        return [r for r in self.rois if r.is_empty]

    def roi(self, name_or_number: str | int) -> Roi:
        """The ROI with this number, or this name (case-insensitive); KeyError if none."""
        for r in self.rois:
            if isinstance(name_or_number, int) and r.number == name_or_number:
                return r
            if isinstance(name_or_number, str) and r.name.casefold() == name_or_number.casefold():
                return r
        raise KeyError(name_or_number)
