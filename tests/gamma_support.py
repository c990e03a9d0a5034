"""The synthetic dose pair of the gamma reference comparison (tests and bench/gamma_reference.py)."""
from __future__ import annotations

import numpy as np


def gamma_pair():
    """The synthetic pair the pymedphys reference was computed on (bench/gamma_reference.py):
    a 3-D dose with a high-dose box and Gaussian penumbra-like fall-off, and the same dose moved
    2.4 mm in x, -1.6 mm in z and scaled by 2.5 %. Grid 2.5 mm x 2.5 mm x 3 mm."""
    x = -60.0 + 2.5 * np.arange(49)
    y = -50.0 + 2.5 * np.arange(41)
    z = -45.0 + 3.0 * np.arange(31)

    def dose(shift_x, shift_z, scale):
        zz, yy, xx = np.meshgrid(z - shift_z, y, x - shift_x, indexing="ij")
        core = 1.0 / (1.0 + np.exp((np.abs(xx) - 30.0) / 3.0)) / (1.0 + np.exp((np.abs(yy) - 25.0) / 3.5))
        core = core / (1.0 + np.exp((np.abs(zz) - 28.0) / 4.0))
        hot = 6.0 * np.exp(-((xx - 10.0) ** 2 + (yy + 5.0) ** 2 + zz ** 2) / (2 * 12.0 ** 2))
        return scale * (60.0 * core + hot + 2.0 * np.exp(-(xx ** 2 + yy ** 2) / (2 * 60.0 ** 2)))

    return (x, y, z), dose(0.0, 0.0, 1.0), dose(2.4, -1.6, 1.025)
