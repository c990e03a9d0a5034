"""Read and validate protocol files (JSON; the format is documented in docs/protocols.md).

Validation is strict and names the offending field, e.g.
``hcc.json: structures[2].constraints[0].limit: expected a number, got "28 Gy"``, so a
physicist editing a file by hand knows exactly what to fix. Unknown fields are errors too
(a misspelt ``marginal_limt`` must not be silently ignored).
"""
from __future__ import annotations

import json
from pathlib import Path

from .metrics import parse_metric
from .model import (COMPARATORS, DERIVED_OPERATIONS, DOSE_BASES, LEVELS, Constraint, DerivedSpec, Protocol,
                    SiteSpec, StructureSpec)

FORMAT = "rtreview-protocol"
FORMAT_VERSION = 1
_TOP = {"format", "format_version", "name", "description", "fractionation", "target_keywords",
        "marginal_band_pct", "references", "structures", "site"}
_SITE = {"name", "targets", "organs"}
_STRUCT = {"name", "aliases", "alpha_beta_gy", "alpha_beta_source", "target", "derived", "constraints", "note",
           "serial", "all_matches"}
_CONSTRAINT = {"metric", "comparator", "limit", "unit", "dose_basis", "level", "marginal_limit", "source", "note",
               "basis_fractions", "variation_allowed"}


class ProtocolError(ValueError):
    """A protocol file is unusable. ``field`` is the path of the offending field ('' for the file)."""

    def __init__(self, field: str, message: str, source: str = ""):
        self.field = field
        self.detail = message
        self.source = source
        where = ": ".join(p for p in (source, field) if p)
        super().__init__(f"{where}: {message}" if where else message)


def _fail(field: str, message: str):
    raise ProtocolError(field, message)


def _obj(value, field: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        _fail(field, f"expected an object, got {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        _fail(f"{field}.{unknown[0]}" if field else unknown[0],
              f"unknown field (allowed: {', '.join(sorted(allowed))})")
    return value


def _key(obj: dict, key: str, parent: str) -> str:
    return f"{parent}.{key}" if parent else key


def _str(obj: dict, key: str, parent: str, required: bool = True, default: str = "") -> str:
    f = _key(obj, key, parent)
    if key not in obj:
        if required:
            _fail(f, "required field is missing")
        return default
    v = obj[key]
    if not isinstance(v, str) or (required and not v.strip()):
        _fail(f, f"expected a non-empty string, got {v!r}")
    return v.strip()


def _num(obj: dict, key: str, parent: str, required: bool = True, default=None, positive: bool = False):
    f = _key(obj, key, parent)
    if key not in obj:
        if required:
            _fail(f, "required field is missing")
        return default
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        _fail(f, f"expected a number, got {v!r}")
    if positive and v <= 0:
        _fail(f, f"must be positive, got {v!r}")
    if not positive and v < 0:
        _fail(f, f"must not be negative, got {v!r}")
    return float(v)


def _choice(obj: dict, key: str, parent: str, choices, required: bool = True, default: str = "") -> str:
    f = _key(obj, key, parent)
    if key not in obj:
        if required:
            _fail(f, f"required field is missing (one of {', '.join(choices)})")
        return default
    v = obj[key]
    if v not in choices:
        _fail(f, f"expected one of {', '.join(choices)}, got {v!r}")
    return v


def _str_list(obj: dict, key: str, parent: str) -> tuple[str, ...]:
    f = _key(obj, key, parent)
    v = obj.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        _fail(f, f"expected a list of non-empty strings, got {v!r}")
    return tuple(x.strip() for x in v)


def _constraint(raw, f: str) -> Constraint:
    c = _obj(raw, f, _CONSTRAINT)
    text = _str(c, "metric", f)
    try:
        metric = parse_metric(text)
    except ValueError as exc:
        raise ProtocolError(f"{f}.metric", str(exc)) from None
    comparator = _choice(c, "comparator", f, COMPARATORS)
    limit = _num(c, "limit", f)
    if metric.is_dose:
        unit = _choice(c, "unit", f, ("Gy", "%Rx"), required=False, default="Gy")
    else:
        unit = _choice(c, "unit", f, (metric.volume_unit,), required=False, default=metric.volume_unit)
        if unit == "%" and limit > 100:
            _fail(f"{f}.limit", f"a volume in % must be within 0..100, got {limit:g}")
    needs_basis = (metric.is_dose and unit == "Gy") or metric.kind == "VGy"
    basis = _choice(c, "dose_basis", f, DOSE_BASES, required=needs_basis, default="physical")
    basis_fractions = c.get("basis_fractions")
    if basis_fractions is not None:
        if isinstance(basis_fractions, bool) or not isinstance(basis_fractions, int) or basis_fractions <= 0:
            _fail(f"{f}.basis_fractions", f"expected a positive whole number, got {basis_fractions!r}")
        if basis != "physical":
            _fail(f"{f}.basis_fractions", "only meaningful with dose_basis 'physical'")
    marginal = _num(c, "marginal_limit", f, required=False)
    if marginal is not None and (marginal < limit if comparator == "<=" else marginal > limit):
        side = "at or above" if comparator == "<=" else "at or below"
        _fail(f"{f}.marginal_limit", f"must lie {side} the limit {limit:g} for comparator {comparator}")
    allowed = _bool(c, "variation_allowed", f)
    if allowed and marginal is None:
        _fail(f"{f}.variation_allowed", "needs a marginal_limit (the variation band it allows)")
    return Constraint(metric=metric, comparator=comparator, limit=limit, unit=unit,
                      level=_choice(c, "level", f, LEVELS), source=_str(c, "source", f),
                      dose_basis=basis, marginal_limit=marginal, note=_str(c, "note", f, required=False),
                      basis_fractions=basis_fractions, variation_allowed=allowed)


def _bool(obj: dict, key: str, parent: str, default: bool | None = False) -> bool | None:
    value = obj.get(key, default)
    if value is not default and not isinstance(value, bool):
        _fail(_key(obj, key, parent), f"expected true or false, got {value!r}")
    return value


def _structure(raw, f: str) -> StructureSpec:
    s = _obj(raw, f, _STRUCT)
    name = _str(s, "name", f)
    derived = None
    if "derived" in s:
        d = _obj(s["derived"], f"{f}.derived", {"operation", "operands"})
        op = _choice(d, "operation", f"{f}.derived", DERIVED_OPERATIONS)
        operands = _str_list(d, "operands", f"{f}.derived")
        if len(operands) < 2:
            _fail(f"{f}.derived.operands", "needs at least two structure names")
        derived = DerivedSpec(op, operands)
    raw_constraints = s.get("constraints", [])
    if not isinstance(raw_constraints, list):
        _fail(f"{f}.constraints", "expected a list")
    target = _bool(s, "target", f)
    aliases = _str_list(s, "aliases", f)
    spec = StructureSpec(
        name=name, aliases=(name, *[a for a in aliases if a != name]),
        alpha_beta_gy=_num(s, "alpha_beta_gy", f, required=False, positive=True),
        constraints=tuple(_constraint(c, f"{f}.constraints[{i}]") for i, c in enumerate(raw_constraints)),
        derived=derived, is_target=target, serial=_bool(s, "serial", f, default=None),
        all_matches=_bool(s, "all_matches", f),
        alpha_beta_source=_str(s, "alpha_beta_source", f, required=False))
    if spec.alpha_beta_source and spec.alpha_beta_gy is None:
        _fail(f"{f}.alpha_beta_source", "given without alpha_beta_gy")
    if spec.is_serial:
        for i, c in enumerate(spec.constraints):
            if c.marginal_limit is not None or c.variation_allowed:
                _fail(f"{f}.constraints[{i}].marginal_limit",
                      f"{name} is a serial organ: its limits get no marginal (variation) band")
    if spec.all_matches and derived is not None:
        _fail(f"{f}.all_matches", "a derived structure cannot also be the union of its matches")
    return spec


def _cross_check(structures: list[StructureSpec]) -> None:
    names = [s.name.casefold() for s in structures]
    for i, s in enumerate(structures):
        if names.index(s.name.casefold()) != i:
            _fail(f"structures[{i}].name", f"duplicate structure name {s.name!r}")
        if s.derived is None:
            continue
        for j, operand in enumerate(s.derived.operands):
            f = f"structures[{i}].derived.operands[{j}]"
            if operand.casefold() not in names:
                _fail(f, f"{operand!r} is not a structure of this protocol")
            other = structures[names.index(operand.casefold())]
            if other.derived is not None:
                _fail(f, f"{operand!r} is itself derived; operands must be contoured structures")


def _site(raw) -> SiteSpec | None:
    if raw is None:
        return None
    site = _obj(raw, "site", _SITE)
    targets, organs = _str_list(site, "targets", "site"), _str_list(site, "organs", "site")
    if not targets and not organs:
        _fail("site", "needs at least one of targets, organs (the names that show a plan is of this site)")
    return SiteSpec(name=_str(site, "name", "site"), targets=targets, organs=organs)


def protocol_from_dict(data, source: str = "") -> Protocol:
    """Validate a parsed protocol document and build the model; ProtocolError names the field."""
    try:
        top = _obj(data, "", _TOP)
        if top.get("format") != FORMAT:
            _fail("format", f"expected {FORMAT!r}, got {top.get('format')!r}")
        if top.get("format_version") != FORMAT_VERSION:
            _fail("format_version", f"this program reads version {FORMAT_VERSION}, got {top.get('format_version')!r}")
        frac = _obj(top.get("fractionation"), "fractionation", {"prescription_gy", "fractions"})
        fractions = frac.get("fractions")
        if isinstance(fractions, bool) or not isinstance(fractions, int) or fractions <= 0:
            _fail("fractionation.fractions", f"expected a positive whole number, got {fractions!r}")
        raw_structures = top.get("structures")
        if not isinstance(raw_structures, list) or not raw_structures:
            _fail("structures", "expected a non-empty list of structures")
        structures = [_structure(s, f"structures[{i}]") for i, s in enumerate(raw_structures)]
        _cross_check(structures)
        return Protocol(
            name=_str(top, "name", ""), prescription_gy=_num(frac, "prescription_gy", "fractionation", positive=True),
            fractions=fractions, structures=tuple(structures),
            description=_str(top, "description", "", required=False),
            target_keywords=_str_list(top, "target_keywords", ""),
            marginal_band_pct=_num(top, "marginal_band_pct", "", required=False, default=0.0),
            path=source, references=_str_list(top, "references", ""), site=_site(top.get("site")))
    except ProtocolError as exc:
        if source and not exc.source:
            raise ProtocolError(exc.field, exc.detail, source) from None
        raise


def load_protocol(path) -> Protocol:
    """Read and validate one protocol file (JSON)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError("", f"cannot read the protocol file: {exc.strerror or exc}", str(p)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError("", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", str(p)) from None
    return protocol_from_dict(data, source=str(p))
