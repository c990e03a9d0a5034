"""An axial CT slice through the target with isodose lines and contours (via rtreview.core.viewing).

The slice is the target's largest cross-section (the PTV, else another target, else the
hottest structure). CT is a greyscale image (abdomen window); isodose lines and contours are
vector paths over it. Orientation as on a planning system: patient right on the left,
anterior at the top; a 5 cm scale bar.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui

from rtreview.core.dvh.compute import plane_area_mm2
from rtreview.core.viewing.contours import axial_polylines, isolines_mm
from rtreview.core.viewing.isodose import DEFAULT_LEVELS_PCT, isodose_color
from rtreview.core.viewing.slicing import Plane, ct_slice, native_dose_plane, slice_index_at
from rtreview.core.viewing.window_level import PRESETS

from .document import MUTED, Canvas

TARGET_TYPES = ("PTV", "CTV", "ITV", "GTV")
LEGEND_W = 170.0
MARGIN_MM = 15.0


def target_roi(structure_set, dvhs: dict):
    """The ROI to cut through: a PTV (highest mean dose), else any target, else the hottest ROI."""
    rois = [r for r in structure_set.rois if not r.is_empty and r.number in dvhs
            and dvhs[r.number].covered_volume_cc > 0]
    for types in (("PTV",), TARGET_TYPES):
        cands = [r for r in rois if r.type.upper() in types or r.name.upper().startswith(types)]
        if cands:
            return max(cands, key=lambda r: dvhs[r.number].mean_gy)
    rois = [r for r in rois if r.type.upper() != "EXTERNAL"]
    return max(rois, key=lambda r: dvhs[r.number].mean_gy) if rois else None


def largest_plane_z(roi) -> float:
    return max(roi.planes, key=lambda z: plane_area_mm2(roi.planes[z]))


def _path(xs: np.ndarray, ys: np.ndarray, to_px) -> QtGui.QPainterPath:
    """A path through (xs, ys) mm with NaN breaks."""
    path = QtGui.QPainterPath()
    pen_down = False
    px, py = to_px(xs, ys)
    for x, y in zip(px, py):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        if pen_down:
            path.lineTo(x, y)
        else:
            path.moveTo(x, y)
            pen_down = True
    return path


@dataclass
class SliceFigure:
    link: object  # DoseLink with ct, dose, structure_set
    dvhs: dict
    fixed_height: float = 275.0

    def height(self, canvas: Canvas, width: float) -> float:
        return self.fixed_height

    def _geometry(self):
        """(target ROI or None, CT slice index, its z, the wanted z) in mm."""
        ct, ss = self.link.ct, self.link.structure_set
        roi = target_roi(ss, self.dvhs) if ss is not None else None
        if roi is not None:
            z = largest_plane_z(roi)
        else:  # through the dose maximum
            k = int(np.unravel_index(np.argmax(self.link.dose.dose_gy), self.link.dose.dose_gy.shape)[0])
            z = float(self.link.dose.z_mm[k])
        index = slice_index_at(ct, Plane.AXIAL, z)
        return roi, index, float(ct.z_mm[index]), z

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        p = canvas.painter
        ct, ss, dose = self.link.ct, self.link.structure_set, self.link.dose
        roi, index, z, wanted = self._geometry()
        wl = PRESETS["Abdomen"]
        through = f" through {roi.name} (largest cross-section)" if roi is not None else " through the dose maximum"
        spacing = float(np.median(np.diff(ct.z_mm))) if ct.z_mm.size > 1 else 3.0
        warning = ""
        if abs(z - wanted) > 0.5 * spacing + 1e-3:  # the CT does not reach that plane: say so
            what = f"{roi.name}'s largest cross-section" if roi is not None else "the dose maximum"
            through = ", the CT slice nearest the target"
            warning = f"{what} is at z = {wanted:.1f} mm, outside the CT series"
        title_h = canvas.line_height(9.5, True) + 4
        canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), title_h),
                    f"Axial CT slice at z = {z:.1f} mm{through}", 9.5, True)
        if warning:
            note_h = canvas.line_height(8)
            canvas.text(QtCore.QRectF(rect.left(), rect.top() + title_h, rect.width(), note_h), warning, 8,
                        color=QtGui.QColor(160, 0, 0))
            title_h += note_h
        area = QtCore.QRectF(rect.left(), rect.top() + title_h + 2, rect.width() - LEGEND_W - 12,
                             rect.height() - title_h - 4)
        tol = 0.5 * (float(np.median(np.diff(ct.z_mm))) if ct.z_mm.size > 1 else 3.0) + 1e-3
        body = next((r for r in (ss.rois if ss is not None else []) if r.type.upper() == "EXTERNAL"), None)
        u0, u1, v0, v1 = float(ct.x_mm[0]), float(ct.x_mm[-1]), float(ct.y_mm[0]), float(ct.y_mm[-1])
        if body is not None:
            bx, by = axial_polylines(body, z, tol)
            if np.isfinite(bx).any():
                u0, u1 = max(u0, np.nanmin(bx) - MARGIN_MM), min(u1, np.nanmax(bx) + MARGIN_MM)
                v0, v1 = max(v0, np.nanmin(by) - MARGIN_MM), min(v1, np.nanmax(by) + MARGIN_MM)
        if u1 - u0 < 1.0 or v1 - v0 < 1.0:  # the outline missed the CT: show the whole slice
            u0, u1, v0, v1 = float(ct.x_mm[0]), float(ct.x_mm[-1]), float(ct.y_mm[0]), float(ct.y_mm[-1])
        if ct.x_mm.size < 2 or ct.y_mm.size < 2 or u1 - u0 < 1.0 or v1 - v0 < 1.0:
            canvas.text(area, "The CT slice is too small to show.", 8, color=MUTED)
            return
        scale = min(area.width() / (u1 - u0), area.height() / (v1 - v0))
        img_rect = QtCore.QRectF(area.left(), area.top(), (u1 - u0) * scale, (v1 - v0) * scale)

        def to_px(x, y):
            return (img_rect.left() + (np.asarray(x) - u0) * scale, img_rect.top() + (np.asarray(y) - v0) * scale)

        # CT: the pixels inside the view, windowed to 8-bit grey
        cols = np.flatnonzero((ct.x_mm >= u0) & (ct.x_mm <= u1))
        rows = np.flatnonzero((ct.y_mm >= v0) & (ct.y_mm <= v1))
        hu = ct_slice(ct, Plane.AXIAL, index)[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        lo, hi = wl.range_hu
        grey = np.ascontiguousarray(np.clip((hu - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8))
        image = QtGui.QImage(grey.data, grey.shape[1], grey.shape[0], grey.strides[0],
                             QtGui.QImage.Format.Format_Grayscale8).copy()
        dx, dy = float(np.diff(ct.x_mm[:2])[0]), float(np.diff(ct.y_mm[:2])[0])
        px0, py0 = to_px(ct.x_mm[cols[0]] - dx / 2, ct.y_mm[rows[0]] - dy / 2)
        p.save()
        p.setClipRect(img_rect)
        p.fillRect(img_rect, QtGui.QColor(0, 0, 0))
        p.drawImage(QtCore.QRectF(float(px0), float(py0), grey.shape[1] * dx * scale, grey.shape[0] * dy * scale),
                    image)
        rx = self.link.prescription_gy or None  # isodose levels are % of Rx: none drawn without it
        ref = rx or 0.0
        iso = []
        native = native_dose_plane(dose, ct, Plane.AXIAL, index)
        if native is not None and ref > 0:
            slab, du, dv = native
            for pct in DEFAULT_LEVELS_PCT:
                xs, ys = isolines_mm(slab, pct * ref / 100.0, du, dv)
                if xs.size:
                    p.strokePath(_path(xs, ys, to_px), QtGui.QPen(QtGui.QColor(*isodose_color(pct)), 1.4))
                    iso.append(pct)
        drawn = []
        for r in (ss.rois if ss is not None else []):
            xs, ys = axial_polylines(r, z, tol)
            if xs.size:
                width = 1.0 if r.type.upper() == "EXTERNAL" else 1.6
                p.strokePath(_path(xs, ys, to_px), QtGui.QPen(QtGui.QColor(*r.color_rgb), width))
                drawn.append(r)
        p.restore()
        self._annotate(canvas, img_rect, scale, wl)
        self._legend(canvas, QtCore.QRectF(rect.right() - LEGEND_W, area.top(), LEGEND_W, area.height()),
                     iso, ref, bool(rx), drawn)

    @staticmethod
    def _annotate(canvas: Canvas, r: QtCore.QRectF, scale: float, wl) -> None:
        white = QtGui.QColor(255, 255, 255)
        th = canvas.line_height(8, True)
        C = QtCore.Qt.AlignmentFlag.AlignCenter
        canvas.text(QtCore.QRectF(r.center().x() - 10, r.top() + 2, 20, th), "A", 8, True, white, C)
        canvas.text(QtCore.QRectF(r.center().x() - 10, r.bottom() - th - 2, 20, th), "P", 8, True, white, C)
        canvas.text(QtCore.QRectF(r.left() + 3, r.center().y() - th / 2, 14, th), "R", 8, True, white, C)
        canvas.text(QtCore.QRectF(r.right() - 17, r.center().y() - th / 2, 14, th), "L", 8, True, white, C)
        bar = 50.0 * scale  # 5 cm
        y = r.bottom() - 8
        canvas.painter.setPen(QtGui.QPen(white, 2.0))
        canvas.painter.drawLine(QtCore.QPointF(r.left() + 8, y), QtCore.QPointF(r.left() + 8 + bar, y))
        canvas.text(QtCore.QRectF(r.left() + 8, y - th - 1, max(bar, 40), th), "5 cm", 7.5, False, white)
        canvas.text(QtCore.QRectF(r.right() - 110, r.bottom() - th - 2, 106, th), str(wl), 7.5, False, white,
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)

    @staticmethod
    def _legend(canvas: Canvas, r: QtCore.QRectF, levels, ref_gy: float, is_rx: bool, rois) -> None:
        p = canvas.painter
        lh = canvas.line_height(8) + 1
        y = r.top()
        canvas.text(QtCore.QRectF(r.left(), y, r.width(), lh), "Isodose lines", 8, True)
        y += lh
        for pct in levels:
            p.setPen(QtGui.QPen(QtGui.QColor(*isodose_color(pct)), 2.4))
            p.drawLine(QtCore.QPointF(r.left(), y + lh / 2), QtCore.QPointF(r.left() + 16, y + lh / 2))
            canvas.text(QtCore.QRectF(r.left() + 21, y, r.width() - 21, lh),
                        f"{pct:g}% Rx = {pct * ref_gy / 100:.1f} Gy", 8)
            y += lh
        if not is_rx:
            canvas.text(QtCore.QRectF(r.left(), y, r.width(), 2 * lh), "needs Rx: the prescription is unknown",
                        8, color=MUTED)
            y += lh
        elif not levels:
            canvas.text(QtCore.QRectF(r.left(), y, r.width(), lh), "none on this slice", 8, color=MUTED)
            y += lh
        y += 6
        canvas.text(QtCore.QRectF(r.left(), y, r.width(), lh), "Contours on this slice", 8, True)
        y += lh
        room = int((r.bottom() - y) // lh)
        for roi in rois[:room]:
            p.setPen(QtGui.QPen(QtGui.QColor(*roi.color_rgb), 2.4))
            p.drawLine(QtCore.QPointF(r.left(), y + lh / 2), QtCore.QPointF(r.left() + 16, y + lh / 2))
            canvas.text(QtCore.QRectF(r.left() + 21, y, r.width() - 21, lh), roi.name, 8)
            y += lh
