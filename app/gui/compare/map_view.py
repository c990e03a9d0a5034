"""MapView: one axial plane of the reference CT with a colour map on the reference dose grid
(dose difference or gamma) and the reference structures' contours. Wheel / Up / Down scroll
the dose grid's planes; the readout names the value under the mouse."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from rtreview.core.viewing import contours, slicing
from rtreview.core.viewing.slicing import Plane

pg.setConfigOptions(imageAxisOrder="row-major")  # images are (rows, columns), as in gui.slices


class _Box(pg.ViewBox):
    def __init__(self, owner: "MapView"):
        super().__init__(lockAspect=True, enableMenu=False, invertY=True)
        self._owner = owner

    def wheelEvent(self, ev, axis=None):
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        if delta:
            self._owner.step(1 if delta > 0 else -1)
        ev.accept()


class MapView(QtWidgets.QWidget):
    """``set_content(link, values, rgba_fn, what)``: ``values`` (nz, ny, nx) on ``link.dose``'s grid;
    ``rgba_fn(plane_values) -> RGBA``; ``what`` names the value in the readout (e.g. 'A - B (Gy)')."""

    plane_changed = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = pg.GraphicsView(background="k")
        self.box = _Box(self)
        self.canvas.setCentralItem(self.box)
        self.ct_item, self.map_item = pg.ImageItem(), pg.ImageItem()
        self.map_item.setZValue(1)
        self.box.addItem(self.ct_item)
        self.box.addItem(self.map_item)
        self.contour_items: list[pg.PlotCurveItem] = []
        self.caption = QtWidgets.QLabel("")
        self.readout = QtWidgets.QLabel("")
        self.readout.setStyleSheet("font-family: monospace;")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.valueChanged.connect(self._render)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.caption)
        row.addWidget(self.slider, 1)
        layout.addLayout(row)
        layout.addWidget(self.readout)
        self.link = None
        self.values = None
        self.rgba_fn = None
        self.what = ""
        self.canvas.scene().sigMouseMoved.connect(self._on_mouse)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)

    def set_content(self, link, values: np.ndarray | None, rgba_fn, what: str, index: int | None = None) -> None:
        first = self.link is not link
        self.link, self.values, self.rgba_fn, self.what = link, values, rgba_fn, what
        n = link.dose.dose_gy.shape[0] if link is not None else 1
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(n - 1, 0))
        if index is not None:
            self.slider.setValue(index)
        elif first:
            self.slider.setValue(self._busiest_plane())
        self.slider.blockSignals(False)
        self._render()
        if first:
            self.box.autoRange(padding=0.02)

    def _busiest_plane(self) -> int:
        if self.values is None:
            return 0
        finite = np.isfinite(self.values)
        weight = np.where(finite, np.abs(np.nan_to_num(self.values)), 0).sum(axis=(1, 2))
        return int(np.argmax(weight)) if weight.size else 0

    def step(self, n: int) -> None:
        self.slider.setValue(self.slider.value() + n)

    def keyPressEvent(self, ev):
        key = ev.key()
        if key in (QtCore.Qt.Key.Key_Up, QtCore.Qt.Key.Key_PageUp):
            self.step(1)
        elif key in (QtCore.Qt.Key.Key_Down, QtCore.Qt.Key.Key_PageDown):
            self.step(-1)
        else:
            super().keyPressEvent(ev)

    @property
    def index(self) -> int:
        return self.slider.value()

    def _render(self) -> None:
        link = self.link
        if link is None:
            self.ct_item.clear()
            self.map_item.clear()
            return
        dose = link.dose
        k = self.index
        z = float(dose.z_mm[k])
        if link.ct is not None:
            ct = link.ct
            ci = slicing.nearest_index(ct.z_mm, z)
            u, v = slicing.slice_axes(ct, Plane.AXIAL)
            self.ct_item.setImage(slicing.ct_slice(ct, Plane.AXIAL, ci), autoLevels=False, levels=(-160, 240))
            self.ct_item.setRect(QtCore.QRectF(*slicing.pixel_rect(u, v)))
        if self.values is not None:
            self.map_item.setImage(self.rgba_fn(self.values[k]), autoLevels=False, levels=None)
            self.map_item.setRect(QtCore.QRectF(*slicing.pixel_rect(dose.x_mm, dose.y_mm)))
        else:
            self.map_item.clear()
        self._contours(z)
        self.caption.setText(f"z {z:.1f} mm · plane {k + 1}/{dose.dose_gy.shape[0]}")
        self.plane_changed.emit(k)

    def _contours(self, z: float) -> None:
        lines = []
        ss = self.link.structure_set
        if ss is not None:
            dz = float(np.median(np.diff(self.link.dose.z_mm))) if self.link.dose.z_mm.size > 1 else 3.0
            for roi in ss.rois:
                if not roi.is_empty:
                    xs, ys = contours.axial_polylines(roi, z, dz / 2 + 1e-3)
                    if xs.size:
                        lines.append((roi.color_rgb, xs, ys))
        while len(self.contour_items) < len(lines):
            item = pg.PlotCurveItem(connect="finite")
            item.setZValue(3)
            self.box.addItem(item, ignoreBounds=True)
            self.contour_items.append(item)
        for i, item in enumerate(self.contour_items):
            if i < len(lines):
                rgb, xs, ys = lines[i]
                item.setPen(pg.mkPen(rgb, width=1.6))
                item.setData(xs, ys, connect="finite")
                item.setVisible(True)
            else:
                item.setVisible(False)

    def _on_mouse(self, scene_pos) -> None:
        if self.link is None or self.values is None:
            return
        p = self.box.mapSceneToView(scene_pos)
        dose = self.link.dose
        ix = slicing.nearest_index(dose.x_mm, p.x())
        iy = slicing.nearest_index(dose.y_mm, p.y())
        inside = dose.x_mm[0] - 1 <= p.x() <= dose.x_mm[-1] + 1 and dose.y_mm[0] - 1 <= p.y() <= dose.y_mm[-1] + 1
        value = self.values[self.index, iy, ix] if inside else np.nan
        text = "-" if not np.isfinite(value) else f"{value:.3f}"
        self.readout.setText(f"x {p.x():.1f}  y {p.y():.1f} mm   {self.what}: {text}")
