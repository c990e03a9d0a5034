"""What a load could not use, and why: collected, never raised at the user."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadIssue:
    """One problem with one file. ``severity``: 'error' (file not used), 'warning' (used with a
    caveat), 'ignored' (valid DICOM of a kind we do not review, e.g. MR)."""

    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class LoadReport:
    issues: list[LoadIssue] = field(default_factory=list)

    def add(self, path: str, message: str, severity: str = "error") -> None:
        self.issues.append(LoadIssue(str(path), message, severity))

    @property
    def errors(self) -> list[LoadIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[LoadIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ignored(self) -> list[LoadIssue]:
        return [i for i in self.issues if i.severity == "ignored"]
