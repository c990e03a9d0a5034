"""The cohort output tables: names, columns and their types (one place for every store).

Every per-patient table starts with ``patient_id``; rows of one patient are written (and
replaced) together. Doses in Gy, volumes in cc; ``metrics.unit`` says which for each metric.
The SOP Instance UIDs name the RT Dose, RT Plan and RT Structure Set a value comes from.
"""
from __future__ import annotations

UIDS = (("dose_sop_instance_uid", "TEXT"), ("plan_sop_instance_uid", "TEXT"),
        ("structure_set_sop_instance_uid", "TEXT"))

# table -> ((column, SQL type), ...). Row tuples in PatientResult follow these orders.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    # One row per patient: done (everything computed) or failed (reason says which file, what).
    "patients": (("patient_id", "TEXT"), ("status", "TEXT"), ("reason", "TEXT"), ("n_plans", "INTEGER"),
                 ("inputs", "TEXT"), ("elapsed_s", "REAL"), ("run_id", "INTEGER")),
    # One row per RT Dose (plan) of a patient.
    "plans": (("patient_id", "TEXT"), ("plan_label", "TEXT"), *UIDS, ("fractions", "INTEGER"),
              ("prescription_gy", "REAL"), ("protocol", "TEXT"), ("dose_file", "TEXT"), ("notes", "TEXT")),
    # The tidy table: one row per patient / plan / structure / metric.
    "metrics": (("patient_id", "TEXT"), ("plan_label", "TEXT"), *UIDS, ("roi_number", "INTEGER"),
                ("structure", "TEXT"), ("structure_type", "TEXT"), ("metric", "TEXT"), ("value", "REAL"),
                ("unit", "TEXT")),
    # One row per evaluated constraint (value / limit in ``unit``; *_gy and *_eqd2_gy for doses).
    # scope 'plan': one plan; 'composite': the courses of one frame of reference summed in EQD2
    # (plan_label, the UIDs and protocol join the courses' with ' + ').
    "constraints": (("patient_id", "TEXT"), ("plan_label", "TEXT"), *UIDS, ("protocol", "TEXT"),
                    ("structure", "TEXT"), ("roi", "TEXT"), ("metric", "TEXT"), ("comparator", "TEXT"),
                    ("level", "TEXT"), ("status", "TEXT"), ("value", "REAL"), ("limit_value", "REAL"),
                    ("marginal_limit", "REAL"), ("unit", "TEXT"), ("value_gy", "REAL"), ("value_eqd2_gy", "REAL"),
                    ("limit_gy", "REAL"), ("limit_eqd2_gy", "REAL"), ("alpha_beta_gy", "REAL"), ("note", "TEXT"),
                    ("scope", "TEXT")),
    # Cumulative DVH per structure: JSON arrays, volume_cc[i] = volume receiving >= dose_gy[i].
    "dvh_curves": (("patient_id", "TEXT"), ("plan_label", "TEXT"), *UIDS, ("roi_number", "INTEGER"),
                   ("structure", "TEXT"), ("bin_width_gy", "REAL"), ("dose_gy", "TEXT"), ("volume_cc", "TEXT")),
    # Problems found while reading a patient's files (errors, warnings) and ROIs without a DVH;
    # patient_id NULL: an input of ROOT holding no patient (replaced by every run).
    "issues": (("patient_id", "TEXT"), ("path", "TEXT"), ("severity", "TEXT"), ("message", "TEXT")),
}

# Tables filled from a PatientResult (``patients`` is written last: it marks the patient done).
ROW_TABLES = ("plans", "metrics", "constraints", "dvh_curves", "issues")

# Units of the metrics (the keys are those of ``rtreview dvh --format json``).
METRIC_UNITS = {"volume_cc": "cc", "covered_volume_cc": "cc", "min_gy": "Gy", "mean_gy": "Gy", "max_gy": "Gy",
                "hi": "1", "paddick_ci": "1", "gradient_index": "1"}


def columns(table: str) -> tuple[str, ...]:
    return tuple(name for name, _ in TABLES[table])


def metric_unit(key: str) -> str:
    """The unit of a metric key: Gy for every Dx (``d95_gy``, ``d2cc_gy``), else from METRIC_UNITS."""
    return METRIC_UNITS.get(key, "Gy" if key.endswith("_gy") else "")
