"""Settings of the DVH computation (sampling resolution, end caps, histogram bins)."""
from __future__ import annotations

from dataclasses import dataclass

END_CAPS_HALF = "half"  # outer planes extend half a contour spacing beyond (Nelms benchmark convention)
END_CAPS_NONE = "none"  # the stack ends at the outer contour planes


@dataclass(frozen=True)
class DvhOptions:
    """How a DVH is sampled and binned. Lengths in mm, doses in Gy.

    Sampling: the in-plane sample spacing along x (y) is the dose grid spacing divided by the
    smallest integer that makes it at most ``extent / samples_across`` (``extent`` = the
    structure's bounding-box size along that axis), never below ``min_spacing_mm``; along z each
    contour plane's slab is split into sub-slabs no thicker than ``z_extent / samples_across``
    (and the dose frame spacing) where the dose varies along z, one sub-slab where it does not.
    When a structure would need more than ``max_samples`` samples the spacing is coarsened
    (z up to the contour spacing, in-plane to a multiple of the dose grid spacing). Small
    structures thus get ~``samples_across`` samples across, large ones about the dose grid, a
    whole body a few mm; samples are stratified inside their cells and slabs either way.
    """

    end_caps: str = END_CAPS_HALF
    # Contour spacing used when a ROI has a single plane (None: the dose grid's frame spacing).
    slice_thickness_mm: float | None = None
    # A gap between neighbouring planes larger than this many contour spacings separates two
    # pieces of the ROI; each piece gets its own end caps.
    gap_factor: float = 1.5
    samples_across: int = 32
    min_spacing_mm: float = 0.05
    max_samples: int = 400_000
    # Upper bound on the size of one chunk of rasterized planes (cells), to bound memory.
    chunk_cells: int = 1_000_000
    # Histogram bin width (Gy); None chooses 0.01 Gy, finer when the maximum dose is small.
    bin_width_gy: float | None = None
    # Keep the dose samples in the Dvh for exact quantiles (Dx%, Dxcc, Vx); False keeps only curves.
    keep_samples: bool = True
    # Evaluate the dose at contour vertices on the slab faces for Dmin / Dmax.
    vertex_extremes: bool = True

    def __post_init__(self) -> None:
        if self.end_caps not in (END_CAPS_HALF, END_CAPS_NONE):
            raise ValueError(f"end_caps must be {END_CAPS_HALF!r} or {END_CAPS_NONE!r}, not {self.end_caps!r}")
        if self.bin_width_gy is not None and not self.bin_width_gy > 0:
            raise ValueError(f"bin_width_gy must be positive, not {self.bin_width_gy}")
        if self.samples_across < 4:
            raise ValueError("samples_across must be at least 4")
