"""α/β resolution, the one place every view asks: user override → protocol → default table → 10/3 Gy.

For a structure the order is:

1. the user's value for it (set in the window's structure list, saved in the case file; keyed
   by ROI name, compared case- and separator-insensitively). A derived protocol structure
   (Liver-GTV, Kidneys) that the user cannot edit directly follows its first operand's value;
2. the protocol structure's ``alpha_beta_gy`` when the protocol states one;
3. the default table (``resources/radiobiology/alpha_beta.json``, TG-263 names with aliases,
   a source per row), looked up by the protocol structure's name, then by the ROI's name;
4. 10 Gy for targets, 3 Gy for organs (``rtreview.core.dvh.alpha_beta``).

The structure list, the EQD2 DVH, the constraint tables, the composite, the report and
``rtreview batch`` all take their α/β from here, so one structure has one α/β everywhere.
Targets stay overridable (a protocol or the user may give an HCC target 15 Gy).
"""
from __future__ import annotations

from collections.abc import Mapping

from rtreview.core.dvh.alpha_beta import (DEFAULT, PROTOCOL, USER, AlphaBeta, default_alpha_beta, fold, is_serial,
                                          looks_like_target)


def _override(overrides: Mapping[str, float] | None, *names: str | None) -> float | None:
    if not overrides:
        return None
    folded = {fold(k): float(v) for k, v in overrides.items() if v is not None and float(v) > 0}
    for name in names:
        if name and fold(name) in folded:
            return folded[fold(name)]
    return None


def structure_alpha_beta(spec, roi_name: str | None = None, overrides: Mapping[str, float] | None = None,
                         operand_rois: tuple[str | None, ...] = ()) -> AlphaBeta:
    """The α/β of protocol structure ``spec`` (a StructureSpec) matched to ROI ``roi_name``.

    ``overrides`` maps ROI names to user values; ``operand_rois`` are a derived structure's
    operands' ROI names (the first one's override applies to it)."""
    value = _override(overrides, roi_name)
    if value is None and spec.derived is not None and operand_rois:
        value = _override(overrides, operand_rois[0])
    serial = bool(getattr(spec, "serial", None)) or is_serial(spec.name) or bool(roi_name and is_serial(roi_name))
    if value is not None:
        return AlphaBeta(value, USER, "set by the user for this structure", serial=serial)
    if spec.alpha_beta_gy is not None:
        return AlphaBeta(float(spec.alpha_beta_gy), PROTOCOL,
                         spec.alpha_beta_source or "the protocol's value for this structure", serial=serial)
    found = default_alpha_beta(spec.name, is_target=spec.is_target or None)
    if found.origin == DEFAULT and roi_name and not spec.is_target:
        found = default_alpha_beta(roi_name, is_target=False)
    return AlphaBeta(found.value_gy, found.origin, found.source, found.table_name, serial or found.serial)


def roi_alpha_beta(roi, spec=None, overrides: Mapping[str, float] | None = None) -> AlphaBeta:
    """The α/β of ROI ``roi`` (name, type), given the protocol structure ``spec`` it matches (or None)."""
    if spec is not None:
        return structure_alpha_beta(spec, roi.name, overrides)
    value = _override(overrides, roi.name)
    serial = is_serial(roi.name)
    if value is not None:
        return AlphaBeta(value, USER, "set by the user for this structure", serial=serial)
    return default_alpha_beta(roi.name, roi_type=getattr(roi, "type", ""))


def roi_alpha_betas(rois, protocol=None, match=None, overrides: Mapping[str, float] | None = None) -> dict:
    """``{roi_number: AlphaBeta}`` for a structure set's ROIs: the protocol's structure where one
    matches the ROI (``match``: a StructureMatch of ``protocol`` on these ROIs), else table/default."""
    spec_by_roi = {}
    if protocol is not None and match is not None:
        for s in protocol.structures:
            roi_name = match.roi_for(s.name)
            if roi_name is not None:
                spec_by_roi.setdefault(roi_name, s)
    return {roi.number: roi_alpha_beta(roi, spec_by_roi.get(roi.name), overrides) for roi in rois}


def protocol_alpha_betas(protocol, match=None, overrides: Mapping[str, float] | None = None) -> dict[str, AlphaBeta]:
    """``{protocol structure name: AlphaBeta}`` for every structure of ``protocol``."""
    out = {}
    for s in protocol.structures:
        roi = match.roi_for(s.name) if match is not None else None
        operands = tuple(match.roi_for(o) if match is not None else None for o in s.derived.operands) \
            if s.derived is not None else ()
        out[s.name] = structure_alpha_beta(s, roi, overrides, operands)
    return out


__all__ = ["AlphaBeta", "looks_like_target", "protocol_alpha_betas", "roi_alpha_beta", "roi_alpha_betas",
           "structure_alpha_beta"]
