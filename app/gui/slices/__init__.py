"""Axial/coronal/sagittal CT views with dose, isodoses and contours."""
