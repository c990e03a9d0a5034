"""Deterministic DICOM UIDs and the fixed identity of the synthetic patient's objects."""
from __future__ import annotations

import hashlib

UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's registered root, for generated UIDs


def uid(*parts: object) -> str:
    """A UID under ``UID_ROOT`` whose suffix is a hash of ``parts`` (same parts, same UID)."""
    key = "/".join(str(p) for p in parts).encode()
    n = int(hashlib.sha256(key).hexdigest()[:30], 16)
    out = UID_ROOT + str(n)
    return out[:64]


# SOP classes
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
RT_PLAN = "1.2.840.10008.5.1.4.1.1.481.5"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
STUDY_COMPONENT = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management (RT referenced study)
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
