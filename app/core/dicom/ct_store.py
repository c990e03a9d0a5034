"""Decoded CT slices kept in one preallocated volume, so a series costs about one volume of memory.

Slices arrive in file order; each is copied into the next free row of a ``(capacity, rows,
cols)`` buffer as soon as it is decoded (its own pixel array is then released). ``volume()``
puts the kept rows in z order in place (a permutation by swaps, one slice of scratch), so the
peak is the volume plus one slice instead of all slices plus a stacked copy.
"""
from __future__ import annotations

import numpy as np


class SliceStore:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self.buffer: np.ndarray | None = None
        self.count = 0
        self.extra: dict[int, np.ndarray] = {}  # slices whose size differs from the first one (rare)

    def add(self, hu: np.ndarray) -> int:
        """Store one slice (already flipped to increasing axes); returns its slot."""
        if self.buffer is None:
            self.buffer = np.empty((self.capacity, *hu.shape), dtype=hu.dtype)
        if hu.shape != self.buffer.shape[1:]:
            slot = -(len(self.extra) + 1)
            self.extra[slot] = hu
            return slot
        if hu.dtype != self.buffer.dtype and self.buffer.dtype != np.float32:
            self.buffer = self.buffer.astype(np.float32)  # a rescaled (float) slice among int16 ones
        self.buffer[self.count] = hu
        self.count += 1
        return self.count - 1

    def volume(self, slots: list[int]) -> np.ndarray:
        """The slices of ``slots`` stacked in that order (the store is consumed)."""
        if any(s < 0 for s in slots) or self.buffer is None:
            out = np.stack([self.extra[s] if s < 0 else self.buffer[s] for s in slots])
            self.buffer, self.extra = None, {}
            return out
        chosen = set(slots)
        order = list(slots) + [s for s in range(self.count) if s not in chosen]
        rows = self.buffer[:self.count]
        scratch = np.empty_like(rows[0]) if rows.shape[0] else None
        for k in range(len(order)):  # apply new[k] = old[order[k]] in place
            j = order[k]
            while j < k:
                j = order[j]
            if j != k:
                scratch[...] = rows[k]
                rows[k] = rows[j]
                rows[j] = scratch
        out = rows[:len(slots)]
        if len(slots) < 0.9 * self.capacity:
            out = out.copy()  # do not keep a mostly unused buffer alive
        self.buffer, self.extra = None, {}
        return out
