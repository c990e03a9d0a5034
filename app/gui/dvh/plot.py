"""DvhPlot: the DVHs of the selected dose for the visible structures, in their colours.

Cumulative / differential, volume in cc or %, dose in Gy, % Rx or EQD2 (per-structure α/β
from the session). Curves are PlotDataItems created once per structure and updated with
setData; a crosshair reads dose and volume; hovering near a curve highlights its structure.
The legend beside the plot is a ``legend.DvhLegend``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from rtreview.core.dicom.dose_units import is_gy
from rtreview.core.viewing import captions, dvh_curves
from rtreview.core.viewing.constraint_rows import limit_point
from rtreview.core.viewing.curve_styles import curve_styles
from rtreview.core.viewing.dvh_curves import CurveKind, CurveSettings, DoseUnit, VolumeUnit

from rtreview.gui.dvh.curves import curve_pen, has_curve, style_order
from rtreview.gui.dvh.legend import DvhLegend
from rtreview.gui.dvh.limit import LimitOverlay
from rtreview.gui.session import ReviewSession

HOVER_PX = 6.0
EMPTY_TEXT = ("No DVHs yet.\nDrop DICOM RT files, folders or zip archives on this window\n"
              "(or File ▸ Open) — the DVHs appear here.")


class DvhPlot(QtWidgets.QWidget):
    def __init__(self, session: ReviewSession, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.settings = CurveSettings()
        self.kind = _combo([k.value for k in CurveKind], "Cumulative or differential DVH")
        self.volume_unit = _combo([u.value for u in VolumeUnit], "Volume in cc, or in % of the structure's volume inside the dose grid")
        self.dose_unit = _combo([u.value for u in DoseUnit], "Dose in Gy, % of prescription, or EQD2 "
                                "(α/β per structure, editable in the structure list)")
        self.volume_unit.setCurrentText(VolumeUnit.PCT.value)
        self.settings = CurveSettings(volume_unit=VolumeUnit.PCT)
        for combo in (self.kind, self.volume_unit, self.dose_unit):
            combo.currentTextChanged.connect(self._on_settings)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("#16181c")
        self.plot = self.canvas.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.18)
        self.legend = DvhLegend(self.canvas)  # a column right of the plot
        self.cross_v = pg.InfiniteLine(angle=90, pen=pg.mkPen((200, 200, 200, 120), style=QtCore.Qt.PenStyle.DotLine))
        self.cross_h = pg.InfiniteLine(angle=0, pen=pg.mkPen((200, 200, 200, 120), style=QtCore.Qt.PenStyle.DotLine))
        for line in (self.cross_v, self.cross_h):
            self.plot.addItem(line, ignoreBounds=True)
            line.setVisible(False)
        # the prescription, for reading coverage at a glance (not in EQD2: it depends on α/β)
        self.rx_line = pg.InfiniteLine(angle=90, pen=pg.mkPen((230, 230, 230, 150), width=1,
                                                              style=QtCore.Qt.PenStyle.DashLine),
                                       label="Rx", labelOpts={"position": 0.72, "color": (220, 220, 220),
                                                              "anchors": [(1, 0.5), (1, 0.5)]})
        self.plot.addItem(self.rx_line, ignoreBounds=True)
        self.rx_line.setVisible(False)
        self.limit = LimitOverlay(self.plot)  # a constraint's limit, shown from the constraints panel
        self._constraint = None  # (result, dvh, composite) of the limit on show
        self._placing = False  # show_constraint is switching the units itself
        # one line under the plot, always there (so the plot never changes height as the DVHs come
        # in), elided to the width; the whole text is its tooltip
        self.message = QtWidgets.QLabel("")
        self.message.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.message.setFixedHeight(self.message.fontMetrics().height() + 4)  # warning or 8 pt note alike
        self._message_text = ""
        self.readout = QtWidgets.QLabel("")
        self.readout.setStyleSheet("font-family: monospace;")
        self.curves: dict[int, pg.PlotDataItem] = {}
        self._styles: dict = {}  # ROI number -> CurveStyle (close colours told apart by line style)
        self._styles_key = None
        self._drawn: dict[int, tuple] = {}  # what each curve item shows (skip unchanged ones)
        self._structure_set = None
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("DVH"))
        for w in (self.kind, self.volume_unit, self.dose_unit):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.readout)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        # nothing loaded: a short hint over the plot instead of empty 0-1 axes
        self.empty = QtWidgets.QLabel(EMPTY_TEXT, self.canvas)
        self.empty.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #9aa4b0; font-size: 13px; background: #16181c;")
        self.canvas.installEventFilter(self)
        session.case_changed.connect(self._show_empty)
        layout.addWidget(self.message)
        self.canvas.scene().sigMouseMoved.connect(self._on_mouse_moved)
        session.link_changed.connect(self._on_link)
        session.dvhs_changed.connect(self.refresh)
        session.visibility_changed.connect(self.refresh)
        session.alpha_beta_changed.connect(self.refresh)
        session.highlight_changed.connect(self._show_highlight)
        self._apply_labels()
        self._frame()
        self._show_empty()

    # --- the empty state -----------------------------------------------------------------
    def overlay_text(self) -> str:
        """What covers the plot instead of axes that are not set yet ('' = the plot shows): nothing
        loaded, a case whose plan is not selected yet, or DVHs still computing with no curve to
        draw (the axes would read 0-1 until the first curve arrives)."""
        s = self.session
        if s.case is None or not s.case.patients:
            return EMPTY_TEXT
        if s.link is None:
            return "Loading…"
        if s.link.dose is not None and s.link.structure_set is not None and not s.has_dvhs(s.link) \
                and not any(item.isVisible() for item in self.curves.values()):
            return f"Computing the DVHs of {s.link.label}…"
        return ""

    def _show_empty(self) -> None:
        text = self.overlay_text()
        if text and text != self.empty.text():
            self.empty.setText(text)
        self.empty.setVisible(bool(text))
        self.empty.setGeometry(self.canvas.rect())
        self.empty.raise_()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.canvas and event.type() == QtCore.QEvent.Type.Resize:
            self.empty.setGeometry(self.canvas.rect())
        return False

    # --- updates -------------------------------------------------------------------------
    def _on_settings(self) -> None:
        shown = self._constraint
        self.limit.clear()  # drawn in the old units
        self.settings = CurveSettings(CurveKind(self.kind.currentText()), DoseUnit(self.dose_unit.currentText()),
                                      VolumeUnit(self.volume_unit.currentText()))
        self._apply_labels()
        self.refresh()
        self._frame()
        # redraw the limit in the new units where it still means something (cumulative; EQD2 for a composite)
        if shown is not None and not self._placing and self.settings.kind is CurveKind.CUMULATIVE \
                and (not shown[2] or self.settings.dose_unit is DoseUnit.EQD2):
            self.show_constraint(*shown)
        else:
            self._constraint = None

    def _apply_labels(self, relative: bool = False) -> None:
        dose, volume = self.settings.axis_labels(relative)
        self.plot.setLabel("bottom", dose)
        self.plot.setLabel("left", volume)

    def _on_link(self) -> None:
        link = self.session.link
        self.limit.clear()
        self._constraint = None
        structure_set = link.structure_set if link is not None else None
        self._frame()
        if structure_set is self._structure_set:  # same structures (e.g. two plans on one RS): setData only
            self.refresh()
            return
        self._structure_set = structure_set
        # another structure set may use the same ROI numbers for other organs: start afresh
        self.legend.show_entries([])
        for number in list(self.curves):
            self.plot.removeItem(self.curves.pop(number))
        self._drawn = {}
        self._reserve_legend()
        self.refresh()

    def _frame(self) -> None:
        """Set the axes for the selected dose before its curves arrive, so they do not jump while
        the DVHs come in one by one: dose from 0 to the grid's maximum (Gy or % Rx), volume 0-100 %
        (cumulative); what cannot be known beforehand (cc, differential, EQD2) fits the curves."""
        link, box = self.session.link, self.plot.getViewBox()
        has_dose = link is not None and link.dose is not None
        for axis in ("left", "bottom"):  # no dose yet: an empty panel, not axes of nothing (0-1 "Gy")
            self.plot.showAxis(axis, has_dose)
        if not has_dose:
            return
        top = link.dose.max_gy
        rx = self.session.rx_gy
        unit = self.settings.dose_unit
        if not is_gy(link.dose):  # RELATIVE dose: curves in % of the file's unstated reference
            x_max = 100.0 * top if unit is DoseUnit.GY else None
        else:
            x_max = top if unit is DoseUnit.GY else 100.0 * top / rx if unit is DoseUnit.PCT_RX and rx else None
        if x_max:
            box.setXRange(0.0, x_max)  # (the padding autorange would add)
        else:
            box.enableAutoRange(x=True)
        if self.settings.kind is CurveKind.CUMULATIVE and self.settings.volume_unit is VolumeUnit.PCT:
            box.setYRange(0.0, 100.0)
        else:
            box.enableAutoRange(y=True)

    def _reserve_legend(self) -> None:
        """Give the legend column, from the start, the width its entries will need (the visible
        structures' names): the plot does not shrink as curves arrive."""
        names = [r.name for r in self.session.rois if r.number in self.session.visible and not r.is_empty]
        self.legend.reserve(names, self.font())

    def refresh(self) -> None:
        """Bring the curves in line with the session (setData on existing items)."""
        s = self.session
        relative = s.link is not None and s.link.dose is not None and not is_gy(s.link.dose)
        self._apply_labels(relative)
        why = dvh_curves.can_show(self.settings, s.rx_gy, s.fractions, relative)
        dvhs = s.dvhs if not why else {}
        if s.link is not None and s.link.dose is None:
            self._say(captions.no_dose_text(s.link))
        elif why:
            self._say(f"⚠ {why}")
        elif s.link is not None and not dvhs:
            self._say("DVHs are being computed…" if s.link.structure_set is not None
                      else "No structure set linked to this dose: no DVHs")
        else:
            outside = [d.name for n, d in dvhs.items() if n in s.visible and not has_curve(d)]
            notes = [f"Outside the dose grid (no DVH): {', '.join(outside)}"] if outside else []
            if self.settings.dose_unit is DoseUnit.EQD2:
                notes += [n for n in [dvh_curves.eqd2_groups_note(s.link)] if n]
            self._say("  ·  ".join(notes), note=True)
        self._show_rx_line()
        order = {r.number: i for i, r in enumerate(s.rois)}
        self._update_styles(dvhs, order)
        legend = []
        for number in sorted(dvhs, key=lambda n: order.get(n, n)):
            dvh = dvhs[number]
            item = self.curves.get(number)
            if item is None:
                item = self.curves[number] = pg.PlotDataItem(antialias=True)
                self.plot.addItem(item)
            key = (id(dvh), self.settings, s.rx_gy, s.fractions, s.alpha_beta_gy.get(number), relative,
                   number == s.highlighted, self._styles.get(number))
            if self._drawn.get(number) != key:  # (DVHs arrive one by one: the others are drawn already)
                x, y = dvh_curves.curve(dvh, self.settings, s.rx_gy, s.fractions,
                                        s.alpha_beta_gy.get(number, dvh_curves.DEFAULT_ALPHA_BETA_OAR_GY),
                                        100.0 if relative else 1.0)
                item.setData(x, y)
                item.setPen(curve_pen(dvh, number == s.highlighted, self._styles.get(number)))
                self._drawn[number] = key
            visible = number in s.visible
            item.setVisible(visible)
            if visible and has_curve(dvh):
                legend.append((number, item, dvh.name))
        for number, item in self.curves.items():
            if number not in dvhs:
                item.setVisible(False)
        self.legend.show_entries(legend)
        self._show_empty()

    def _update_styles(self, dvhs: dict, order: dict) -> None:
        """Line styles for this plan's curves: the structure colours, close ones (CIEDE2000, see
        ``core.viewing.curve_styles``) dashed or dotted; targets first, then structure order.
        Fixed for a plan (hiding a curve does not restyle the others)."""
        key = style_order(dvhs, order)
        if key != self._styles_key:
            self._styles = curve_styles(list(key))
            self._styles_key = key

    def curve_style(self, number: int):
        """The CurveStyle of a structure's curve (tests)."""
        return self._styles.get(number)

    def _say(self, text: str, note: bool = False) -> None:
        """A warning under the plot, or (``note``) a small muted remark; empty: nothing to say."""
        self.message.setStyleSheet("color: #9aa0ad; font-size: 8pt;" if note else "")
        self._message_text = text
        self.message.setToolTip(text)
        self._elide_message()

    def _elide_message(self) -> None:
        width = max(self.message.width() - 4, 40)
        self.message.setText(self.message.fontMetrics().elidedText(
            self._message_text, QtCore.Qt.TextElideMode.ElideRight, width))

    def message_text(self) -> str:
        """The whole message under the plot (the label may show it elided)."""
        return self._message_text

    def legend_names(self) -> list[str]:
        """The legend's entries, top to bottom then left to right (tests)."""
        return self.legend.names()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.legend.fit()
        self._elide_message()

    def _show_rx_line(self) -> None:
        rx = self.session.rx_gy
        link = self.session.link
        relative = link is not None and link.dose is not None and not is_gy(link.dose)
        if not rx or relative or self.settings.dose_unit is DoseUnit.EQD2 or not self.session.dvhs:
            self.rx_line.setVisible(False)
            return
        at = 100.0 if self.settings.dose_unit is DoseUnit.PCT_RX else rx
        self.rx_line.setVisible(True)  # first: a hidden label ignores format changes
        self.rx_line.setValue(at)
        self.rx_line.label.setFormat(f"Rx {rx:g} Gy ")

    def _show_highlight(self, number: int) -> None:
        for n, item in self.curves.items():
            dvh = self.session.dvhs.get(n)
            if dvh is not None:
                item.setPen(curve_pen(dvh, n == number, self._styles.get(n)))

    # --- constraint limits ----------------------------------------------------------------
    def show_constraint(self, result, dvh=None, composite: bool = False) -> None:
        """Show ``result``'s structure (highlighted, or ``dvh`` dashed when its curve is not on the
        plot: a derived structure, a composite EQD2 DVH) with the limit drawn. Limits sit on
        cumulative DVHs, and a composite's in EQD2: the plot switches to those when needed."""
        s = self.session
        self._placing = True
        try:
            if self.settings.kind is not CurveKind.CUMULATIVE:
                self.kind.setCurrentText(CurveKind.CUMULATIVE.value)
            if composite and self.settings.dose_unit is not DoseUnit.EQD2 and s.fractions:
                self.dose_unit.setCurrentText(DoseUnit.EQD2.value)
        finally:
            self._placing = False
        self._constraint = (result, dvh, composite)
        number = next((r.number for r in s.rois if r.name == result.roi_name), None)
        curve_xy, name = None, ""
        if number is not None and number in s.dvhs and not composite:
            s.set_roi_visible(number, True)
            s.set_highlighted(number)  # curve and limit share the structure's one α/β
        elif dvh is not None:
            plain = CurveSettings(CurveKind.CUMULATIVE, DoseUnit.GY, self.settings.volume_unit)
            curve_xy = dvh_curves.curve(dvh, plain if composite else self.settings, s.rx_gy, s.fractions,
                                        result.alpha_beta_gy)
            name = "composite EQD2 DVH, dashed" if composite else "evaluated DVH, dashed"
        covered = getattr(dvh, "covered_volume_cc", None) or (s.dvhs[number].covered_volume_cc
                                                              if number in s.dvhs else None)
        point = limit_point(result, self.settings, s.rx_gy, s.fractions, covered, dose_is_eqd2=composite)
        rgb = tuple(dvh.color_rgb) if dvh is not None and getattr(dvh, "color_rgb", None) else (230, 230, 230)
        self.limit.show(result, point, curve_xy, rgb, name)

    # --- crosshair and hover -----------------------------------------------------------
    def _on_mouse_moved(self, scene_pos) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            for line in (self.cross_v, self.cross_h):
                line.setVisible(False)
            self.readout.setText("")
            return
        p = vb.mapSceneToView(scene_pos)
        self.cross_v.setValue(p.x())
        self.cross_h.setValue(p.y())
        for line in (self.cross_v, self.cross_h):
            line.setVisible(True)
        dose, volume = self.settings.axis_labels()
        self.readout.setText(f"{dose.split(' (')[0]} {p.x():.2f}   {volume.split(' (')[0]} {p.y():.2f}")
        number = self.curve_near(scene_pos)
        if number is not None:
            self.session.set_highlighted(number)
            name = self.session.dvhs[number].name
            self.readout.setText(self.readout.text() + f"   ▸ {name}")

    def curve_near(self, scene_pos) -> int | None:
        """The visible curve passing within HOVER_PX (screen) of ``scene_pos``, if any."""
        vb = self.plot.getViewBox()
        p = vb.mapSceneToView(scene_pos)
        px_per_y = abs(vb.mapViewToScene(QtCore.QPointF(0, 0)).y() - vb.mapViewToScene(QtCore.QPointF(0, 1)).y())
        best, best_px = None, HOVER_PX
        for number, item in self.curves.items():
            dvh = self.session.dvhs.get(number)
            if not item.isVisible() or dvh is None or not has_curve(dvh):
                continue
            x, y = item.xData, item.yData
            if x is None or x.size < 2 or not (x[0] <= p.x() <= x[-1]):
                continue
            distance_px = abs(float(np.interp(p.x(), x, y)) - p.y()) * px_per_y
            if distance_px < best_px:
                best, best_px = number, distance_px
        return best

    def visible_curve_data(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """``{roi_number: (x, y)}`` as plotted, for visible curves (tests, export)."""
        return {n: (item.xData, item.yData) for n, item in self.curves.items() if item.isVisible()}


def _combo(items: list[str], tip: str) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    combo.addItems(items)
    combo.setToolTip(tip)
    return combo
