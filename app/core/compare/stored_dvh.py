"""The planning system's own DVHs (RT Dose DVH Sequence) beside ours: volume, mean, D95, D2.

The stored curve is cumulative (rtreview.core.dicom.dvh_sequence), volumes in cc or, for
DVHVolumeUnits PERCENT, in percent of a volume the file does not give (then the volume is not
compared and the curve is drawn scaled to our volume, said in the notes). From the stored curve:
volume = its value at 0 Gy; mean = (integral of V(D) dD) / V(0) (exact for a cumulative
histogram: every bin counted at its own dose, linear between points); D95 / D2 = the dose
where the curve falls to 95 % / 2 % of V(0), linear between points. Ours: the engine's
structure volume, mean, and D95/D2 from its samples (rtreview.core.dvh.Dvh).

Tolerance (flag, not a verdict): a dose difference is flagged beyond the larger of
``DOSE_TOLERANCE_PERCENT`` of the planning system's value and ``DOSE_TOLERANCE_GY``; a volume
difference beyond ``VOLUME_TOLERANCE_PERCENT`` of its volume. 3 % is the dose-calculation
tolerance order of IAEA TRS-430 (2004) and AAPM TG-53 (Fraass et al., Med Phys 25:1773, 1998);
the 0.5 Gy floor keeps low-dose organs from being flagged for differences no clinician acts on.
These are the example values of the issue that asked for this comparison; change them here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rtreview.core.dvh import quantiles

DOSE_TOLERANCE_PERCENT = 3.0
DOSE_TOLERANCE_GY = 0.5
VOLUME_TOLERANCE_PERCENT = 3.0
METRICS = ("volume_cc", "mean_gy", "d95_gy", "d2_gy")
TOLERANCE_TEXT = (f"flagged beyond max({DOSE_TOLERANCE_PERCENT:g} % of the planning system's value, "
                  f"{DOSE_TOLERANCE_GY:g} Gy) for doses, {VOLUME_TOLERANCE_PERCENT:g} % for volumes")


@dataclass
class StoredCurve:
    dose_gy: np.ndarray
    volume: np.ndarray  # cc, or percent when ``percent``
    percent: bool

    def metrics(self) -> dict[str, float | None]:
        v0 = float(self.volume[0]) if self.volume.size else 0.0
        if not v0 > 0:
            return {m: None for m in METRICS}
        # mean dose of a cumulative DVH: integral of V(D) dD over V(0) (trapezoids between points)
        mean = float(np.sum(0.5 * (self.volume[1:] + self.volume[:-1]) * np.diff(self.dose_gy))) / v0
        return {"volume_cc": None if self.percent else v0, "mean_gy": mean,
                "d95_gy": quantiles.dose_at_volume_curve(self.dose_gy, self.volume, 0.95 * v0),
                "d2_gy": quantiles.dose_at_volume_curve(self.dose_gy, self.volume, 0.02 * v0)}


@dataclass
class StoredRow:
    """One structure: ours, the planning system's, ours - theirs, flagged metric names."""

    roi_number: int
    name: str
    ours: dict[str, float | None]
    stored: dict[str, float | None]
    difference: dict[str, float | None] = field(default_factory=dict)
    flagged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    curve: StoredCurve | None = None

    def to_json(self, digits: int = 4) -> dict:
        def r(v):
            return None if v is None or not np.isfinite(v) else round(float(v), digits)
        out = {k: r(v) for k, v in self.stored.items()}
        out["volume_units"] = "PERCENT" if self.curve is not None and self.curve.percent else "CM3"
        out["difference"] = {k: r(v) for k, v in self.difference.items()}  # ours - planning system
        out["flagged"] = list(self.flagged)
        out["tolerance"] = TOLERANCE_TEXT
        out["notes"] = list(self.notes)
        if self.curve is not None:
            out["cumulative"] = {"dose_gy": [r(v) for v in self.curve.dose_gy],
                                 "volume": [r(v) for v in self.curve.volume]}
        return out


def stored_curve(dose, roi_number: int) -> StoredCurve | None:
    """The planning system's cumulative DVH of ``roi_number`` in ``dose`` (a DoseGrid), or None."""
    if roi_number not in dose.stored_dvhs:
        return None
    d, v = dose.stored_dvhs[roi_number]
    unit = dose.stored_dvh_volume_units.get(roi_number, "CM3")
    return StoredCurve(np.asarray(d, float), np.asarray(v, float), unit == "PERCENT")


def compare_stored(dvh, dose) -> StoredRow | None:
    """Our Dvh of one ROI against the stored one in ``dose``; None when the file has none for it."""
    curve = stored_curve(dose, dvh.roi_number)
    if curve is None:
        return None
    theirs = curve.metrics()
    ours = {"volume_cc": dvh.volume_cc, "mean_gy": dvh.mean_gy, "d95_gy": dvh.d_pct(95.0), "d2_gy": dvh.d_pct(2.0)}
    row = StoredRow(dvh.roi_number, dvh.name, ours, theirs, curve=curve)
    if curve.percent:
        row.notes.append("the planning system's DVH is in percent of its own volume: volumes not compared")
    if dvh.uncovered_volume_cc > 1e-6:
        row.notes.append(f"{dvh.uncovered_volume_cc:.2f} cc of the structure lie outside the dose grid")
    for key in METRICS:
        a, b = ours[key], theirs[key]
        if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)):
            row.difference[key] = None
            continue
        diff = float(a) - float(b)
        row.difference[key] = diff
        if key == "volume_cc":
            limit = VOLUME_TOLERANCE_PERCENT / 100.0 * abs(b)
        else:
            limit = max(DOSE_TOLERANCE_PERCENT / 100.0 * abs(b), DOSE_TOLERANCE_GY)
        if abs(diff) > limit + 1e-12:
            row.flagged.append(key)
    return row


def compare_all(dvhs, dose) -> list[StoredRow]:
    """Rows for every computed DVH that has a stored counterpart, in ROI order."""
    rows = [compare_stored(d, dose) for d in dvhs.values()]
    return sorted((r for r in rows if r is not None), key=lambda r: r.roi_number)
