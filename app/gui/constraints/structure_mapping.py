"""Hand mapping of protocol structures to ROIs: the editor under the constraints table, and
where the mappings are kept.

``MappingEditor`` lists the protocol structures no ROI matched (and those mapped by hand, so a
mapping can be undone), each with a combobox of the structure set's ROIs; a choice emits
``mapping_changed({protocol structure: ROI name})``, which ``check_plan(manual=...)`` takes.

``CaseFileMappingStore`` keeps the mappings with the case: in the case timeline file, under the
extra top-level key ``structure_mappings`` = ``{structure set SOP Instance UID: {protocol
structure: ROI name}}`` (the case file keeps fields it does not know). Changing a mapping marks
the case modified; File ▸ Save case timeline writes it.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from rtreview.gui.case_store import CaseFileStore, MemoryStore

NOT_MAPPED = "— not mapped —"
CASE_KEY = "structure_mappings"
PAIRS_PER_ROW = 2
VISIBLE_ROWS = 3  # more scroll: the constraints table above must keep its room


class MappingEditor(QtWidgets.QGroupBox):
    mapping_changed = QtCore.Signal(dict)  # the whole hand mapping {protocol structure: ROI}

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__("Unmatched protocol structures: map them to an ROI by hand", parent)
        self.setToolTip("No ROI name matched these protocol structures (their constraints are not evaluable).\n"
                        "Choose the ROI that is that structure; the choice is saved with the case timeline.")
        self._scroll = QtWidgets.QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self._scroll)
        self._grid: QtWidgets.QGridLayout | None = None
        self.combos: dict[str, QtWidgets.QComboBox] = {}
        self._manual: dict[str, str] = {}
        self.setVisible(False)

    def show_structures(self, unmatched: list[str], manual: dict[str, str], roi_names: list[str]) -> None:
        """Rows for ``unmatched`` structures and those in ``manual``; combos list ``roi_names``."""
        self._manual = dict(manual)
        names = list(dict.fromkeys(list(manual) + list(unmatched)))
        inner = QtWidgets.QWidget()  # rebuilt: the old one (and its combos) goes with setWidget
        self._grid = QtWidgets.QGridLayout(inner)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setVerticalSpacing(2)
        self.combos = {}
        for i, name in enumerate(names):
            combo = QtWidgets.QComboBox()
            combo.addItems([NOT_MAPPED] + list(roi_names))
            combo.setCurrentText(manual.get(name, NOT_MAPPED))
            combo.setToolTip(f"The ROI that is the protocol's {name}")
            combo.currentTextChanged.connect(lambda text, n=name: self._on_choice(n, text))
            row, col = divmod(i, PAIRS_PER_ROW)
            label = QtWidgets.QLabel(name)
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            self._grid.addWidget(label, row, 2 * col)
            self._grid.addWidget(combo, row, 2 * col + 1)
            self._grid.setColumnStretch(2 * col + 1, 1)
            self.combos[name] = combo
        self._scroll.setWidget(inner)
        rows = min(VISIBLE_ROWS, (len(names) + PAIRS_PER_ROW - 1) // PAIRS_PER_ROW)
        row_px = QtWidgets.QComboBox().sizeHint().height() + 2
        self._scroll.setFixedHeight(max(rows, 1) * row_px + 4)
        self.setVisible(bool(names))

    def _on_choice(self, name: str, roi: str) -> None:
        if roi == NOT_MAPPED:
            self._manual.pop(name, None)
        else:
            self._manual[name] = roi
        self.mapping_changed.emit(dict(self._manual))


def _clean(mapping) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}


class MemoryMappingStore(MemoryStore):
    """Mappings kept for the session only (when no case timeline is around)."""


class CaseFileMappingStore(CaseFileStore):
    """Mappings kept in the case timeline shown by a ``TimelineView`` (see module docstring)."""

    def __init__(self, timeline_view):
        super().__init__(timeline_view, CASE_KEY, _clean)
