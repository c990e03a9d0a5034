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


# Window width / level in HU, as radiology texts give them (Radiopaedia, "Windowing (CT)":
# soft tissue of the head and neck W 350-400 / L 20-60, mediastinum W 350 / L 50, abdominal soft
# tissue W 400 / L 50, liver W 150 / L 30, lungs W 1500 / L -600, bone W 1800 / L 400). Our
# abdomen and liver levels sit 10 HU off theirs (40 and 60: contrast-free planning CT).
PRESETS: dict[str, WindowLevel] = {
    "Abdomen": WindowLevel(400, 40),
    "Liver": WindowLevel(150, 60),
    "Head & neck": WindowLevel(350, 40),
    "Mediastinum": WindowLevel(350, 50),
    "Lung": WindowLevel(1500, -600),
    "Bone": WindowLevel(1800, 400),
}
DEFAULT_PRESET = "Abdomen"

# The preset a body site opens with (the window remembers the user's own choice per site).
SITE_PRESETS: dict[str, str] = {
    "head and neck": "Head & neck",
    "thorax": "Mediastinum",
    "abdomen": "Abdomen",
    "pelvis": "Abdomen",
}
