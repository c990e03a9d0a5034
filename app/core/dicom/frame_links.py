"""Frames of reference linked by registrations: find, compose and invert rigid mappings.

Each usable FrameTransform (source -> registered frame) is an edge usable both ways (the
inverse of a rigid or rigid-with-scale matrix is exact). ``FrameLinks.mapping(a, b)`` returns
the matrix taking millimetres in frame ``a`` to frame ``b`` along the shortest chain of
registrations (A->B, B->C compose to A->C), with the steps it used; when no chain exists it
raises MissingRegistration naming the frames each side can reach, and whether only a
registration that is not supported (deformable, AFFINE, a doubtful matrix) would join them.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .registration import FrameTransform, Registration


class MissingRegistration(LookupError):
    """No chain of usable registrations joins two frames of reference; ``str()`` explains."""


@dataclass(frozen=True)
class Step:
    """One registration used in a chain, forwards (its source -> registered) or inverted."""

    transform: FrameTransform
    inverted: bool

    @property
    def matrix(self) -> np.ndarray:
        return invert(self.transform.matrix) if self.inverted else self.transform.matrix

    @property
    def from_frame(self) -> str:
        return self.transform.target_frame if self.inverted else self.transform.source_frame

    @property
    def to_frame(self) -> str:
        return self.transform.source_frame if self.inverted else self.transform.target_frame


@dataclass(frozen=True)
class Mapping:
    """``matrix @ [x, y, z, 1]`` maps millimetres in ``from_frame`` to ``to_frame``."""

    from_frame: str
    to_frame: str
    matrix: np.ndarray
    steps: tuple[Step, ...] = ()

    @property
    def is_identity(self) -> bool:
        return not self.steps

    @property
    def kind(self) -> str:
        """IDENTITY (same frame), RIGID, or RIGID_SCALE when any step scales."""
        if not self.steps:
            return "IDENTITY"
        return "RIGID_SCALE" if any(s.transform.kind == "RIGID_SCALE" for s in self.steps) else "RIGID"

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(s.transform.path for s in self.steps))

    def describe(self) -> str:
        """One line for reports: the chain of files and whether each step was inverted."""
        if not self.steps:
            return "same frame of reference (identity)"
        parts = [f"{s.transform.path or 'registration made in rtreview'}" + (" (inverted)" if s.inverted else "")
                 for s in self.steps]
        return f"{self.kind}: " + " then ".join(parts)


def invert(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a homogeneous rigid / rigid-with-scale matrix (general inverse: exact for both)."""
    return np.linalg.inv(np.asarray(matrix, dtype=np.float64))


def apply(matrix: np.ndarray, points_mm: np.ndarray) -> np.ndarray:
    """Points ``(..., 3)`` in mm mapped by the 4x4 ``matrix``; same shape, float64."""
    p = np.asarray(points_mm, dtype=np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    return p @ m[:3, :3].T + m[:3, 3]


@dataclass
class FrameLinks:
    """The registrations of one patient as a graph of frames of reference."""

    registrations: list[Registration] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._edges: dict[str, list[Step]] = {}
        self._unsupported: dict[str, list[tuple[str, str]]] = {}  # frame -> [(other frame, reason)]
        for reg in self.registrations:
            for t in reg.transforms:
                self._edges.setdefault(t.source_frame, []).append(Step(t, False))
                self._edges.setdefault(t.target_frame, []).append(Step(t, True))
            for source, target, reason in reg.unsupported:
                if source and target:
                    self._unsupported.setdefault(source, []).append((target, f"{reg.path}: {reason}"))
                    self._unsupported.setdefault(target, []).append((source, f"{reg.path}: {reason}"))

    def reachable(self, frame: str) -> list[str]:
        """Frames joined to ``frame`` by usable registrations (itself first)."""
        return list(self._search(frame))

    def _search(self, start: str) -> dict[str, Step | None]:
        back: dict[str, Step | None] = {start: None}
        queue = deque([start])
        while queue:
            frame = queue.popleft()
            for step in self._edges.get(frame, []):
                if step.to_frame not in back:
                    back[step.to_frame] = step
                    queue.append(step.to_frame)
        return back

    def mapping(self, from_frame: str, to_frame: str, names: dict[str, str] | None = None) -> Mapping:
        """The mapping from ``from_frame`` to ``to_frame`` (identity when equal). ``names``
        gives frames a readable name for messages (e.g. 'the L ILIUM CT')."""
        if from_frame == to_frame:
            return Mapping(from_frame, to_frame, np.eye(4))
        back = self._search(from_frame)
        if to_frame not in back:
            raise MissingRegistration(self._why_missing(from_frame, to_frame, back, names or {}))
        steps: list[Step] = []
        frame = to_frame
        while back[frame] is not None:
            step = back[frame]
            steps.append(step)
            frame = step.from_frame
        steps.reverse()
        total = np.eye(4)
        for step in steps:
            total = step.matrix @ total
        return Mapping(from_frame, to_frame, total, tuple(steps))

    def _why_missing(self, a: str, b: str, back_a: dict, names: dict[str, str]) -> str:
        def name(frame: str) -> str:
            return f"{names[frame]} (frame {frame})" if frame in names else f"frame {frame}"
        side_a, side_b = set(back_a), set(self._search(b))
        message = f"no registration links {name(a)} to {name(b)}"
        bridges = [reason for f in side_a for other, reason in self._unsupported.get(f, []) if other in side_b]
        if bridges:
            message += "; only a registration that is not supported joins them (" + "; ".join(bridges) + ")"
        if len(side_a) > 1 or len(side_b) > 1:
            message += (f"; the loaded registrations join {name(a)} to {len(side_a) - 1} other frame(s) and "
                        f"{name(b)} to {len(side_b) - 1}, none in common")
        if not self.registrations:
            message += "; no Spatial Registration (REG) file is loaded"
        return message
