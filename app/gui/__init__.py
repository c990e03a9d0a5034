"""Qt views of rtreview.core models."""
