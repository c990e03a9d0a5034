"""Plan comparison window: DVHs overlaid, metrics and constraints side by side, dose difference
and gamma maps (rtreview.core.compare)."""
