"""NTCP and gEUD: the Lyman-Kutcher-Burman model on the voxel-wise EQD2 dose distribution.

For a structure whose dose samples have EQD2 doses d_i (Gy, each sample converted with the plan's
fractions and the structure's one α/β) and volumes v_i (cc):

    gEUD = ( Σ v_i d_i^(1/n) / Σ v_i )^n           (generalised EUD, volume parameter n)
    t    = (gEUD - TD50) / (m · TD50)
    NTCP = Φ(t) = ½ (1 + erf(t / √2))              (probit; TD50 and m the dose-response)

Published parameters are fitted to doses in the source's own fraction size (Dawson 2002: 1.5 Gy
fractions; most others 2 Gy). EQD_x (dose in x-Gy fractions) = BED / (1 + x / (α/β)) is the EQD2
times the constant (2 + α/β) / (x + α/β), and gEUD is homogeneous of degree one, so comparing the
EQD2 gEUD with TD50 converted to EQD2 (TD50 · (x + α/β) / (2 + α/β)) gives exactly the NTCP of
the source's own normalisation. rtreview shows gEUD and TD50 both in EQD2, with the structure's
α/β (the one α/β every view uses) for both conversions.

The parameter sets are shipped data (``resources/radiobiology/ntcp.json``), one entry per organ,
endpoint and population with a citation per value. An NTCP is a risk estimate from its model, not
a verdict: a protocol may set a limit on it, otherwise it is shown beside the constraints.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import radiobiology

LKB = "LKB"
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def fold(name: str) -> str:
    """Casefolded with every separator removed (how protocol and table names are compared)."""
    return _SEPARATORS.sub("", (name or "").casefold())


@dataclass(frozen=True)
class Parameter:
    """One model parameter with its source (the citation, page/table where known)."""

    value: float
    source: str


@dataclass(frozen=True)
class NtcpModel:
    """One published LKB parameter set for an organ, endpoint and population.

    ``reference_dose_per_fraction_gy``: the fraction size the source's doses are expressed in
    (its TD50 is a dose in such fractions); ``source_alpha_beta_gy``: the α/β the source used to
    normalise its doses, None when it used physical doses (then the reference fraction size is
    the courses' own, stated in ``fractionation_note``). ``checked`` says what rtreview's authors
    could verify of the values, and where.
    """

    id: str
    label: str
    endpoint: str
    population: str
    structures: tuple[str, ...]
    n: Parameter
    m: Parameter
    td50_gy: Parameter
    reference_dose_per_fraction_gy: float
    source_alpha_beta_gy: float | None
    fractionation_note: str
    citation: str
    checked: str
    default_for: tuple[str, ...] = ()
    model: str = LKB

    def td50_eqd2_gy(self, alpha_beta_gy: float) -> float:
        """TD50 converted from the source's fraction size to 2-Gy fractions with ``alpha_beta_gy``."""
        x = self.reference_dose_per_fraction_gy
        return self.td50_gy.value * (x + alpha_beta_gy) / (2.0 + alpha_beta_gy)

    def parameters_json(self) -> dict:
        return {"n": self.n.value, "m": self.m.value, "td50_gy": self.td50_gy.value,
                "reference_dose_per_fraction_gy": self.reference_dose_per_fraction_gy,
                "source_alpha_beta_gy": self.source_alpha_beta_gy}

    def sources_json(self) -> dict:
        return {"n": self.n.source, "m": self.m.source, "td50_gy": self.td50_gy.source,
                "fractionation": self.fractionation_note}


@dataclass(frozen=True)
class NtcpResult:
    """The NTCP of one structure under one model. ``value`` is a probability (0-1)."""

    model_id: str
    label: str
    structure: str
    endpoint: str
    value: float
    geud_eqd2_gy: float
    td50_eqd2_gy: float
    alpha_beta_gy: float
    fractions: int | None
    model: NtcpModel = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def percent(self) -> float:
        return 100.0 * self.value

    def to_json(self, digits: int = 6) -> dict:
        """The ``ntcp`` entry of ``rtreview check --format json``."""
        def r(x):
            return None if x is None or not math.isfinite(x) else round(float(x), digits)

        def sig(x):  # probabilities can be tiny: significant digits, not decimals
            return None if x is None or not math.isfinite(x) else float(f"{float(x):.10g}")
        return {"structure": self.structure, "model": self.model.model, "model_id": self.model_id,
                "label": self.label, "endpoint": self.endpoint, "population": self.model.population,
                "parameters": self.model.parameters_json(), "source": self.model.citation,
                "parameter_sources": self.model.sources_json(), "checked": self.model.checked,
                "value": sig(self.value), "value_pct": sig(self.percent), "geud_eqd2_gy": r(self.geud_eqd2_gy),
                "td50_eqd2_gy": r(self.td50_eqd2_gy), "alpha_beta_gy": r(self.alpha_beta_gy),
                "fractions": self.fractions, "notes": list(self.notes)}


# -- the formulas ------------------------------------------------------------------------------

def geud_gy(dose_gy, volume_cc, n: float) -> float:
    """Generalised EUD (Gy) of doses ``dose_gy`` with volumes ``volume_cc`` and volume parameter n.

    n = 1 is the mean dose; n -> 0 tends to the maximum. NaN for no volume."""
    if not n > 0:
        raise ValueError(f"the volume parameter n must be positive, not {n}")
    d = np.asarray(dose_gy, dtype=float).ravel()
    v = np.asarray(volume_cc, dtype=float).ravel()
    keep = v > 0
    d, v = d[keep], v[keep]
    total = float(v.sum())
    if d.size == 0 or not total > 0:
        return float("nan")
    top = float(d.max())
    if top <= 0:
        return 0.0
    a = 1.0 / n
    # Scaled by the maximum so d^(1/n) cannot overflow for small n (rectum n 0.09: a = 11).
    return top * float((np.dot(v, (np.clip(d, 0.0, None) / top) ** a) / total) ** n)


def lkb_probability(geud: float, td50_gy: float, m: float) -> float:
    """Φ((gEUD - TD50) / (m TD50)), the LKB probit."""
    if not (td50_gy > 0 and m > 0):
        raise ValueError(f"TD50 and m must be positive (TD50 {td50_gy}, m {m})")
    if not math.isfinite(geud):
        return float("nan")
    t = (geud - td50_gy) / (m * td50_gy)
    return 0.5 * (1.0 + math.erf(t / math.sqrt(2.0)))


def evaluate_eqd2(model: NtcpModel, eqd2_gy, volume_cc, alpha_beta_gy: float, structure: str = "",
                  fractions: int | None = None, notes: tuple[str, ...] = ()) -> NtcpResult:
    """NTCP of ``model`` for samples already in EQD2 (e.g. a multi-course composite)."""
    geud = geud_gy(eqd2_gy, volume_cc, model.n.value)
    td50 = model.td50_eqd2_gy(alpha_beta_gy)
    value = lkb_probability(geud, td50, model.m.value)
    extra = []
    if model.source_alpha_beta_gy is not None and abs(model.source_alpha_beta_gy - alpha_beta_gy) > 1e-9:
        extra.append(f"the source normalised its doses with alpha/beta {model.source_alpha_beta_gy:g} Gy; "
                     f"this structure's alpha/beta is {alpha_beta_gy:g} Gy (used for both conversions)")
    return NtcpResult(model.id, model.label, structure, model.endpoint, value, geud, td50, alpha_beta_gy,
                      fractions, model, tuple(notes) + tuple(extra))


def dvh_eqd2_samples(dvh, fractions: int, alpha_beta_gy: float) -> tuple[np.ndarray, np.ndarray]:
    """(EQD2 doses, volumes cc) of a DVH: its kept dose samples converted voxel by voxel, or, for a
    DVH without samples, its differential bins at their mid-doses."""
    if getattr(dvh, "has_samples", False):
        doses = np.asarray(dvh.sample_dose_gy, dtype=float)
        volumes = np.asarray(dvh.sample_volume_cc, dtype=float)
    else:
        edges = np.asarray(dvh.dose_gy, dtype=float)
        volumes = -np.diff(np.asarray(dvh.cumulative_cc, dtype=float))
        doses = 0.5 * (edges[:-1] + edges[1:])
    return np.asarray(radiobiology.eqd2_gy(doses, fractions, alpha_beta_gy), dtype=float).reshape(-1), volumes


def evaluate_dvh(model: NtcpModel, dvh, fractions: int, alpha_beta_gy: float, structure: str = "") -> NtcpResult:
    """NTCP of ``model`` for one plan's DVH of ``fractions`` fractions (voxel-wise EQD2 with ``alpha_beta_gy``)."""
    doses, volumes = dvh_eqd2_samples(dvh, fractions, alpha_beta_gy)
    notes = [] if getattr(dvh, "has_samples", False) else ["from the DVH's bins (no dose samples kept)"]
    if getattr(dvh, "uncovered_volume_cc", 0.0) > 1e-6:
        notes.append(f"{dvh.uncovered_volume_cc:.1f} cc of the structure lie outside the dose grid and are "
                     "not included (their dose is unknown)")
    return evaluate_eqd2(model, doses, volumes, alpha_beta_gy, structure or dvh.name, fractions, tuple(notes))


# -- the shipped parameter sets ----------------------------------------------------------------

def parameters_path():
    from rtreview.paths import resources_dir

    return resources_dir() / "radiobiology" / "ntcp.json"


def _parameter(item: dict, key: str) -> Parameter:
    entry = item[key]
    return Parameter(float(entry["value"]), str(entry["source"]))


def parse_models(data: dict) -> list[NtcpModel]:
    """The models of an ``ntcp.json`` document (ValueError naming the entry on a bad one)."""
    if data.get("format") != "rtreview-ntcp-parameters":
        raise ValueError("not an rtreview NTCP parameter file (format must be 'rtreview-ntcp-parameters')")
    models = []
    for i, item in enumerate(data.get("models", [])):
        where = f"models[{i}] ({item.get('id', '?')})"
        try:
            model = NtcpModel(
                id=str(item["id"]), label=str(item["label"]), endpoint=str(item["endpoint"]),
                population=str(item.get("population", "")), structures=tuple(item["structures"]),
                n=_parameter(item, "n"), m=_parameter(item, "m"), td50_gy=_parameter(item, "td50_gy"),
                reference_dose_per_fraction_gy=float(item["reference_dose_per_fraction_gy"]),
                source_alpha_beta_gy=(None if item.get("source_alpha_beta_gy") is None
                                      else float(item["source_alpha_beta_gy"])),
                fractionation_note=str(item["fractionation_note"]), citation=str(item["citation"]),
                checked=str(item["checked"]), default_for=tuple(item.get("default_for", ())),
                model=str(item.get("model", LKB)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: missing or bad field {exc}") from None
        if model.model != LKB:
            raise ValueError(f"{where}: model {model.model!r} is not supported (only {LKB})")
        for name, value in (("n", model.n.value), ("m", model.m.value), ("td50_gy", model.td50_gy.value),
                            ("reference_dose_per_fraction_gy", model.reference_dose_per_fraction_gy)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{where}: {name} must be a positive number, not {value}")
        models.append(model)
    ids = [m.id for m in models]
    if len(set(ids)) != len(ids):
        raise ValueError("NTCP parameter ids must be unique")
    return models


@lru_cache(maxsize=1)
def shipped_models() -> tuple[NtcpModel, ...]:
    return tuple(parse_models(json.loads(parameters_path().read_text(encoding="utf-8"))))


def model_by_id(model_id: str) -> NtcpModel:
    for model in shipped_models():
        if model.id == model_id:
            return model
    raise KeyError(f"no shipped NTCP model {model_id!r} (known: {', '.join(m.id for m in shipped_models())})")


def default_models_for(name: str) -> list[NtcpModel]:
    """The shipped models an ROI of this name gets without a protocol naming one (e.g. Lungs ->
    pneumonitis), compared as the α/β table compares names. Liver gets none by default: RILD's
    parameters depend on primary vs metastatic disease and apply to normal liver (liver minus GTV),
    which a protocol defines."""
    key = fold(name)
    return [m for m in shipped_models() if any(fold(s) == key for s in m.default_for)]
