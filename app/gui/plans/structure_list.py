"""StructureList: the selected structure set's ROIs with colour swatch, visibility checkbox,
name, type, volume and (editable) alpha/beta; buttons to show all / none / targets / OARs."""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.dvh import contour_volumes_cc
from rtreview.gui.session import ReviewSession

NUMBER_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
COL_NAME, COL_TYPE, COL_VOLUME, COL_AB = range(4)


def swatch(rgb: tuple[int, int, int], size: int = 12) -> QtGui.QIcon:
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtGui.QColor(*rgb))
    painter = QtGui.QPainter(pix)
    painter.setPen(QtGui.QColor(0, 0, 0))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return QtGui.QIcon(pix)


class StructureList(QtWidgets.QWidget):
    def __init__(self, session: ReviewSession, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Structure", "Type", "cc", "α/β"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        # only the alpha/beta column is editable: edits start from _on_double_click
        self.tree.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for col in (COL_TYPE, COL_VOLUME, COL_AB):
            header.setSectionResizeMode(col, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.tree.headerItem().setToolTip(COL_AB, "α/β (Gy), one per structure: yours (italics), else the "
                                                  "protocol's, else the TG-263 default table, else 10 (targets) / "
                                                  "3 (organs); used for every EQD2 — double-click to edit")
        buttons = QtWidgets.QHBoxLayout()
        buttons.setSpacing(2)
        self.buttons = {}
        for key, text, tip in (("all", "All", "Show every structure"), ("none", "None", "Hide every structure"),
                               ("targets", "Targets", "Show only targets (PTV/CTV/GTV/ITV)"),
                               ("oars", "OARs", "Show only organs at risk")):
            b = QtWidgets.QToolButton()
            b.setText(text)
            b.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, k=key: self.select(k))
            buttons.addWidget(b)
            self.buttons[key] = b
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        self._updating = False
        self._items: dict[int, QtWidgets.QTreeWidgetItem] = {}
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.currentItemChanged.connect(self._on_current)
        session.link_changed.connect(self._rebuild)
        session.dvhs_changed.connect(self._show_volumes)
        session.visibility_changed.connect(self._show_visibility)
        session.highlight_changed.connect(self.highlight)
        session.alpha_beta_changed.connect(self._show_alpha_beta)

    def _rebuild(self) -> None:
        self._updating = True
        self.tree.clear()
        self._items = {}
        for roi in self.session.rois:
            item = QtWidgets.QTreeWidgetItem([roi.name, roi.type or "–", "", ""])
            item.setIcon(COL_NAME, swatch(roi.color_rgb))
            item.setData(COL_NAME, NUMBER_ROLE, roi.number)
            flags = item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable | QtCore.Qt.ItemFlag.ItemIsEditable
            if roi.points_mm and not roi.planes:
                x, y, z = roi.points_mm[0]
                item.setToolTip(COL_NAME, f"{roi.name} (ROI {roi.number}): a point at x {x:.1f}, y {y:.1f}, "
                                          f"z {z:.1f} mm; select it to centre the views on it")
            elif roi.is_empty:
                flags &= ~QtCore.Qt.ItemFlag.ItemIsUserCheckable
                item.setToolTip(COL_NAME, f"{roi.name}: no contours ({'; '.join(roi.notes) or 'empty'})")
                item.setForeground(COL_NAME, QtGui.QBrush(QtGui.QColor(140, 140, 140)))
            else:
                item.setToolTip(COL_NAME, f"{roi.name} (ROI {roi.number})")
            item.setFlags(flags)
            item.setCheckState(COL_NAME, QtCore.Qt.CheckState.Unchecked)
            item.setTextAlignment(COL_VOLUME, QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            item.setTextAlignment(COL_AB, QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
            self._items[roi.number] = item
        self._updating = False
        self._show_visibility()
        self._show_volumes()
        self._show_alpha_beta()

    def _show_volumes(self) -> None:
        dvhs = self.session.dvhs
        skipped = getattr(dvhs, "skipped", {})  # the engine's DvhResults says why a ROI has no DVH
        points = getattr(dvhs, "points", {})  # POINT ROIs: the dose at the point
        link = self.session.link
        # Without a dose: the contour stack's volume (the one the DVH would have), computed here.
        volumes = contour_volumes_cc(link.structure_set) if link is not None and link.dose is None \
            and link.structure_set is not None else {}
        for number, item in self._items.items():
            dvh = dvhs.get(number)
            if number in skipped:
                item.setToolTip(COL_VOLUME, f"No DVH: {skipped[number]}")
            volume = dvh.volume_cc if dvh is not None else volumes.get(number)
            text = "" if volume is None else f"{volume:.0f}" if volume >= 1000 else f"{volume:.1f}"
            if number in points and points[number]:
                first = points[number][0]
                text = "–" if first.dose_gy is None else f"{first.dose_gy:.2f} Gy"
                where = ", ".join(f"{v:.1f}" for v in first.position_mm)
                item.setToolTip(COL_VOLUME, f"Dose at the point ({where}) mm: "
                                + (first.note or f"{first.dose_gy:.3f} Gy (trilinear)"))
            self._set_text(item, COL_VOLUME, text)

    def _show_alpha_beta(self) -> None:
        """Each ROI's one α/β (rtreview.core.constraints.alpha_beta), where it comes from in the tooltip;
        the user's values in italics."""
        was, self._updating = self._updating, True  # text, font and tooltip changes are no user edit
        try:
            for number, item in self._items.items():
                info = self.session.alpha_beta_info.get(number)
                value = self.session.alpha_beta_gy.get(number)
                item.setText(COL_AB, "" if value is None else f"{value:g}")
                font = item.font(COL_AB)
                font.setItalic(info is not None and info.origin == "user")
                item.setFont(COL_AB, font)
                if info is not None:
                    item.setToolTip(COL_AB, f"{info.describe()}\n{info.source}\n"
                                            "Double-click to edit (empty: back to the default); used by the EQD2 DVH, "
                                            "the constraints, the composite and the report")
        finally:
            self._updating = was

    def _show_visibility(self) -> None:
        for number, item in self._items.items():
            state = QtCore.Qt.CheckState.Checked if number in self.session.visible else QtCore.Qt.CheckState.Unchecked
            if item.checkState(COL_NAME) != state:
                self._updating = True
                item.setCheckState(COL_NAME, state)
                self._updating = False

    def _set_text(self, item, col, text) -> None:
        self._updating = True
        item.setText(col, text)
        self._updating = False

    def _on_item_changed(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if self._updating:
            return
        number = item.data(COL_NAME, NUMBER_ROLE)
        if column == COL_NAME:
            self.session.set_roi_visible(number, item.checkState(COL_NAME) == QtCore.Qt.CheckState.Checked)
        elif column == COL_AB:
            text = item.text(COL_AB).strip().replace(",", ".")
            try:
                value = float(text) if text else None
            except ValueError:
                value = -1.0
            if value is None or value > 0:
                self.session.set_alpha_beta(number, value)
            self._show_alpha_beta()

    def _on_double_click(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if column == COL_AB:
            self.tree.editItem(item, COL_AB)

    def _on_current(self, current, _previous) -> None:
        if not self._updating and current is not None:
            self.session.set_highlighted(current.data(COL_NAME, NUMBER_ROLE))

    def select(self, which: str) -> None:
        """Visibility preset: 'all', 'none', 'targets' or 'oars' (organs, excluding external/support)."""
        rois = [r for r in self.session.rois if not r.is_empty or r.points_mm]
        if which == "all":
            chosen = {r.number for r in rois}
        elif which == "targets":
            chosen = {r.number for r in rois if r.is_target}
        elif which == "oars":
            chosen = {r.number for r in rois if not r.is_target
                      and r.type.upper() not in ("EXTERNAL", "SUPPORT", "MARKER", "BOLUS", "FIXATION", "AVOIDANCE")}
        else:
            chosen = set()
        self.session.set_visible(chosen)

    def highlight(self, number: int) -> None:
        """Select (and scroll to) the row of ROI ``number``; -1 clears."""
        item = self._items.get(number)
        self._updating = True
        try:
            if item is None:
                self.tree.clearSelection()
            else:
                self.tree.setCurrentItem(item)
                self.tree.scrollToItem(item)
        finally:
            self._updating = False

    def item(self, number: int) -> QtWidgets.QTreeWidgetItem | None:
        return self._items.get(number)
