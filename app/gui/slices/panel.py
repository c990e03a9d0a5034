"""SlicePanel: axial (large), coronal and sagittal SliceViews of the selected dose link, with
window/level presets, dose wash and isodose controls, a legend and the cursor readout.

The three views share one crosshair position (x, y, z in mm); what each view draws is
computed here from rtreview.core.viewing (no dose arrays are kept beyond the current images),
the structures' contours and points by ``structure_marks``.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore, QtWidgets

from rtreview.core.dicom.dose_units import is_gy
from rtreview.core.viewing import captions, contours, isodose, slicing
from rtreview.core.viewing.slicing import Plane
from rtreview.core.viewing.body_site import body_site_of
from rtreview.core.viewing.curve_styles import isodose_palette
from rtreview.core.viewing.first_view import start_position
from rtreview.core.viewing.window_level import DEFAULT_PRESET, PRESETS, SITE_PRESETS, WindowLevel

from rtreview.gui.session import ReviewSession
from rtreview.gui.slices.isodose_legend import legend_text
from rtreview.gui.slices.structure_marks import contour_lines, point_marks
from rtreview.gui.slices.view import SliceView

# Where each plane's (u, v) live in (x, y, z) and which coordinate the plane fixes.
_UV = {Plane.AXIAL: ("x", "y", "z"), Plane.CORONAL: ("x", "z", "y"), Plane.SAGITTAL: ("y", "z", "x")}
LEVELS_TIP = ("Isodose lines: % of the prescription, or Gy, e.g. 107, 100, 95, 50, 45 Gy (Enter applies; kept "
              "in your settings). Dashed, in colours kept clear of the structures'.")


class SlicePanel(QtWidgets.QWidget):
    readout_changed = QtCore.Signal(str)
    levels_changed = QtCore.Signal()  # the user's isodose levels (``levels``) changed
    preset_chosen = QtCore.Signal(str, str)  # (body site, W/L preset) the user picked for that site

    def __init__(self, session: ReviewSession, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.views = {p: SliceView(p) for p in Plane}
        self.window = PRESETS[DEFAULT_PRESET]
        self.show_dose = True
        self.show_isodoses = True
        self.show_contours = True
        self.active_plane = Plane.AXIAL  # the plane the slice shortcuts scroll (last clicked / Ctrl+1-3)
        self.threshold_pct = 30.0
        self.opacity = 0.4
        self.levels: list[isodose.IsodoseLevel] = list(isodose.DEFAULT_LEVELS)
        self.site: str | None = None  # body site of the plan on show (W/L preset per site)
        self.site_preset = lambda site: SITE_PRESETS.get(site or "", DEFAULT_PRESET)  # the window's settings
        self._palette_key = None
        self._palette: dict = {}
        self._setting_preset = False
        self.position = {"x": 0.0, "y": 0.0, "z": 0.0}
        self.last_readout: dict | None = None
        self.render_ms: dict[Plane, float] = {}
        self._resampler: slicing.DoseResampler | None = None
        self._edges: dict[int, contours.RoiEdges] = {}
        self._build()
        session.link_changed.connect(self._on_link)
        session.prescription_changed.connect(self._on_prescription)
        session.visibility_changed.connect(self.render_all)
        session.highlight_changed.connect(lambda n: self.show_point(n) or self.render_all())
        self.render_all()  # the empty state: no crosshair, the drop hint

    # --- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        bar = QtWidgets.QHBoxLayout()
        bar.setSpacing(6)
        self.preset = QtWidgets.QComboBox()
        self.preset.addItems(list(PRESETS))
        self.preset.setCurrentText(DEFAULT_PRESET)
        self.preset.setToolTip("CT window/level preset (right-drag on an image to adjust)")
        self.preset.currentTextChanged.connect(self._on_preset)
        self.preset.activated.connect(self._on_preset_chosen)  # the user's choice (not ours), remembered per site
        self.wl_label = QtWidgets.QLabel(str(self.window))
        self.dose_box = QtWidgets.QCheckBox("Dose wash ≥")
        self.dose_box.setChecked(True)
        self.dose_box.toggled.connect(self.set_show_dose)
        self.threshold = QtWidgets.QSpinBox()
        self.threshold.setRange(0, 150)
        self.threshold.setSuffix(" % Rx")
        self.threshold.setValue(int(self.threshold_pct))
        self.threshold.setToolTip("Dose below this % of the prescription is not coloured")
        self.threshold.valueChanged.connect(self._on_threshold)
        self.opacity_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(int(self.opacity * 100))
        self.opacity_slider.setFixedWidth(80)
        self.opacity_slider.setToolTip("Dose wash opacity")
        self.opacity_slider.valueChanged.connect(self._on_opacity)
        self.levels_edit = QtWidgets.QLineEdit(isodose.format_levels(self.levels))
        self.levels_edit.setToolTip(LEVELS_TIP)
        self.levels_edit.setMinimumWidth(205)
        self.levels_edit.editingFinished.connect(self._on_levels)
        for w in (self.preset, self.wl_label, _separator(), self.dose_box, self.threshold,
                  QtWidgets.QLabel("Opacity"), self.opacity_slider):
            bar.addWidget(w)
        bar.addStretch(1)
        side = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        side.addWidget(self.views[Plane.CORONAL])
        side.addWidget(self.views[Plane.SAGITTAL])
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.views[Plane.AXIAL])
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([540, 330])
        # the isodose legend sits in the axial view's lower right corner, one level a line, as on a
        # planning system (a row of chips beside the level field did not fit)
        self.legend = QtWidgets.QLabel(self.views[Plane.AXIAL])
        self.legend.setStyleSheet("color: #e8e8e8; background: rgba(0,0,0,150); padding: 2px 5px; font-size: 8pt;")
        self.legend.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignBottom)
        self.legend.setMaximumWidth(230)
        self.views[Plane.AXIAL].resized.connect(self._place_legend)
        self.readout = QtWidgets.QLabel("Move the cursor over an image for position, HU and dose")
        self.readout.setStyleSheet("font-family: monospace;")
        self.readout.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.legend.setWordWrap(True)
        self.readout.setMinimumWidth(10)
        self.readout.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.hint = QtWidgets.QLabel(
            "Drop DICOM RT files, folders or zip archives anywhere on this window\n"
            "(CT, RT Structure Set, RT Plan, RT Dose) — or use File ▸ Open.", self.views[Plane.AXIAL])
        self.hint.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color: #9aa4b0; font-size: 13px; background: transparent;")
        self.views[Plane.AXIAL].resized.connect(self._place_hint)
        legend_row = QtWidgets.QHBoxLayout()
        legend_row.addWidget(QtWidgets.QLabel("Isodoses"))
        legend_row.addWidget(self.levels_edit, 1)
        layout.addLayout(legend_row)
        layout.addWidget(self.readout)
        for plane, view in self.views.items():
            view.hovered.connect(lambda u, v, p=plane: self._on_hover(p, u, v))
            view.clicked.connect(lambda u, v, p=plane: self.move_crosshair(p, u, v))
            view.clicked.connect(lambda _u, _v, p=plane: setattr(self, "active_plane", p))
            view.scrolled.connect(lambda step, p=plane: self.scroll(p, step))
            view.window_dragged.connect(self._on_window_drag)
        self._show_legend()

    def _place_legend(self) -> None:
        view = self.views[Plane.AXIAL]
        self.legend.setVisible(bool(self.legend.text()) and self.show_isodoses)
        self.legend.adjustSize()
        self.legend.move(view.width() - self.legend.width() - 22, view.height() - self.legend.height() - 22)

    def _place_hint(self) -> None:
        view = self.views[Plane.AXIAL]
        self.hint.setGeometry(0, 0, view.width(), view.height())

    # --- state changes --------------------------------------------------------------------
    def _on_link(self) -> None:
        link = self.session.link
        self._edges = {}
        self._resampler = None
        if link is not None and link.ct is not None:
            if link.dose is not None:
                self._resampler = slicing.DoseResampler(link.dose, link.ct)
            self.position = start_position(link)
        site = body_site_of(link)
        if link is not None and site != self.site or self.session.case is not None and self.site is None:
            self.site = site
            self._setting_preset = True
            try:
                self.preset.setCurrentText(self.site_preset(site))
            finally:
                self._setting_preset = False
        self.hint.setVisible(link is None)
        self._show_legend()
        self.render_all()

    def _on_prescription(self, _plan=None) -> None:
        self._show_legend()
        self.render_all()

    def _on_preset_chosen(self, _index: int) -> None:
        if self.site and not self._setting_preset:
            self.preset_chosen.emit(self.site, self.preset.currentText())

    def _on_preset(self, name: str) -> None:
        self.set_window(PRESETS[name])

    def set_window(self, window: WindowLevel) -> None:
        self.window = window
        self.wl_label.setText(str(window))
        for view in self.views.values():
            view.set_levels(window.range_hu)

    def _on_window_drag(self, dx: float, dy: float) -> None:
        self.set_window(self.window.dragged(dx, dy))

    def set_show_dose(self, show: bool) -> None:
        self.show_dose = bool(show)
        if self.dose_box.isChecked() != self.show_dose:
            self.dose_box.setChecked(self.show_dose)
        self.render_all()

    def set_show_isodoses(self, show: bool) -> None:
        self.show_isodoses = bool(show)
        self._place_legend()
        self.render_all()

    def set_show_contours(self, show: bool) -> None:
        """Contours (and points) on or off in the image views; the structure list keeps its ticks."""
        self.show_contours = bool(show)
        self.render_all()

    def set_active_plane(self, plane: Plane) -> None:
        self.active_plane = Plane(plane)
        self.views[self.active_plane].setFocus()

    def _on_threshold(self, value: int) -> None:
        self.threshold_pct = float(value)
        self.render_all()

    def _on_opacity(self, value: int) -> None:
        self.opacity = value / 100.0
        self.render_all()

    @property
    def levels_pct(self) -> list[float]:
        """The % of Rx levels (the Gy ones are in ``levels``)."""
        return [lv.value for lv in self.levels if lv.unit == "%"]

    def set_levels(self, levels: list[isodose.IsodoseLevel]) -> None:
        self.levels = list(levels)
        self.levels_edit.setText(isodose.format_levels(self.levels))
        self.levels_edit.setCursorPosition(0)
        self.levels_edit.setStyleSheet("")
        self.levels_edit.setToolTip(LEVELS_TIP)
        self._show_legend()
        self.render_all()

    def _on_levels(self) -> None:
        try:
            levels = isodose.parse_level_spec(self.levels_edit.text())
        except ValueError as exc:
            self.levels_edit.setStyleSheet("background: #5a2323;")
            self.levels_edit.setToolTip(f"Not understood: {exc}")
            return
        changed = levels != self.levels
        self.set_levels(levels)
        if changed:
            self.levels_changed.emit()

    def isodose_colours(self) -> dict:
        """Level -> RGB: conventional colours moved clear of this structure set's colours
        (``core.viewing.curve_styles.isodose_palette``, cached per structure set and levels)."""
        rx = self.session.rx_gy
        key = (id(self.session.link.structure_set) if self.session.link is not None else None, tuple(self.levels), rx)
        if key != self._palette_key:
            base = [isodose.level_color(lv, rx) for lv in self.levels]
            palette = isodose_palette(base, [r.color_rgb for r in self.session.rois])
            self._palette, self._palette_key = dict(zip(self.levels, palette)), key
        return self._palette

    def _show_legend(self) -> None:
        if self.session.link is None:
            self.legend.setText("")
            self._place_legend()
            return
        if self.session.link.dose is None:
            self.legend.setText("no dose: no isodose lines")
            self.legend.setToolTip("")
            self._place_legend()
            return
        rx = self.session.rx_gy
        # without a prescription the wash spans 0-110 % of the dose maximum; % isodose lines need Rx
        self.threshold.setSuffix(" % Rx" if rx else " % max")
        text, tip = legend_text(self.levels, self.isodose_colours(), rx)
        self.legend.setText(text)
        self._place_legend()
        self.legend.setToolTip(tip)

    # --- navigation -------------------------------------------------------------------------
    def move_crosshair(self, plane: Plane, u_mm: float, v_mm: float) -> None:
        cu, cv, _fixed = _UV[plane]
        self.position[cu], self.position[cv] = u_mm, v_mm
        self.render_all()

    def scroll(self, plane: Plane, step: int) -> None:
        ct = self.session.link.ct if self.session.link is not None else None
        if ct is None:
            return
        fixed = _UV[plane][2]
        index = slicing.slice_index_at(ct, plane, self.position[fixed])
        index = int(np.clip(index + step, 0, slicing.slice_count(ct, plane) - 1))
        self.position[fixed] = slicing.slice_position_mm(ct, plane, index)
        self.render_all()

    def slice_index(self, plane: Plane) -> int:
        return slicing.slice_index_at(self.session.link.ct, plane, self.position[_UV[plane][2]])

    # --- rendering --------------------------------------------------------------------------
    def render_all(self) -> None:
        for plane in Plane:
            self.render(plane)

    def render(self, plane: Plane) -> None:
        t0 = time.perf_counter()
        view = self.views[plane]
        link = self.session.link
        if link is None or link.ct is None:
            view.set_ct(None, None, self.window.range_hu)
            view.set_dose(None)
            view.set_isodoses([])
            view.set_contours({})
            view.set_points([])
            view.set_caption("No CT" if link is not None else "")
            return
        ct = link.ct
        index = self.slice_index(plane)
        u, v = slicing.slice_axes(ct, plane)
        view.set_ct(slicing.ct_slice(ct, plane, index), slicing.pixel_rect(u, v), self.window.range_hu)
        ref_gy = self.session.rx_gy or (link.dose.max_gy if link.dose is not None else 0.0) or 1.0
        if self.show_dose and self._resampler is not None:
            dose = self._resampler.plane(plane, index)
            view.set_dose(isodose.colorwash_rgba(dose, ref_gy, self.threshold_pct, self.opacity))
        else:
            view.set_dose(None)
        view.set_isodoses(self._isodose_lines(plane, index)
                          if self._resampler is not None and self.show_isodoses else [])
        s = self.session
        view.set_contours(contour_lines(s.rois, s.visible, plane, ct, self.position, self._edges)
                          if self.show_contours else {}, s.highlighted)
        view.set_points(point_marks(s.rois, s.visible, getattr(s.dvhs, "points", {}), _UV[plane], ct, self.position)
                        if self.show_contours else [])
        cu, cv, fixed = _UV[plane]
        view.set_crosshair(self.position[cu], self.position[cv])
        view.set_caption(f"{plane.value.capitalize()}\n{fixed} {self.position[fixed]:.1f} mm · "
                         f"{index + 1}/{slicing.slice_count(ct, plane)}")
        self.render_ms[plane] = (time.perf_counter() - t0) * 1000

    def _isodose_lines(self, plane: Plane, index: int) -> list:
        """(rgb, xs, ys) per level with a dose (a % level needs the prescription)."""
        native = slicing.native_dose_plane(self.session.link.dose, self.session.link.ct, plane, index)
        if native is None:
            return []
        dose, u, v = native
        rx, colours = self.session.rx_gy, self.isodose_colours()
        return [(colours[lv], *contours.isolines_mm(dose, lv.dose_gy(rx), u, v))
                for lv in self.levels if lv.dose_gy(rx) is not None]

    def show_point(self, number: int) -> bool:
        """Move the crosshair onto POINT ROI ``number``'s first point (False if it is none)."""
        roi = next((r for r in self.session.rois if r.number == number), None)
        if roi is None or not roi.points_mm or roi.planes:
            return False
        self.position = dict(zip("xyz", (float(v) for v in roi.points_mm[0])))
        self.render_all()
        return True

    # --- readout ----------------------------------------------------------------------------
    def _on_hover(self, plane: Plane, u_mm: float, v_mm: float) -> None:
        link = self.session.link
        if link is None or link.ct is None:
            return
        cu, cv, fixed = _UV[plane]
        p = dict(self.position)
        p[cu], p[cv] = u_mm, v_mm
        hu = slicing.ct_at(link.ct, p["x"], p["y"], p["z"])
        dose = slicing.dose_at(link.dose, p["x"], p["y"], p["z"]) if link.dose is not None else None
        self.last_readout = {"x": p["x"], "y": p["y"], "z": p["z"], "hu": hu, "dose_gy": dose}
        text = captions.readout(p["x"], p["y"], p["z"], hu, dose, self.session.rx_gy,
                                relative=link.dose is not None and not is_gy(link.dose))
        self.readout.setText(text)
        self.readout_changed.emit(text)


def _separator() -> QtWidgets.QFrame:
    line = QtWidgets.QFrame()
    line.setFrameShape(QtWidgets.QFrame.Shape.VLine)
    line.setFrameShadow(QtWidgets.QFrame.Shadow.Sunken)
    return line
