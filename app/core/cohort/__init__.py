"""Cohort mode: DVHs, metrics and constraint results for many patients, one job per patient.

Public API::

    discover(root) -> Discovery                      # patients by DICOM Patient ID, unusable inputs
    run_patient(job, options) -> PatientResult       # pure function of the input files (picklable)
    store_tabular.open_store(out) -> SqliteStore     # SQLite; .csv / .parquet exported at close
    runners.open_runner(kind, ...)                   # Serial/Pool/DaskRunner: .imap(fn, items) as completed
    batch.run_batch(root, out, ...) -> BatchSummary  # the whole run (what ``rtreview batch`` does)

Tables and units: ``schema.py``.
"""
from .discover import Discovery, FailedInput, PatientJob, discover
from .job import JobOptions, PatientResult, run_patient

__all__ = ["Discovery", "FailedInput", "JobOptions", "PatientJob", "PatientResult", "discover", "run_patient"]
