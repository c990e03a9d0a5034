"""RT Plan model: label, prescription (with where it came from), fraction groups and beams.

Doses in Gy; dates ISO ``YYYY-MM-DD`` or ''. ``None`` always means *unknown*: the plan and the
files linked to it did not say, and nothing was guessed (see docs/prescription.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Where a prescription came from (``Plan.prescription_source``), in the order they are tried.
SOURCE_DOSE_REFERENCE = "dose_reference"  # the plan's Dose Reference Sequence
SOURCE_RX_ROI = "rx_roi"  # Pinnacle's prescription POINT ROIs ("rx 1: ...: 250 cGy x 22 ...")
SOURCE_TARGET_NAME = "target_name"  # a target ROI name carrying a dose ("PTV_70Gy", "PTV_5000")
SOURCE_USER = "user"  # typed by the user (plan tree, --rx, the case file)
PRESCRIPTION_SOURCES = (SOURCE_DOSE_REFERENCE, SOURCE_RX_ROI, SOURCE_TARGET_NAME, SOURCE_USER)
# How each source is shown: short (tables, the plan tree) and in a sentence (report, tooltips).
SOURCE_LABELS = {SOURCE_DOSE_REFERENCE: "dose reference", SOURCE_RX_ROI: "rx ROI", SOURCE_TARGET_NAME: "target name",
                 SOURCE_USER: "set by the user"}
SOURCE_DESCRIPTIONS = {SOURCE_DOSE_REFERENCE: "from the plan's dose reference", SOURCE_RX_ROI: "from the Pinnacle rx ROI",
                       SOURCE_TARGET_NAME: "from the target name", SOURCE_USER: "set by the user"}


@dataclass
class FractionGroup:
    """One fraction group of the plan (RT Fraction Scheme module).

    ``beam_dose_gy`` is the sum of the BeamDose values the group states (Gy per fraction;
    ``beam_doses_stated`` of its ``len(beam_numbers)`` beams state one): the dose at each beam's
    dose specification point, kept only for the load report's hint, never used as a prescription.
    """

    number: int | None
    fractions: int | None = None
    prescription_gy: float | None = None
    dose_per_fraction_gy: float | None = None
    beam_numbers: tuple[int, ...] = ()
    beam_dose_gy: float | None = None
    beam_doses_stated: int = 0

    def to_json(self) -> dict:
        """The ``fraction_groups[]`` item of the JSON contract (null where unknown)."""
        return {"number": self.number, "fractions": self.fractions,
                "prescription_gy": _round(self.prescription_gy),
                "dose_per_fraction_gy": _round(self.dose_per_fraction_gy)}


@dataclass
class Beam:
    """One treatment beam (Beam Sequence or Ion Beam Sequence item).

    ``technique``: 'arc' (the gantry rotates during the beam), 'dynamic' (BeamType DYNAMIC
    without rotation: sliding-window / step-and-shoot IMRT) or 'static'. ``nominal_energy_mev``
    is the first control point's NominalBeamEnergy (MeV; for photons the 'MV' label).
    ``meterset`` is the BeamMeterset of the fraction group referencing the beam (per fraction,
    in ``meterset_unit``, usually MU).
    """

    number: int | None
    name: str = ""
    description: str = ""
    type: str = ""  # BeamType as written: STATIC / DYNAMIC
    technique: str = ""
    radiation_type: str = ""  # PHOTON, ELECTRON, PROTON, ...
    nominal_energy_mev: float | None = None
    meterset: float | None = None
    meterset_unit: str = ""
    control_points: int = 0
    delivery_type: str = ""  # TREATMENT, SETUP, ...
    fraction_group: int | None = None

    def to_json(self) -> dict:
        return {"number": self.number, "name": self.name, "type": self.type, "technique": self.technique,
                "radiation_type": self.radiation_type, "nominal_energy_mev": _round(self.nominal_energy_mev),
                "meterset": _round(self.meterset), "meterset_unit": self.meterset_unit,
                "control_points": self.control_points, "delivery_type": self.delivery_type,
                "fraction_group": self.fraction_group}


@dataclass
class Plan:
    """An RT Plan's review-relevant facts.

    ``prescription_gy`` is the plan's total prescription and ``prescription_source`` says where
    it came from (one of PRESCRIPTION_SOURCES; None with ``prescription_gy`` None when nothing
    states it). ``prescription_note`` says in words where it came from, or why it is unknown.
    ``fractions`` is the total planned fractions (sum over ``fraction_groups``; None when a
    group does not state its count). ``dose_per_fraction_gy`` is Rx / fractions when every
    fraction of the plan has the same dose per fraction (one group, or groups alike), else None.
    ``beam_dose_sum_gy``: sum over groups of BeamDose x fractions, a hint shown in the load
    report, never a prescription.
    """

    sop_instance_uid: str
    path: str
    label: str = ""
    name: str = ""
    intent: str = ""
    prescription_gy: float | None = None
    fractions: int | None = None
    dose_per_fraction_gy: float | None = None
    date: str = ""
    referenced_structure_set_uid: str = ""
    frame_of_reference_uid: str = ""
    patient_id: str = ""
    notes: list[str] = field(default_factory=list)
    study_instance_uid: str = ""
    prescription_source: str | None = None
    prescription_note: str = ""
    fraction_groups: list[FractionGroup] = field(default_factory=list)
    beams: list[Beam] = field(default_factory=list)
    beam_dose_sum_gy: float | None = None
    # What the files said before the user set the prescription (restored by clearing it).
    file_prescription: dict | None = field(default=None, repr=False)

    def fraction_group(self, number: int | None) -> FractionGroup | None:
        """The group with this FractionGroupNumber, or None."""
        for group in self.fraction_groups:
            if number is not None and group.number == number:
                return group
        return None

    def prescription_json(self) -> dict:
        """The prescription keys shared by the plan objects of info / dvh / check."""
        return {"prescription_gy": _round(self.prescription_gy), "prescription_source": self.prescription_source,
                "fractions": self.fractions, "dose_per_fraction_gy": _round(self.dose_per_fraction_gy),
                "fraction_groups": [g.to_json() for g in self.fraction_groups],
                "prescription_note": self.prescription_note}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)
