"""DVH engine: contours -> occupancy on a sampling grid -> dose samples -> histograms, metrics.

Public API::

    compute_dvh(roi, dose, options=None, prescription_gy=None) -> Dvh
    iter_dvhs(structure_set, dose, options=None, prescription_gy=None, cancel=None)
        -> yields (index, total, roi, Dvh | None)
    compute_dvhs(structure_set, dose, options=None, prescription_gy=None, progress=None, cancel=None)
        -> {roi_number: Dvh} (a DvhResults with .skipped = {roi_number: reason} and
           .points = {roi_number: [PointDose]}: the dose at POINT ROIs)
    point_doses(roi, dose) -> [PointDose]
    contour_volumes_cc(structure_set) -> {roi_number: cc} (the contour stacks, no dose needed)
"""
from .compute import (DvhCancelled, DvhError, DvhResults, compute_dvh, compute_dvhs, contour_volumes_cc,
                      is_point_roi, iter_dvhs, skip_reason, stack_volume_cc)
from .dvh import Dvh
from .options import DvhOptions
from .points import PointDose, point_doses

__all__ = ["Dvh", "DvhCancelled", "DvhError", "DvhOptions", "DvhResults", "PointDose", "compute_dvh",
           "compute_dvhs", "contour_volumes_cc", "is_point_roi", "iter_dvhs", "point_doses", "skip_reason", "stack_volume_cc"]
