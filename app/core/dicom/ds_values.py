"""Decimal String (DS) values parsed from their raw element bytes with numpy, exactly.

``parse_ds(raw)`` turns ``b"151.22\\0.00\\-177.00"`` into float64 values equal, bit for bit, to
``float(text)`` of each value, or returns None when the bytes are not all decimal numbers
(``[+-]digits[.digits][(e|E)[+-]digits]``: no spaces inside, no empty value, no 'nan' ...);
the caller then falls back to its text parsing, which handles what is odd.

How: one pass over the bytes finds the separators, dots, signs and exponent marks (everything
else must be a digit) and checks the grammar per value. Plain values (no exponent, at most 15
digits: the contour data of planning systems) take the fast path: signs and dots overwritten
with '0' in a copy, every value taken right-aligned as a row of 8 (or 16) bytes read as
little-endian uint64 words, the bytes before the value cleared, the 8 digits of each word
combined in three multiply-shift steps (the "SWAR" digit parsing of simdjson): the value's
digits as one integer ``m`` (exact: below 10**15 < 2**53); the dot's place is taken out of the
integer and the value is ``m / 10**d`` for ``d`` decimals. ``10**d`` and ``m`` are exact, so the
quotient is one correctly rounded IEEE division: the double nearest the decimal value, which is
what ``float()`` returns (Clinger's fast path). Values with an exponent or more digits (rare:
a few per file in the Pinnacle and dicompyler examples) are converted by ``float()`` one by one.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_MAX_DIGITS, _MAX_LENGTH = 15, 16  # DS values are at most 16 bytes
_POW10_F = np.array([10.0 ** k for k in range(_MAX_LENGTH)])  # exact doubles
_POW10_U = np.array([10 ** k for k in range(_MAX_LENGTH)], dtype=np.uint64)
_SEP, _DOT, _PLUS, _MINUS, _ZERO = 92, 46, 43, 45, 48
_E, _E_UPPER = 101, 69
_DIGIT, _IS_SEP, _IS_DOT, _IS_SIGN, _IS_EXP, _OTHER = 0, 1, 2, 3, 4, 5
_KIND = np.full(256, _OTHER, dtype=np.uint8)
_KIND[_ZERO:_ZERO + 10], _KIND[_SEP], _KIND[_DOT], _KIND[[_PLUS, _MINUS]] = _DIGIT, _IS_SEP, _IS_DOT, _IS_SIGN
_KIND[[_E, _E_UPPER]] = _IS_EXP
_ALL = (1 << 64) - 1
# _KEEP[k]: keeps the bytes k..7 of a little-endian uint64 word (clears the first k)
_KEEP = np.array([_ALL ^ ((1 << (8 * k)) - 1) for k in range(9)], dtype=np.uint64)


def parse_ds(raw: bytes | bytearray | memoryview) -> np.ndarray | None:
    """float64 values of a (multi-valued) DS element's bytes, leading and trailing spaces and
    NULs of the element ignored like the text path does; None when not decimal numbers."""
    data = bytes(raw).strip(b" \x00")
    if not data:
        return np.empty(0)
    b = np.frombuffer(data, dtype=np.uint8)
    special = np.flatnonzero((b - np.uint8(_ZERO)) > 9)  # not a digit (bytes below '0' wrap around)
    kinds = _KIND[b[special]]
    if np.any(kinds == _OTHER):
        return None
    is_sep = kinds == _IS_SEP
    seps = special[is_sep]
    count = seps.size + 1
    ends = np.empty(count, dtype=np.intp)
    ends[:-1], ends[-1] = seps, b.size
    starts = np.empty(count, dtype=np.intp)
    starts[0], starts[1:] = 0, seps + 1
    lengths = ends - starts
    if lengths.min() < 1:  # an empty value
        return None
    value_of = np.cumsum(is_sep)  # the value each special byte belongs to (separators: the next one)
    is_sign, is_dot, is_exp = kinds == _IS_SIGN, kinds == _IS_DOT, kinds == _IS_EXP
    signs, dots, exps = special[is_sign], special[is_dot], special[is_exp]
    dotted, exponented = value_of[is_dot], value_of[is_exp]
    if np.any(np.diff(dotted) == 0) or np.any(np.diff(exponented) == 0):  # two dots or exponents
        return None
    exp_at = ends.copy()  # where each value's exponent starts (its end when it has none)
    exp_at[exponented] = exps
    # a sign only first in a value or first in its exponent; a dot only before the exponent
    before_sign = b[np.maximum(signs - 1, 0)]
    if not np.all((signs == 0) | (before_sign == _SEP) | (before_sign == _E) | (before_sign == _E_UPPER)):
        return None
    if np.any(dots > exp_at[dotted]):
        return None
    has_dot, has_exp, mantissa_sign = np.zeros(count, bool), np.zeros(count, bool), np.zeros(count, bool)
    has_dot[dotted], has_exp[exponented] = True, True
    signed_values = value_of[is_sign]
    first_sign = signs == starts[signed_values]
    mantissa_sign[signed_values[first_sign]] = True
    exponent_sign = np.zeros(count, bool)
    exponent_sign[signed_values[~first_sign]] = True
    digits = exp_at - starts - mantissa_sign - has_dot
    exp_digits = np.where(has_exp, ends - exp_at - 1 - exponent_sign, 1)
    if digits.min() < 1 or exp_digits.min() < 1:  # '-', '.', '1e', '1e-' ...
        return None
    # the fast, exact path: no exponent, at most 15 digits in 16 bytes; the others: float() each
    slow = has_exp | (digits > _MAX_DIGITS) | (lengths > _MAX_LENGTH)
    decimals = np.zeros(count, dtype=np.intp)
    decimals[dotted] = exp_at[dotted] - 1 - dots
    decimals[slow] = 0
    lengths = np.minimum(lengths, _MAX_LENGTH)
    width = 8 if lengths.max() <= 8 else 16
    padded = np.empty(b.size + width, dtype=np.uint8)
    padded[:width], padded[width:] = _ZERO, b
    padded[width + special[~is_sep]] = _ZERO  # signs and dots read as 0 digits
    rows = sliding_window_view(padded, width)[ends]  # value i right-aligned: the bytes ending at its end
    words = rows.view("<u8") & np.uint64(0x0F0F0F0F0F0F0F0F)  # (count, width // 8), digits 0..9
    clear = width - lengths  # bytes of the row before the value (earlier values, separators)
    for j in range(width // 8):
        words[:, j] &= _KEEP[np.clip(clear - 8 * j, 0, 8)]
    words = ((words * np.uint64(2561)) >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)
    words = ((words * np.uint64(6553601)) >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)
    words = (words * np.uint64(42949672960001)) >> np.uint64(32)
    with_dot = words[:, 0] * np.uint64(100_000_000) + words[:, 1] if width == 16 else words[:, 0]
    after = with_dot % _POW10_U[decimals]  # the dot's place counted as a 0 digit: take it out
    mantissa = np.where(has_dot & ~slow, (with_dot - after) // np.uint64(10) + after, with_dot)
    value = mantissa.astype(np.float64) / _POW10_F[decimals]
    value = np.where(b[starts] == _MINUS, -value, value)
    if slow.any():
        texts = data.split(b"\\")
        for i in np.flatnonzero(slow).tolist():
            value[i] = float(texts[i])
    return value
