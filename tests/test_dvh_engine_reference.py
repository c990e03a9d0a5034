"""The DVH engine on real exports equals, bit for bit, the stored result of the code that last
regenerated tests/data/dvh_engine_reference.json.xz (tests/dvh_engine_reference.py says what is
stored and how; a speed-up never regenerates it)."""
from __future__ import annotations

import pytest

from dvh_engine_reference import CASES, available, case_fingerprint, load_stored


@pytest.mark.parametrize("case", CASES)
def test_engine_equals_the_stored_result_bit_for_bit(case):
    if not available(case):
        pytest.skip(f"{case}: benchmark data not present")
    stored = load_stored()[case]
    got = case_fingerprint(case)
    assert sorted(got) == sorted(stored)
    differing = [key for key in stored if got[key] != stored[key]]
    assert differing == [], f"{case}: {len(differing)} of {len(stored)} DVHs differ, first {differing[:5]}"
    assert len(stored) >= {"breast": 10, "pinnacle": 20, "raystation": 20, "nelms": 90}[case]


def test_a_one_ulp_change_in_a_sample_shows():
    import hashlib

    import numpy as np

    from dvh_engine_reference import dvh_entry

    class Fake:
        roi_number, name, type, volume_cc, covered_volume_cc = 1, "x", "ORGAN", 1.0, 1.0
        min_gy = mean_gy = max_gy = 1.0
        bin_width_gy, notes, prescription_gy = 0.01, (), None
        dose_gy = cumulative_cc = differential_cc = sample_volume_cc = np.zeros(3)
        sample_dose_gy = np.array([1.0, 2.0], np.float32)

        @staticmethod
        def metrics():
            return {}

    before = dvh_entry(Fake)
    Fake.sample_dose_gy = np.array([1.0, np.nextafter(np.float32(2.0), np.float32(3.0))], np.float32)
    after = dvh_entry(Fake)
    assert before["sample_dose_gy"] != after["sample_dose_gy"]
    assert before["sample_dose_gy"].endswith(hashlib.sha256(np.array([1.0, 2.0], np.float32).tobytes()).hexdigest())
