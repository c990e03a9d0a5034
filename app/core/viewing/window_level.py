"""CT window/level presets and the right-drag adjustment rule (HU; no Qt)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowLevel:
    """A display window: ``width_hu`` wide, centred on ``level_hu``."""

    width_hu: float
    level_hu: float

    @property
    def range_hu(self) -> tuple[float, float]:
        """(lowest, highest) HU shown, black to white."""
        return self.level_hu - self.width_hu / 2, self.level_hu + self.width_hu / 2

    def dragged(self, dx_px: float, dy_px: float, hu_per_px: float = 2.0) -> "WindowLevel":
        """After a right-drag of (dx, dy) screen pixels: right widens, down raises the level
        (the usual planning-system convention). The width never drops below 1 HU."""
        return WindowLevel(max(1.0, self.width_hu + dx_px * hu_per_px), self.level_hu + dy_px * hu_per_px)

    def __str__(self) -> str:
        return f"W {self.width_hu:.0f} / L {self.level_hu:.0f}"


PRESETS: dict[str, WindowLevel] = {
    "Abdomen": WindowLevel(400, 40),
    "Liver": WindowLevel(150, 60),
    "Bone": WindowLevel(1800, 400),
    "Lung": WindowLevel(1500, -600),
}
DEFAULT_PRESET = "Abdomen"
