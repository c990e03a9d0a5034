"""SliceStore: slices arrive in any order, the volume comes out in the asked order, in place."""
import random

import numpy as np
import pytest

from rtreview.core.dicom.ct_store import SliceStore


@pytest.mark.parametrize("seed", range(6))
def test_any_order_and_subset(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    slices = [np.full((3, 4), k, dtype=np.int16) for k in range(n)]
    store = SliceStore(n)
    slots = [store.add(s) for s in slices]
    wanted = rng.sample(slots, rng.randint(1, n))
    out = store.volume(wanted)
    assert out.dtype == np.int16 and out.shape == (len(wanted), 3, 4)
    assert [int(v) for v in out[:, 0, 0]] == wanted


def test_float_slice_promotes_and_odd_shapes_are_kept_apart():
    store = SliceStore(3)
    a = store.add(np.zeros((2, 2), np.int16))
    b = store.add(np.full((2, 2), 0.5, np.float32))
    c = store.add(np.ones((3, 3), np.int16))
    assert c < 0
    out = store.volume([b, a])
    assert out.dtype == np.float32 and out[0, 0, 0] == 0.5 and out[1, 0, 0] == 0
    store = SliceStore(2)
    odd = [store.add(np.ones((3, 3), np.int16)), store.add(np.zeros((2, 2), np.int16))]
    assert store.volume([odd[1]]).shape == (1, 2, 2)
