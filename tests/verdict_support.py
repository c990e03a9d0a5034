"""Helpers for the constraint-verdict tests: DVHs with known dose samples, the loaded sample case."""
from __future__ import annotations

import functools
import warnings
from types import SimpleNamespace

import numpy as np

from conftest import SAMPLE_DICOM


def sampled_dvh(doses_gy, volumes_cc, name: str = "OAR", roi_type: str = "ORGAN"):
    """An engine Dvh whose samples are exactly ``doses_gy`` with ``volumes_cc`` (no geometry)."""
    from rtreview.core.dvh import DvhOptions
    from rtreview.core.dvh.compute import make_dvh

    doses = np.asarray(doses_gy, dtype=np.float32)
    volumes_mm3 = np.asarray(volumes_cc, dtype=np.float32) * np.float32(1000.0)
    roi = SimpleNamespace(number=1, name=name, type=roi_type, color_rgb=(255, 0, 0))
    total = float(np.sum(volumes_mm3, dtype=np.float64))
    return make_dvh(roi, doses, volumes_mm3, total, 0.0, np.zeros(0), DvhOptions(), None)


@functools.lru_cache(maxsize=1)
def sample_case():
    from rtreview.core.dicom.loader import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load([str(SAMPLE_DICOM)])


def sample_links():
    """The sample's two courses in treatment order (LIVER, then L ILIUM)."""
    case = sample_case()
    return sorted(case.links, key=lambda link: link.plan.date or "9999")


def protocol(name: str):
    from rtreview.core.constraints import find_protocol

    return find_protocol(name)


def row(evaluation, structure: str, metric: str, level: str | None = None):
    hits = [r for r in evaluation.results if r.structure == structure and r.metric == metric
            and (level is None or r.level == level)]
    assert len(hits) == 1, f"{structure} {metric} {level}: {len(hits)} rows"
    return hits[0]
