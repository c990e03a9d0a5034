"""SliceView: one plane (axial, coronal or sagittal) of CT with dose wash, isodose lines,
contours and a crosshair. It draws what it is given (images, polylines in mm) and reports
the user's gestures; what to draw is decided by SlicePanel from rtreview.core.viewing.

Gestures: wheel / Up / Down / PageUp / PageDown scroll slices, Ctrl+wheel zooms, left click
moves the crosshair, left drag pans, right drag adjusts window/level, double click resets zoom.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from rtreview.core.viewing.slicing import Plane

pg.setConfigOptions(imageAxisOrder="row-major")

CROSSHAIR_PEN = pg.mkPen((255, 255, 255, 110), width=1, style=QtCore.Qt.PenStyle.DashLine)


class _SliceViewBox(pg.ViewBox):
    """ViewBox whose wheel scrolls slices and whose right drag changes window/level."""

    def __init__(self, view: "SliceView"):
        super().__init__(lockAspect=True, enableMenu=False, invertY=False)
        self._view = view
        self._last = None

    def wheelEvent(self, ev, axis=None):
        if ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(ev, axis)
            return
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        if delta:
            self._view.scrolled.emit(1 if delta > 0 else -1)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() == QtCore.Qt.MouseButton.RightButton:
            ev.accept()
            pos = ev.screenPos()
            last = ev.lastScreenPos()
            self._view.window_dragged.emit(float(pos.x() - last.x()), float(pos.y() - last.y()))
            return
        super().mouseDragEvent(ev, axis)

    def mouseClickEvent(self, ev):
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            p = self.mapSceneToView(ev.scenePos())
            self._view.clicked.emit(float(p.x()), float(p.y()))
            ev.accept()
            if ev.double():
                self.autoRange(padding=0)
            return
        ev.ignore()


class SliceView(pg.GraphicsView):
    """Signals: ``hovered(u_mm, v_mm)``, ``left()``, ``clicked(u_mm, v_mm)``, ``scrolled(step)``,
    ``window_dragged(dx_px, dy_px)``. Coordinates are the slice's (u, v) in mm."""

    hovered = QtCore.Signal(float, float)
    left = QtCore.Signal()
    clicked = QtCore.Signal(float, float)
    scrolled = QtCore.Signal(int)
    window_dragged = QtCore.Signal(float, float)
    resized = QtCore.Signal()

    def __init__(self, plane: Plane, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent, background="k")
        self.plane = Plane(plane)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(160, 140)
        self.view = _SliceViewBox(self)
        self.setCentralItem(self.view)
        if self.plane is Plane.AXIAL:
            self.view.invertY(True)  # anterior (−y) at the top, patient's left on the right
        self.ct_item = pg.ImageItem()
        self.dose_item = pg.ImageItem()
        self.dose_item.setZValue(1)
        self.view.addItem(self.ct_item)
        self.view.addItem(self.dose_item)
        self._isodose_items: list[pg.PlotCurveItem] = []
        self._contour_items: dict[int, pg.PlotCurveItem] = {}
        # POINT ROIs (calculation / reference points, isocentres): a marker and its label each
        self.point_item = pg.ScatterPlotItem(symbol="+", size=14, pxMode=True)
        self.point_item.setZValue(6)
        self.view.addItem(self.point_item, ignoreBounds=True)
        self._point_labels: list[pg.TextItem] = []
        self.h_line = pg.InfiniteLine(angle=0, movable=False, pen=CROSSHAIR_PEN)
        self.v_line = pg.InfiniteLine(angle=90, movable=False, pen=CROSSHAIR_PEN)
        for line in (self.h_line, self.v_line):
            line.setZValue(10)
            self.view.addItem(line, ignoreBounds=True)
        self.caption = QtWidgets.QLabel(self)
        self.caption.setStyleSheet("color: #e8e8e8; background: rgba(0,0,0,140); padding: 1px 4px;")
        self.caption.move(4, 4)
        # patient directions at the edges: (top, bottom, left, right)
        letters = {Plane.AXIAL: "APRL", Plane.CORONAL: "SIRL", Plane.SAGITTAL: "SIAP"}[self.plane]
        self.orientation = []
        for letter in letters:
            label = QtWidgets.QLabel(letter, self)
            label.setStyleSheet("color: #8fb4d8; background: transparent; font-weight: bold;")
            label.adjustSize()
            self.orientation.append(label)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._rect: tuple[float, float, float, float] | None = None
        self._dose_rect: tuple[float, float, float, float] | None = None

    # --- content --------------------------------------------------------------------------
    def set_ct(self, hu: np.ndarray | None, rect: tuple[float, float, float, float] | None,
               levels: tuple[float, float]) -> None:
        """CT slice image (row-major) covering ``rect`` = (left, top, width, height) mm."""
        if hu is None:
            self.ct_item.clear()
            self._rect = None
            self.h_line.setVisible(False)
            self.v_line.setVisible(False)
            return
        self.h_line.setVisible(True)
        self.v_line.setVisible(True)
        self.ct_item.setImage(hu, autoLevels=False, levels=levels)
        if rect != self._rect:
            self.ct_item.setRect(QtCore.QRectF(*rect))
            first = self._rect is None
            self._rect = rect
            if first:
                self.reset_zoom()

    def set_levels(self, levels: tuple[float, float]) -> None:
        self.ct_item.setLevels(levels)

    def set_dose(self, rgba: np.ndarray | None) -> None:
        """Colour wash (RGBA uint8, same shape as the CT slice) or None to hide it."""
        if rgba is None:
            self.dose_item.setVisible(False)
            return
        first = self.dose_item.image is None or self.dose_item.image.shape != rgba.shape
        self.dose_item.setImage(rgba, autoLevels=False, levels=None)
        if first or self._dose_rect != self._rect:  # the rect needs the image's size
            self.dose_item.setRect(QtCore.QRectF(*self._rect))
            self._dose_rect = self._rect
        self.dose_item.setVisible(True)

    def set_isodoses(self, lines: list[tuple[tuple[int, int, int], np.ndarray, np.ndarray]]) -> None:
        """One ``(rgb, xs, ys)`` per level; items are reused (setData), extra ones hidden."""
        self._update_curves(self._isodose_items, lines, width=1.3, z=3)

    def set_contours(self, contours: dict[int, tuple[tuple[int, int, int], np.ndarray, np.ndarray]],
                     highlighted: int = -1) -> None:
        for number, item in self._contour_items.items():
            if number not in contours:
                item.setVisible(False)
        for number, (rgb, xs, ys) in contours.items():
            item = self._contour_items.get(number)
            if item is None:
                item = pg.PlotCurveItem(connect="finite")
                item.setZValue(4)
                self.view.addItem(item, ignoreBounds=True)
                self._contour_items[number] = item
            self._set_pen(item, rgb, 3.2 if number == highlighted else 2.0)
            item.setData(xs, ys, connect="finite")
            item.setVisible(xs.size > 0)

    def set_points(self, points: list[tuple[tuple[int, int, int], float, float, str]]) -> None:
        """POINT ROIs on this slice: ``(rgb, u_mm, v_mm, label)`` each, drawn as a cross with its label."""
        if points:
            self.point_item.setData([p[1] for p in points], [p[2] for p in points],
                                    pen=[pg.mkPen(p[0], width=2.5) for p in points], brush=None)
        else:
            self.point_item.setData([], [])
        while len(self._point_labels) < len(points):
            label = pg.TextItem(anchor=(0.0, 1.0))
            label.setZValue(6)
            self.view.addItem(label, ignoreBounds=True)
            self._point_labels.append(label)
        for label, (rgb, u, v, text) in zip(self._point_labels, points):
            label.setText(text, color=rgb)
            label.setPos(u, v)
            label.setVisible(True)
        for label in self._point_labels[len(points):]:
            label.setVisible(False)

    def point_labels(self) -> list[str]:
        """The labels of the points drawn now (for tests and tools)."""
        return [label.textItem.toPlainText() for label in self._point_labels if label.isVisible()]

    def _update_curves(self, items: list, lines: list, width: float, z: float) -> None:
        while len(items) < len(lines):
            item = pg.PlotCurveItem(connect="finite")
            item.setZValue(z)
            self.view.addItem(item, ignoreBounds=True)
            items.append(item)
        for item, (rgb, xs, ys) in zip(items, lines):
            self._set_pen(item, rgb, width)
            item.setData(xs, ys, connect="finite")
            item.setVisible(xs.size > 0)
        for item in items[len(lines):]:
            item.setVisible(False)

    @staticmethod
    def _set_pen(item, rgb, width: float) -> None:
        """Change the pen only when it differs (making pens is a visible share of a render)."""
        key = (tuple(rgb), width)
        if getattr(item, "_pen_key", None) != key:
            item.setPen(pg.mkPen(key[0], width=width))
            item._pen_key = key

    def set_crosshair(self, u_mm: float, v_mm: float) -> None:
        self.v_line.setValue(u_mm)
        self.h_line.setValue(v_mm)

    def set_caption(self, text: str) -> None:
        if text != self.caption.text():
            self.caption.setText(text)
            self.caption.adjustSize()
            self._place_letters()

    def reset_zoom(self) -> None:
        if self._rect is not None:
            left, top, width, height = self._rect
            self.view.setRange(QtCore.QRectF(left, top, width, height), padding=0)

    # --- Qt overrides -----------------------------------------------------------------------
    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        super().resizeEvent(ev)
        if not hasattr(self, "orientation"):  # called from the base constructor
            return
        self.resized.emit()
        self._place_letters()

    def _place_letters(self) -> None:
        top, bottom, left, right = self.orientation
        w, h = self.width(), self.height()
        # beside the caption when the view is too narrow for both at the top
        top.move(max((w - top.width()) // 2, self.caption.x() + self.caption.width() + 8), 4)
        bottom.move((w - bottom.width()) // 2, h - bottom.height() - 4)
        left.move(5, (h - left.height()) // 2)
        right.move(w - right.width() - 5, (h - right.height()) // 2)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        steps = {QtCore.Qt.Key.Key_Up: 1, QtCore.Qt.Key.Key_Down: -1,
                 QtCore.Qt.Key.Key_PageUp: 10, QtCore.Qt.Key.Key_PageDown: -10}
        if ev.key() in steps:
            self.scrolled.emit(steps[ev.key()])
            ev.accept()
            return
        super().keyPressEvent(ev)

    def leaveEvent(self, ev) -> None:
        self.left.emit()
        super().leaveEvent(ev)

    def _on_mouse_moved(self, scene_pos) -> None:
        if self._rect is None:
            return
        p = self.view.mapSceneToView(scene_pos)
        self.hovered.emit(float(p.x()), float(p.y()))

    def scene_pos_of(self, u_mm: float, v_mm: float) -> QtCore.QPointF:
        """Scene position of slice coordinates (for tests and tools)."""
        return self.view.mapViewToScene(QtCore.QPointF(u_mm, v_mm))
