"""``round_list(values, digits)``: ``[round(float(v), digits) for v in values]``, vectorized,
with the very same floats.

Python's ``round(x, n)`` rounds the exact binary value of ``x`` to ``n`` decimals (half to
even) and returns the double nearest that decimal. numpy's ``np.round`` computes
``rint(x * 10**n) / 10**n``: the division is exact-then-rounded like Python's (for
``|k| < 2**53`` both give the double nearest ``k / 10**n``), but the product ``x * 10**n`` is
rounded first, which can move a value lying within rounding error of a half-way point to the
other side. Those values (and non-finite or huge ones) are rounded by Python itself; all others
take the numpy result, which is then provably identical.
"""
from __future__ import annotations

import numpy as np

# |x * 10**n| below this: the product's rounding error (half an ulp) is far below 1.
_EXACT_LIMIT = 2.0 ** 50
# A scaled value whose fractional part is within this many ulps of 0.5 is decided by Python.
_MARGIN_ULPS = 4.0


def round_list(values, digits: int) -> list[float]:
    """``[round(float(v), digits) for v in values]`` (a list of Python floats)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < 32 or not 0 <= digits <= 15:  # small arrays: numpy's overhead is not worth it
        return [round(float(v), digits) for v in x]
    scale = 10.0 ** digits  # exact for digits <= 22
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = x * scale
        nearest = np.rint(scaled)
        out = nearest / scale
        distance = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5)
        unsure = ~(np.abs(scaled) < _EXACT_LIMIT) | (distance <= _MARGIN_ULPS * np.spacing(np.abs(scaled)))
    result = out.tolist()
    for i in np.flatnonzero(unsure).tolist():
        result[i] = round(float(x[i]), digits)
    return result
