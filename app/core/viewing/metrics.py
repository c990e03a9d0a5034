"""Rows of the DVH metrics table, their text, and the CSV export's text (no Qt; written with
``rtreview.core.atomic.write_atomic``).

Doses in Gy; volumes in cc; Vx in % of the covered volume (as the engine's Dvh; the part of
the structure inside the dose grid) and in cc in the CSV.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

# Covered volume below this fraction of the structure volume is flagged as partial coverage.
PARTIAL_COVERAGE_FRACTION = 0.999

DOSE_METRICS: tuple[tuple[str, str, float], ...] = (
    ("D98%", "pct", 98.0), ("D95%", "pct", 95.0), ("D50%", "pct", 50.0), ("D2%", "pct", 2.0),
    ("D2cc", "cc", 2.0), ("D0.03cc", "cc", 0.03),
)


@dataclass
class MetricRow:
    roi_number: int
    name: str
    type: str
    volume_cc: float
    covered_volume_cc: float
    min_gy: float
    mean_gy: float
    max_gy: float
    doses_gy: dict[str, float] = field(default_factory=dict)  # 'D95%' -> Gy
    v_pct: dict[float, float] = field(default_factory=dict)  # dose level Gy -> % volume
    v_cc: dict[float, float] = field(default_factory=dict)  # dose level Gy -> cc

    @property
    def partial_coverage(self) -> bool:
        return self.covered_volume_cc < self.volume_cc * PARTIAL_COVERAGE_FRACTION

    @property
    def coverage_pct(self) -> float:
        return 100.0 * self.covered_volume_cc / self.volume_cc if self.volume_cc else 0.0


def _safe(fn, *args) -> float:
    try:
        value = float(fn(*args))
    except (ValueError, ZeroDivisionError, IndexError):
        return math.nan
    return value


def metric_row(dvh, v_levels_gy: list[float]) -> MetricRow:
    """One structure's metrics from an engine ``Dvh``."""
    row = MetricRow(dvh.roi_number, dvh.name, dvh.type, float(dvh.volume_cc),
                    float(dvh.covered_volume_cc), float(dvh.min_gy), float(dvh.mean_gy), float(dvh.max_gy))
    if row.covered_volume_cc <= 0:  # the dose grid misses the structure: no dose statistics at all
        row.min_gy = row.mean_gy = row.max_gy = math.nan
        row.doses_gy = {label: math.nan for label, _, _ in DOSE_METRICS}
        row.v_cc = {level: math.nan for level in v_levels_gy}
        row.v_pct = dict(row.v_cc)
        return row
    for label, kind, x in DOSE_METRICS:
        row.doses_gy[label] = _safe(dvh.d_pct if kind == "pct" else dvh.d_cc, x)
    for level in v_levels_gy:
        cc = _safe(dvh.v_gy, level)
        row.v_cc[level] = cc
        covered = row.covered_volume_cc  # % of the covered volume, as the engine's Dvh
        row.v_pct[level] = 100.0 * cc / covered if covered > 0 else math.nan
    return row


def parse_dose_levels(text: str) -> list[float]:
    """'20, 30 45.5' -> [20.0, 30.0, 45.5] (Gy, unique, ascending); ValueError naming the bad item."""
    levels: set[float] = set()
    for item in text.replace(";", ",").replace(" ", ",").split(","):
        item = item.strip().lower().removesuffix("gy").strip()
        if not item:
            continue
        try:
            value = float(item)
        except ValueError:
            raise ValueError(f"{item!r} is not a dose in Gy") from None
        if not value > 0:
            raise ValueError(f"{value:g} Gy: dose levels must be positive")
        levels.add(value)
    return sorted(levels)


def fmt(value: float, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def headers(v_levels_gy: list[float], units: bool = True) -> list[str]:
    """Column titles; ``units=False`` gives the compact on-screen form (units said once above)."""
    if not units:
        return (["Structure", "Vol", "Covered", "Min", "Mean", "Max"] + [label for label, _, _ in DOSE_METRICS]
                + [f"V{level:g}Gy" for level in v_levels_gy])
    return (["Structure", "Volume (cc)", "Covered (cc)", "Min (Gy)", "Mean (Gy)", "Max (Gy)"]
            + [f"{label} (Gy)" for label, _, _ in DOSE_METRICS]
            + [f"V{level:g}Gy (%)" for level in v_levels_gy])


def cells(row: MetricRow, v_levels_gy: list[float]) -> list[str]:
    """The table's text for one row (same order as ``headers``)."""
    covered = fmt(row.covered_volume_cc, 1) + (" ⚠" if row.partial_coverage else "")
    return ([row.name, fmt(row.volume_cc, 1), covered, fmt(row.min_gy), fmt(row.mean_gy),
             fmt(row.max_gy)]
            + [fmt(row.doses_gy.get(label, math.nan)) for label, _, _ in DOSE_METRICS]
            + [fmt(row.v_pct.get(level, math.nan), 1) for level in v_levels_gy])


def to_tsv(rows: list[MetricRow], v_levels_gy: list[float]) -> str:
    """Tab-separated text with a header line, for the clipboard (pastes into a spreadsheet)."""
    lines = ["\t".join(headers(v_levels_gy))]
    lines += ["\t".join(cells(r, v_levels_gy)).replace(" ⚠", " (partial)") for r in rows]
    return "\n".join(lines) + "\n"


def csv_text(rows: list[MetricRow], v_levels_gy: list[float], plan_label: str = "") -> str:
    """CSV with full precision and both % and cc for each Vx; partial coverage as a column."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["plan", "structure", "roi_number", "type", "volume_cc", "covered_volume_cc",
                "partial_coverage", "min_gy", "mean_gy", "max_gy"]
               + [label.replace("%", "pct") + "_gy" for label, _, _ in DOSE_METRICS]
               + [f"v{level:g}gy_pct" for level in v_levels_gy] + [f"v{level:g}gy_cc" for level in v_levels_gy])
    for r in rows:
        w.writerow([plan_label, r.name, r.roi_number, r.type, f"{r.volume_cc:.4f}", f"{r.covered_volume_cc:.4f}",
                    "yes" if r.partial_coverage else "no", f"{r.min_gy:.4f}", f"{r.mean_gy:.4f}", f"{r.max_gy:.4f}"]
                   + [f"{r.doses_gy.get(label, math.nan):.4f}" for label, _, _ in DOSE_METRICS]
                   + [f"{r.v_pct.get(v, math.nan):.4f}" for v in v_levels_gy]
                   + [f"{r.v_cc.get(v, math.nan):.4f}" for v in v_levels_gy])
    return out.getvalue()

