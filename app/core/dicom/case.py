"""A loaded case: patients, their RT objects, and the links between them."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .ct_volume import CtVolume
from .dose_grid import DoseGrid
from .load_report import LoadReport
from .plan import FractionGroup, Plan
from .structure_set import StructureSet


@dataclass
class DoseLink:
    """One reviewable dose grid with what it links to (each may be None when unlinked).

    Linking: RT Dose -> RT Plan (ReferencedRTPlanSequence) -> RT Structure Set
    (ReferencedStructureSetSequence) -> CT series (referenced series / frame of reference).

    ``dose`` is None for a review without a dose (``Patient.undosed_links``): a plan, structure
    set or CT whose dose is not in the load (contours before planning, a plan not exported yet).
    """

    dose: DoseGrid | None
    plan: Plan | None = None
    structure_set: StructureSet | None = None
    ct: CtVolume | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Plan label, else the dose file's name (without a dose: the structure set's label, else
        the CT's description)."""
        if self.plan is not None and self.plan.label:
            return self.plan.label
        if self.dose is not None:
            return os.path.basename(self.dose.path)
        if self.structure_set is not None:
            return self.structure_set.label or os.path.basename(self.structure_set.path)
        if self.ct is not None:
            return f"CT {self.ct.description}".strip() if self.ct.description else "CT"
        return "(empty)"

    @property
    def has_dose(self) -> bool:
        return self.dose is not None

    @property
    def fraction_group(self) -> FractionGroup | None:
        """The fraction group this dose covers alone (a DoseSummationType FRACTION dose naming a
        group of a plan with several), else None: the dose covers the whole plan."""
        plan, dose = self.plan, self.dose
        if plan is None or dose is None or len(plan.fraction_groups) < 2 or dose.summation_type != "FRACTION":
            return None
        return plan.fraction_group(dose.referenced_fraction_group)

    @property
    def prescription_gy(self) -> float | None:
        """The prescription this dose is reviewed against (Gy): its fraction group's when it
        covers one group, else the plan's; None when unknown (or no plan)."""
        group = self.fraction_group
        if group is not None:
            return group.prescription_gy
        return self.plan.prescription_gy if self.plan is not None else None

    @property
    def fractions(self) -> int | None:
        """The fractions this dose is delivered in (its group's, else the plan's total)."""
        group = self.fraction_group
        if group is not None:
            return group.fractions
        return self.plan.fractions if self.plan is not None else None


@dataclass
class Patient:
    patient_id: str
    name: str = ""
    birth_date: str = ""
    plans: list[Plan] = field(default_factory=list)
    doses: list[DoseGrid] = field(default_factory=list)
    structure_sets: list[StructureSet] = field(default_factory=list)
    cts: list[CtVolume] = field(default_factory=list)
    links: list[DoseLink] = field(default_factory=list)
    # What can be reviewed without a dose: plans without one, structure sets no dose or plan
    # uses, CT series nothing uses (``DoseLink`` with dose None; link.undosed_links).
    undosed_links: list[DoseLink] = field(default_factory=list)

    @property
    def review_links(self) -> list[DoseLink]:
        """Every reviewable item: the dose links, then those without a dose."""
        return [*self.links, *self.undosed_links]

    def link_for_plan(self, label: str) -> DoseLink:
        """The first dose link whose plan label is ``label`` (case-insensitive); KeyError if none."""
        for link in self.links:
            if link.plan is not None and link.plan.label.casefold() == label.casefold():
                return link
        raise KeyError(label)


@dataclass
class Case:
    patients: list[Patient] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)

    @property
    def links(self) -> list[DoseLink]:
        """The dose links (what DVHs, checks and reports are computed on)."""
        return [link for p in self.patients for link in p.links]

    @property
    def review_links(self) -> list[DoseLink]:
        """What the window can show: every patient's dose links, then those without a dose."""
        return [link for p in self.patients for link in p.review_links]
