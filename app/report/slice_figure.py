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
from rtreview.core.viewing.curve_styles import ISODOSE_DASH, isodose_palette
from rtreview.core.viewing.isodose import DEFAULT_LEVELS, IsodoseLevel, level_color
from rtreview.core.viewing.label_layout import layout_markers
from rtreview.core.viewing.slicing import Plane, ct_slice, native_dose_plane, slice_index_at
from rtreview.core.viewing.window_level import PRESETS

from .document import MUTED, Canvas

TARGET_TYPES = ("PTV", "CTV", "ITV", "GTV")
ISODOSE_LEVELS: tuple[IsodoseLevel, ...] = DEFAULT_LEVELS
SINGLE_SLICE_MM = 3.0  # the thickness assumed for a CT of one slice (no spacing to measure)


def isodose_colours(levels, rx_gy, structure_set) -> dict:
    """Level -> RGB: the conventional colours moved clear of the structure set's colours
    (``core.viewing.curve_styles.isodose_palette``), as the window draws them."""
    rois = structure_set.rois if structure_set is not None else []
    palette = isodose_palette([level_color(lv, rx_gy) for lv in levels], [r.color_rgb for r in rois])
    return dict(zip(levels, palette))


def dashed_pen(rgb, width: float) -> QtGui.QPen:
    pen = QtGui.QPen(QtGui.QColor(*rgb), width)
    pen.setDashPattern(list(ISODOSE_DASH))
    pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    return pen
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
    levels: tuple = ISODOSE_LEVELS  # IsodoseLevel (% Rx or Gy); the window passes its own

    def height(self, canvas: Canvas, width: float) -> float:
        return self.fixed_height if self._geometry()[4] else 3 * canvas.line_height(9.5, True) + 12

    def _geometry(self):
        """(target ROI or None, CT slice index, its z, the wanted z, whether the CT reaches it), mm.

        The target's largest cross-section among its planes the CT covers (within half a slice);
        when the CT covers none of them (a CT of one or a few slices elsewhere), ``reaches`` is
        False and no slice is drawn."""
        ct, ss = self.link.ct, self.link.structure_set
        half = 0.5 * (float(np.median(np.diff(ct.z_mm))) if ct.z_mm.size > 1 else SINGLE_SLICE_MM) + 1e-3
        lo, hi = float(ct.z_mm[0]) - half, float(ct.z_mm[-1]) + half
        roi = target_roi(ss, self.dvhs) if ss is not None else None
        if roi is not None:
            wanted = largest_plane_z(roi)
            inside = {z: polys for z, polys in roi.planes.items() if lo <= z <= hi}
            z = max(inside, key=lambda k: plane_area_mm2(inside[k])) if inside else wanted
        else:  # through the dose maximum
            k = int(np.unravel_index(np.argmax(self.link.dose.dose_gy), self.link.dose.dose_gy.shape)[0])
            z = wanted = float(self.link.dose.z_mm[k])
        index = slice_index_at(ct, Plane.AXIAL, z)
        return roi, index, float(ct.z_mm[index]), wanted, lo <= z <= hi

    def paint(self, canvas: Canvas, rect: QtCore.QRectF) -> None:
        p = canvas.painter
        ct, ss, dose = self.link.ct, self.link.structure_set, self.link.dose
        roi, index, z, wanted, reaches = self._geometry()
        wl = PRESETS["Abdomen"]
        through = f" through {roi.name} (largest cross-section)" if roi is not None else " through the dose maximum"
        if abs(z - wanted) > 1e-3 and roi is not None and reaches:
            through = f" through {roi.name} (its largest cross-section inside the CT)"
        if not reaches:
            what = f"{roi.name}'s largest cross-section" if roi is not None else "the dose maximum"
            n = ct.z_mm.size
            span = (f"z = {ct.z_mm[0]:.1f} mm" if n == 1 else f"z = {ct.z_mm[0]:.1f} … {ct.z_mm[-1]:.1f} mm")
            title_h = canvas.line_height(9.5, True) + 4
            canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), title_h), "Axial CT slice: not shown",
                        9.5, True)
            canvas.text(QtCore.QRectF(rect.left(), rect.top() + title_h, rect.width(), 3 * title_h),
                        f"The CT does not reach {what} (z = {wanted:.1f} mm): the CT series has {n} slice"
                        f"{'s' if n != 1 else ''} at {span}. No slice is drawn rather than one far from the "
                        "target.", 8.5, color=QtGui.QColor(160, 0, 0), wrap=True,
                        align=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
            return
        title_h = canvas.line_height(9.5, True) + 4
        canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), title_h),
                    f"Axial CT slice at z = {z:.1f} mm{through}", 9.5, True)
        area = QtCore.QRectF(rect.left(), rect.top() + title_h + 2, rect.width() - LEGEND_W - 12,
                             rect.height() - title_h - 4)
        tol = 0.5 * (float(np.median(np.diff(ct.z_mm))) if ct.z_mm.size > 1 else SINGLE_SLICE_MM) + 1e-3
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
        colours = isodose_colours(self.levels, rx, ss)
        iso, ends = [], []
        native = native_dose_plane(dose, ct, Plane.AXIAL, index)
        if native is not None:
            slab, du, dv = native
            for level in self.levels:
                gy = level.dose_gy(rx)
                if gy is None:
                    continue  # a % level without the prescription: "needs Rx" in the legend
                xs, ys = isolines_mm(slab, gy, du, dv)
                if xs.size and np.isfinite(xs).any():
                    p.strokePath(_path(xs, ys, to_px), dashed_pen(colours[level], 1.3))
                    iso.append(level)
                    right = int(np.nanargmax(xs))  # the label sits at the line's rightmost point
                    ends.append((level, *to_px(xs[right], ys[right])))
        drawn = []
        for r in (ss.rois if ss is not None else []):
            xs, ys = axial_polylines(r, z, tol)
            if xs.size:
                width = 1.0 if r.type.upper() == "EXTERNAL" else 1.6
                p.strokePath(_path(xs, ys, to_px), QtGui.QPen(QtGui.QColor(*r.color_rgb), width))
                drawn.append(r)
        self._label_isodoses(canvas, ends, colours, img_rect)
        p.restore()
        self._annotate(canvas, img_rect, scale, wl)
        self._legend(canvas, QtCore.QRectF(rect.right() - LEGEND_W, area.top(), LEGEND_W, area.height()),
                     iso, ref, bool(rx), drawn, colours)

    @staticmethod
    def _label_isodoses(canvas: Canvas, ends, colours, img_rect: QtCore.QRectF) -> None:
        """'95%' beside each line on the slice, placed so labels never cover each other."""
        if not ends:
            return
        texts = [str(level) for level, _x, _y in ends]
        sizes = [(canvas.width(t, 6.5, True) + 6, canvas.line_height(6.5, True)) for t in texts]
        bounds = (img_rect.left(), img_rect.top(), img_rect.width(), img_rect.height())
        placed = layout_markers([(float(x), float(y)) for _l, x, y in ends], 2.0, sizes, bounds)
        for (level, _x, _y), text, pl in zip(ends, texts, placed):
            x, y, w, h = pl.label
            canvas.painter.fillRect(QtCore.QRectF(x, y, w, h), QtGui.QColor(0, 0, 0, 150))
            canvas.text(QtCore.QRectF(x + 2, y, w - 2, h), text, 6.5, True, QtGui.QColor(*colours[level]))

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
    def _legend(canvas: Canvas, r: QtCore.QRectF, levels, ref_gy: float, is_rx: bool, rois, colours) -> None:
        p = canvas.painter
        lh = canvas.line_height(8) + 1
        y = r.top()
        canvas.text(QtCore.QRectF(r.left(), y, r.width(), lh), "Isodose lines (dashed)", 8, True)
        y += lh
        for level in levels:
            p.setPen(dashed_pen(colours[level], 1.6))
            p.drawLine(QtCore.QPointF(r.left(), y + lh / 2), QtCore.QPointF(r.left() + 18, y + lh / 2))
            gy = level.dose_gy(ref_gy or None)
            text = (f"{level.value:g}% Rx = {gy:.1f} Gy" if level.unit == "%" else
                    f"{level.value:g} Gy" + (f" = {100 * level.value / ref_gy:.0f}% Rx" if ref_gy else ""))
            canvas.text(QtCore.QRectF(r.left() + 21, y, r.width() - 21, lh), text, 8)
            y += lh
        if not is_rx and any(lv.needs_rx for lv in ISODOSE_LEVELS):
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
