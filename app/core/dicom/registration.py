"""DICOM Spatial Registration objects (REG): which frame of reference maps into which, and how.

DICOM PS3.3 C.20.2 (Spatial Registration Module). A Spatial Registration instance has its own
Frame of Reference UID, the *registered* frame. Each Registration Sequence (0070,0308) item
names a source frame (its Frame of Reference UID (0020,0052)) and a Matrix Registration Sequence
(0070,0309) whose Matrix Sequence (0070,030A) holds one or more 4x4 Frame of Reference
Transformation Matrices (3006,00C6), row-major, each with a Frame of Reference Transformation
Matrix Type (0070,030C):

    registered_mm = M @ source_mm        (homogeneous column vectors, millimetres)

PS3.3 C.20.2.1.1: several matrices in one Matrix Sequence apply in item order,
``M = M_n ... M_2 M_1`` (M_1 first).

Types (PS3.3 C.20.2.1.2): RIGID (rotation + translation, orthonormal), RIGID_SCALE (rotation,
translation and scales: orthogonal, accepted as R S or S R), AFFINE (any 3x4 upper part). RIGID and RIGID_SCALE are
used; AFFINE is read and reported as not supported yet. A matrix whose numbers contradict its
type (a RIGID matrix that is not orthonormal within ``ORTHONORMAL_TOL``, a reflection, a last
row other than 0 0 0 1) is reported and not used: a wrong registration moves dose to the wrong
organ, so nothing doubtful is applied.

Deformable Spatial Registration (SOP class ...66.3, PS3.3 C.20.3) is read (source and
registered frames, whether a deformation grid is present) and reported as not supported:
it is never applied as rigid, not even its pre/post-deformation matrices.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import DicomReadError
from .source import Source, read_dataset, text

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

SPATIAL_REGISTRATION = "1.2.840.10008.5.1.4.1.1.66.1"
DEFORMABLE_REGISTRATION = "1.2.840.10008.5.1.4.1.1.66.3"
REGISTRATION_SOP_CLASSES = (SPATIAL_REGISTRATION, DEFORMABLE_REGISTRATION)
SUPPORTED_TYPES = ("RIGID", "RIGID_SCALE")
# |R^T R - I| (RIGID) or off-diagonal |R^T R| relative to its diagonal (RIGID_SCALE), per element.
# Matrices written with 6-8 significant digits are orthonormal to ~1e-6; 1e-4 rad is 0.006 degrees.
ORTHONORMAL_TOL = 1e-4


@dataclass(frozen=True)
class FrameTransform:
    """One usable matrix: ``matrix @ [x, y, z, 1]`` maps millimetres in ``source_frame`` into
    ``target_frame`` (the registered frame of the REG that holds it)."""

    source_frame: str
    target_frame: str
    matrix: np.ndarray  # (4, 4) float64
    kind: str  # RIGID or RIGID_SCALE
    path: str  # the REG file it came from ('' when made in the program)
    sop_instance_uid: str = ""
    comment: str = ""


@dataclass
class Registration:
    """One Spatial Registration or Deformable Spatial Registration file as read.

    ``transforms``: the usable (rigid) source -> registered mappings; ``unsupported``: every
    mapping that is present but not used, each with the reason (deformable, AFFINE, a matrix
    that is not what its type says); ``notes``: other remarks."""

    path: str
    sop_instance_uid: str
    deformable: bool
    frame_of_reference_uid: str  # the registered frame
    patient_id: str = ""
    series_description: str = ""
    content_label: str = ""
    content_date: str = ""
    transforms: list[FrameTransform] = field(default_factory=list)
    unsupported: list[tuple[str, str, str]] = field(default_factory=list)  # (source, target, reason)
    notes: list[str] = field(default_factory=list)

    @property
    def frames(self) -> set[str]:
        out = {self.frame_of_reference_uid} if self.frame_of_reference_uid else set()
        out |= {t.source_frame for t in self.transforms} | {u[0] for u in self.unsupported if u[0]}
        return out


def read_registration(source: Source, path: str | None = None) -> Registration:
    """Read a (Deformable) Spatial Registration file. Raises DicomReadError when it is not one or
    names no registered frame; problems with single items are notes/unsupported entries."""
    ds, name = read_dataset(source, path, fast=True)
    sop_class = text(ds, "SOPClassUID")
    if sop_class not in REGISTRATION_SOP_CLASSES:
        raise DicomReadError(name, f"not a Spatial Registration (SOP Class UID {sop_class or 'missing'})")
    registered = text(ds, "FrameOfReferenceUID")
    if not registered:
        raise DicomReadError(name, "the registration names no Frame of Reference UID (the registered frame)")
    reg = Registration(path=name, sop_instance_uid=text(ds, "SOPInstanceUID"),
                       deformable=sop_class == DEFORMABLE_REGISTRATION, frame_of_reference_uid=registered,
                       patient_id=text(ds, "PatientID"), series_description=text(ds, "SeriesDescription"),
                       content_label=text(ds, "ContentLabel"), content_date=text(ds, "ContentDate"))
    if reg.deformable:
        _read_deformable(ds, reg)
    else:
        _read_rigid(ds, reg)
    if not reg.transforms and not reg.unsupported:
        reg.notes.append("the registration maps no other frame of reference into its own")
    return reg


def _read_rigid(ds: Dataset, reg: Registration) -> None:
    items = ds.get("RegistrationSequence", None) or []
    if not items:
        reg.notes.append("no Registration Sequence")
    for index, item in enumerate(items, start=1):
        source = text(item, "FrameOfReferenceUID")
        if not source:
            reg.unsupported.append(("", reg.frame_of_reference_uid, f"Registration Sequence item {index} names "
                                    "no Frame of Reference UID (only image references are not supported)"))
            continue
        try:
            matrix, kind = _item_matrix(item)
        except ValueError as exc:
            reg.unsupported.append((source, reg.frame_of_reference_uid, f"item {index}: {exc}"))
            continue
        if source == reg.frame_of_reference_uid:
            if not np.allclose(matrix, np.eye(4), atol=1e-6):
                reg.notes.append(f"item {index} maps the registered frame onto itself with a matrix that is "
                                 "not the identity; ignored")
            continue
        comment = ""
        mrs = item.get("MatrixRegistrationSequence", None) or []
        if mrs:
            comment = text(mrs[0], "FrameOfReferenceTransformationComment")
        reg.transforms.append(FrameTransform(source, reg.frame_of_reference_uid, matrix, kind, reg.path,
                                             reg.sop_instance_uid, comment))


def _item_matrix(item: Dataset) -> tuple[np.ndarray, str]:
    """The composed matrix of one Registration Sequence item and its (loosest) type."""
    mrs = item.get("MatrixRegistrationSequence", None) or []
    if not mrs:
        raise ValueError("no Matrix Registration Sequence")
    matrices = mrs[0].get("MatrixSequence", None) or []
    if not matrices:
        raise ValueError("no Matrix Sequence")
    total, kinds = np.eye(4), []
    for m_item in matrices:
        kind = text(m_item, "FrameOfReferenceTransformationMatrixType").upper()
        values = m_item.get("FrameOfReferenceTransformationMatrix", None)
        try:
            m = np.asarray([float(v) for v in (values or [])], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("the transformation matrix holds values that are not numbers") from None
        if m.size != 16 or not np.all(np.isfinite(m)):
            raise ValueError(f"the transformation matrix has {m.size} values (need 16 finite numbers)")
        m = m.reshape(4, 4)
        check_matrix(m, kind)
        total = m @ total  # PS3.3 C.20.2.1.1: M = M_n ... M_1
        kinds.append(kind)
    return total, ("RIGID_SCALE" if "RIGID_SCALE" in kinds else "RIGID")


def check_matrix(m: np.ndarray, kind: str) -> None:
    """Raise ValueError unless ``m`` is a usable matrix of type ``kind`` (see module docstring)."""
    if kind not in SUPPORTED_TYPES:
        what = f"matrix type {kind!r}" if kind else "no matrix type"
        raise ValueError(f"{what} is not supported yet (only RIGID and RIGID_SCALE are applied)")
    if not np.allclose(m[3], [0, 0, 0, 1], atol=1e-9):
        raise ValueError(f"the matrix's last row is {m[3].tolist()}, not 0 0 0 1")
    r = m[:3, :3]
    gram = r.T @ r
    if kind == "RIGID":
        if np.max(np.abs(gram - np.eye(3))) > ORTHONORMAL_TOL:
            raise ValueError("a RIGID matrix that is not orthonormal (it scales or shears)")
    elif not (_orthogonal(gram) or _orthogonal(r @ r.T)):
        raise ValueError("a RIGID_SCALE matrix that is not a rotation with scales (it shears)")
    if np.linalg.det(r) <= 0:
        raise ValueError("the matrix mirrors (negative determinant): not a rigid registration")


def _orthogonal(gram: np.ndarray) -> bool:
    """True when the Gram matrix is diagonal (relative to its diagonal) with no zero scale:
    rotation x scales (R S, columns orthogonal) or scales x rotation (S R, rows orthogonal)."""
    scale = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    if np.any(scale <= 1e-9):
        return False
    return float(np.max(np.abs(gram / np.outer(scale, scale) - np.eye(3)))) <= ORTHONORMAL_TOL


def _read_deformable(ds: Dataset, reg: Registration) -> None:
    items = ds.get("DeformableRegistrationSequence", None) or []
    if not items:
        reg.notes.append("no Deformable Registration Sequence")
    for index, item in enumerate(items, start=1):
        source = text(item, "SourceFrameOfReferenceUID")
        if source == reg.frame_of_reference_uid:
            continue  # the registered frame's own (identity) item
        has_grid = bool(item.get("DeformableRegistrationGridSequence", None))
        what = "a deformation grid" if has_grid else "no deformation grid (matrices only)"
        reg.unsupported.append((source, reg.frame_of_reference_uid,
                                f"Deformable Spatial Registration (item {index}, {what}): not supported yet; "
                                "not applied, not even as a rigid registration"))
