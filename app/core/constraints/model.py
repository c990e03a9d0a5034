"""The protocol model: structures (with aliases, alpha/beta, derivation) and their constraints.

Plain frozen dataclasses built by :mod:`.protocol_io` from a validated file. Doses in Gy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .metrics import Metric

LEVELS = ("mandatory", "optimal")
COMPARATORS = ("<=", ">=")
DOSE_BASES = ("eqd2", "physical")
DERIVED_OPERATIONS = ("union", "intersection", "subtraction")


@dataclass(frozen=True)
class Constraint:
    """One limit on one metric of one structure.

    ``limit`` is in ``unit``: 'Gy' or '%Rx' for dose metrics, '%' or 'cc' for volume metrics.
    ``dose_basis`` says in which fractionation the constraint's dose number (the limit of a
    dose metric, the threshold of a VxGy metric) is written: 'eqd2' = in 2-Gy fractions (the
    literature's usual basis, converted to the plan's fractionation), 'physical' = as given
    for the protocol's own fractionation (or for ``basis_fractions`` fractions when given: the
    course in which the literature observed it). ``marginal_limit`` (same unit) is the looser bound
    between pass and fail; None means the protocol's default band.
    """

    metric: Metric
    comparator: str
    limit: float
    unit: str
    level: str
    source: str
    dose_basis: str = "physical"
    marginal_limit: float | None = None
    note: str = ""
    basis_fractions: int | None = None
    # The protocol explicitly accepts a result inside the marginal band of this (mandatory)
    # constraint (an RTOG/NRG-style "variation acceptable"): it is then shown as marginal but
    # does not make ``rtreview check`` exit 3. Never for serial organs.
    variation_allowed: bool = False

    @property
    def is_upper(self) -> bool:
        return self.comparator == "<="


@dataclass(frozen=True)
class DerivedSpec:
    """A structure made from others by a boolean operation on their rasterized masks.

    ``operands`` name other structures of the same protocol; subtraction is the first minus
    the union of the others.
    """

    operation: str
    operands: tuple[str, ...]


@dataclass(frozen=True)
class StructureSpec:
    """A protocol structure: its display name, the ROI names it matches, its alpha/beta (Gy).

    ``alpha_beta_gy`` None: the default table decides (``rtreview.core.constraints.alpha_beta``).
    ``serial`` None: the default table decides (cord, cauda equina, brainstem, plexus, optic
    structures are serial: their limits never get a marginal band). ``all_matches``: the
    structure is the union of every ROI its aliases match (e.g. all GTVs of a case), not the
    first one.
    """

    name: str
    aliases: tuple[str, ...]
    alpha_beta_gy: float | None = None
    constraints: tuple[Constraint, ...] = ()
    derived: DerivedSpec | None = None
    is_target: bool = False
    serial: bool | None = None
    all_matches: bool = False
    alpha_beta_source: str = ""  # where the protocol's alpha/beta comes from

    @property
    def is_serial(self) -> bool:
        """A serial organ: by the protocol's ``serial``, else by the default table."""
        if self.serial is not None:
            return self.serial
        from rtreview.core.dvh.alpha_beta import is_serial

        return any(is_serial(a) for a in self.aliases if "*" not in a and "?" not in a)


@dataclass(frozen=True)
class SiteSpec:
    """The anatomical site a protocol is written for, as a plan's structure names show it.

    ``targets``: words looked for (case-insensitive substrings) in the plan's label/name and
    target ROI names (``liver``, ``hcc``); ``organs``: the organs-at-risk names characteristic
    of the site (aliases; ``*``/``?`` globs; matched like protocol structures), not organs found
    everywhere such as the spinal cord.
    """

    name: str
    targets: tuple[str, ...] = ()
    organs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Protocol:
    """A named set of constraints for one intended fractionation."""

    name: str
    prescription_gy: float
    fractions: int
    structures: tuple[StructureSpec, ...]
    description: str = ""
    target_keywords: tuple[str, ...] = ()
    marginal_band_pct: float = 0.0
    path: str = ""
    references: tuple[str, ...] = field(default_factory=tuple)
    site: SiteSpec | None = None

    @property
    def dose_per_fraction_gy(self) -> float:
        return self.prescription_gy / self.fractions

    def structure(self, name: str) -> StructureSpec:
        """The structure with this (protocol) name, case-insensitive; KeyError if none."""
        for s in self.structures:
            if s.name.casefold() == name.casefold():
                return s
        raise KeyError(name)
