"""ShowStages: what a load has put on screen so far, in the order the window shows it.

A load is shown in stages, each as soon as it is ready: ``case`` (plans, structure list, CT with
contours and dose), ``dvhs`` (every DVH of the selected plan; curves appear structure by
structure before), ``constraints`` (the selected plan's constraint table), ``timeline`` (the case
timeline). A stage counts as shown once the window has painted after it: ``stage_shown(name)``
is emitted then, and ``all_shown()`` after the last one. ``first_painted()`` is emitted once, when
the window's first paint is done. The start-up benchmark (bench/bench_startup.py) and the tests
listen to these signals instead of sleeping.

The window calls ``begin()`` when a load starts, ``mark(stage)`` when a stage is on its way to
the screen, and ``painted()`` from its paintEvent.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

STAGES = ("case", "dvhs", "constraints", "timeline")


class ShowStages(QtCore.QObject):
    first_painted = QtCore.Signal()
    stage_shown = QtCore.Signal(str)
    all_shown = QtCore.Signal()

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.window = window
        self.shown: list[str] = []  # stages of the current load on screen, in order
        self.loading = False  # a load is being shown (begin() .. all shown)
        self._marked: list[str] = []  # marked, waiting for the next paint
        self._all_marked: set[str] = set()  # marked in this load (waiting or shown)
        self._painted_once = False

    @property
    def done(self) -> bool:
        """Every stage of the current load is on screen (or no load is running)."""
        return not self.loading

    def has(self, stage: str) -> bool:
        """``stage`` of the current load is drawn (shown, or waiting for the next paint)."""
        return stage in self._all_marked

    def begin(self) -> None:
        self.shown, self._marked, self._all_marked, self.loading = [], [], set(), True

    def end(self) -> None:
        """The load stopped short (failed, cancelled, nothing to show): no ``all_shown``."""
        self._marked, self.loading = [], False

    def mark(self, stage: str) -> None:
        """``stage`` is drawn (its widgets updated); it is shown with the next paint."""
        if not self.loading or self.has(stage):
            return
        self._marked.append(stage)
        self._all_marked.add(stage)
        self.window.update()  # the window paints (and tells painted()) even if only children changed

    def painted(self) -> None:
        """Called by the window's paintEvent: whatever was marked is now on screen."""
        if not self._painted_once:
            self._painted_once = True
            QtCore.QTimer.singleShot(0, self.first_painted.emit)  # after the whole window is flushed
        if self._marked:
            marked, self._marked = self._marked, []
            QtCore.QTimer.singleShot(0, lambda: self._flush(marked))

    def _flush(self, marked: list[str]) -> None:
        if not self.loading:
            return
        for stage in marked:
            self.shown.append(stage)
            self.stage_shown.emit(stage)
        if self.loading and all(s in self.shown for s in STAGES):
            self.loading = False
            self.all_shown.emit()
