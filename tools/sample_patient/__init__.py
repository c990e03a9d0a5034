"""Generator of the synthetic sample patient (a tool, not part of the app).

``make_patient(out_dir, *, patient_id, seed, anatomy_scale, ...)`` writes one patient;
``tools/make_sample_dicom.py`` calls it once, with fixed arguments, for ``sample_dicom/``.
"""
from .patient import PatientSummary, make_patient

__all__ = ["make_patient", "PatientSummary"]
