"""The axial view's isodose legend: rich text (one dashed chip and dose a level) and its tooltip."""
from __future__ import annotations

NEEDS_RX = ("<span style='color: rgb(240,160,60)'>needs Rx: % isodose lines are % of the prescription, "
            "which is unknown — set it in the plan tree, or give levels in Gy</span>")


def legend_text(levels: list, colours: dict, rx_gy: float | None) -> tuple[str, str]:
    """(rich text, tooltip) for ``levels`` (``core.viewing.isodose.IsodoseLevel``) drawn in
    ``colours`` (level -> RGB); % levels without a prescription are listed as "needs Rx"."""
    chips, tips = [], []
    for level in levels:
        gy = level.dose_gy(rx_gy)
        if gy is None:
            continue
        r, g, b = colours[level]
        text = f"{level.value:g}% = {gy:.4g} Gy" if level.unit == "%" else f"{level.value:g} Gy"
        chips.append(f"<span style='color: rgb({r},{g},{b})'>╌╌</span>&nbsp;{text}")
        tips.append(f"{level} = {gy:.4g} Gy" if level.unit == "%" else
                    f"{level}" + (f" = {100 * gy / rx_gy:.4g} % of Rx" if rx_gy else ""))
    needs = [lv for lv in levels if lv.dose_gy(rx_gy) is None]
    text = "<br>".join(chips)
    if chips and rx_gy and any(lv.unit == "%" for lv in levels):
        text = f"<b>Isodoses</b> (% of Rx {rx_gy:g} Gy)<br>" + text
    if needs:
        text += ("<br>" if text else "") + NEEDS_RX
    tip = "\n".join(tips) + ("\nDouble-click the plan's prescription row in the plan tree to set it" if needs else "")
    return text or "no isodose lines", tip
