"""DVH engine: contours -> occupancy on a sampling grid -> dose samples -> histograms, metrics.

Public API::

    compute_dvh(roi, dose, options=None, prescription_gy=None) -> Dvh
    iter_dvhs(structure_set, dose, options=None, prescription_gy=None, cancel=None)
        -> yields (index, total, roi, Dvh | None)
    compute_dvhs(structure_set, dose, options=None, prescription_gy=None, progress=None, cancel=None)
        -> {roi_number: Dvh} (a DvhResults with .skipped = {roi_number: reason})
"""
from .compute import (DvhCancelled, DvhError, DvhResults, compute_dvh, compute_dvhs, iter_dvhs,
                      skip_reason, stack_volume_cc)
from .dvh import Dvh
from .options import DvhOptions

__all__ = ["Dvh", "DvhCancelled", "DvhError", "DvhOptions", "DvhResults", "compute_dvh", "compute_dvhs",
           "iter_dvhs", "skip_reason", "stack_volume_cc"]
