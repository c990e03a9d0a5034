"""DVH metrics named as clinicians write them, and their values read from a DVH.

Names (case of the leading letter and the units matters, spaces are ignored):

- ``Dmean``, ``Dmax``, ``Dmin``: mean / maximum / minimum dose (Gy).
- ``D95%``, ``D0.03cc``, ``D2cc``: the minimum dose received by the hottest 95 % / 0.03 cc /
  2 cc of the structure (Gy). ``D0.03cc`` is the clinical "max" (a point max is noise).
- ``V20Gy``: volume receiving at least 20 Gy, in % of the structure; ``V20Gy_cc`` in cc.
- ``V95%Rx``: volume receiving at least 95 % of the prescription, in %; ``V95%Rx_cc`` in cc.
- ``CV15Gy_cc``: the spared (critical) volume, TG-263's complement volume: cc of the structure
  receiving LESS than 15 Gy (``CV15Gy``: in %). "At least 700 cc of normal liver below 15 Gy" is
  ``CV15Gy_cc >= 700``. Only the part inside the dose grid counts (never spared by assumption).
- ``DC700cc``: TG-263's dose complement: the maximum dose received by the coldest 700 cc (Gy);
  the same limit read as a dose: ``DC700cc <= 15``.

A DVH is read only through its public API: ``volume_cc``, ``covered_volume_cc``, ``mean_gy``,
``max_gy``, ``min_gy``, ``d_pct(x)``, ``d_cc(x)`` and ``v_gy(d, relative)`` (relative volumes are
% of the covered volume, as the DVH engine defines them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DOSE_STATS = ("Dmean", "Dmax", "Dmin")
_NUM = r"(\d+(?:\.\d+)?)"
_PATTERNS = (
    ("D%", re.compile(rf"^D{_NUM}%$")),
    ("Dcc", re.compile(rf"^D{_NUM}cc$")),
    ("VGy", re.compile(rf"^V{_NUM}Gy(_cc|_%)?$")),
    ("V%Rx", re.compile(rf"^V{_NUM}%Rx(_cc|_%)?$")),
    ("CVGy", re.compile(rf"^CV{_NUM}Gy(_cc|_%)?$")),
    ("DCcc", re.compile(rf"^DC{_NUM}cc$")),
)


@dataclass(frozen=True)
class Metric:
    """A parsed metric. ``kind`` is one of Dmean, Dmax, Dmin, D%, Dcc, VGy, V%Rx, CVGy, DCcc.

    ``parameter`` is x in Dx% (percent) / Dxcc (cc), the dose level in VxGy (Gy), or the
    percentage of the prescription in Vx%Rx; None for Dmean/Dmax/Dmin. ``volume_unit`` is
    '%' or 'cc' for volume metrics and '' for dose metrics.
    """

    kind: str
    parameter: float | None = None
    volume_unit: str = ""

    @property
    def is_dose(self) -> bool:
        """True when the metric's value is a dose (Gy), False when it is a volume."""
        return self.kind.startswith("D")

    @property
    def name(self) -> str:
        """The canonical name, e.g. ``D95%``, ``V20Gy_cc``."""
        p = "" if self.parameter is None else f"{self.parameter:g}"
        if self.kind in DOSE_STATS:
            return self.kind
        if self.kind == "D%":
            return f"D{p}%"
        if self.kind == "Dcc":
            return f"D{p}cc"
        if self.kind == "DCcc":
            return f"DC{p}cc"
        suffix = "_cc" if self.volume_unit == "cc" else ""
        if self.kind == "CVGy":
            return f"CV{p}Gy{suffix}"
        return f"V{p}Gy{suffix}" if self.kind == "VGy" else f"V{p}%Rx{suffix}"


def parse_metric(text: str) -> Metric:
    """Parse a metric name; ValueError says what is accepted."""
    t = str(text).replace(" ", "")
    if t in DOSE_STATS:
        return Metric(t)
    for kind, pattern in _PATTERNS:
        m = pattern.match(t)
        if m:
            value = float(m.group(1))
            if kind.startswith("V") or kind == "CVGy":
                return Metric(kind, value, "cc" if m.group(2) == "_cc" else "%")
            if kind == "D%" and not 0.0 <= value <= 100.0:
                raise ValueError(f"{text!r}: the percentage must be within 0..100")
            return Metric(kind, value)
    raise ValueError(f"unknown metric {text!r}; expected Dmean, Dmax, Dmin, Dx% (D95%), Dxcc (D0.03cc), "
                     "VxGy (V20Gy, in %), VxGy_cc (V20Gy_cc), Vx%Rx (V95%Rx), Vx%Rx_cc, "
                     "CVxGy_cc (CV15Gy_cc: spared volume below x Gy) or DCxcc (DC700cc)")


def dose_value_gy(dvh, metric: Metric) -> float:
    """A dose metric's value (Gy) read from ``dvh``."""
    if metric.kind == "Dmean":
        return float(dvh.mean_gy)
    if metric.kind == "Dmax":
        return float(dvh.max_gy)
    if metric.kind == "Dmin":
        return float(dvh.min_gy)
    if metric.kind == "D%":
        return float(dvh.d_pct(metric.parameter))
    if metric.kind == "Dcc":
        return float(dvh.d_cc(metric.parameter))
    if metric.kind == "DCcc":
        return float(dvh.dc_cc(metric.parameter))
    raise ValueError(f"{metric.name} is a volume metric, not a dose metric")


def volume_value(dvh, metric: Metric, threshold_gy: float) -> float:
    """A volume metric's value at ``threshold_gy``: % of the (covered) structure volume, or cc;
    for CVxGy the volume below the threshold (the spared volume)."""
    if metric.kind == "CVGy":
        return float(dvh.cv_gy(threshold_gy, relative=metric.volume_unit == "%"))
    return float(dvh.v_gy(threshold_gy, relative=metric.volume_unit == "%"))
