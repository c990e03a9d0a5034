"""SlicePanel: axial (large), coronal and sagittal SliceViews of the selected dose link, with
window/level presets, dose wash and isodose controls, a legend and the cursor readout.

The three views share one crosshair position (x, y, z in mm); what each view draws is
computed here from rtreview.core.viewing (no dose arrays are kept beyond the current images).
"""
from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore, QtWidgets

from rtreview.core.dicom.dose_units import is_gy
from rtreview.core.viewing import captions, contours, isodose, slicing
from rtreview.core.viewing.slicing import Plane
from rtreview.core.viewing.window_level import DEFAULT_PRESET, PRESETS, WindowLevel

from rtreview.gui.session import ReviewSession
from rtreview.gui.slices.view import SliceView

# Where each plane's (u, v) live in (x, y, z) and which coordinate the plane fixes.
_UV = {Plane.AXIAL: ("x", "y", "z"), Plane.CORONAL: ("x", "z", "y"), Plane.SAGITTAL: ("y", "z", "x")}
_SECTION = {Plane.CORONAL: "y", Plane.SAGITTAL: "x"}


class SlicePanel(QtWidgets.QWidget):
    readout_changed = QtCore.Signal(str)

    def __init__(self, session: ReviewSession, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.views = {p: SliceView(p) for p in Plane}
        self.window = PRESETS[DEFAULT_PRESET]
        self.show_dose = True
        self.threshold_pct = 30.0
        self.opacity = 0.4
        self.levels_pct = list(isodose.DEFAULT_LEVELS_PCT)
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
        self.levels_edit = QtWidgets.QLineEdit(", ".join(f"{v:g}" for v in self.levels_pct))
        self.levels_edit.setToolTip("Isodose lines in % of prescription, e.g. 107, 100, 95, 50")
        self.levels_edit.setFixedWidth(150)
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
        self.legend = QtWidgets.QLabel()
        self.readout = QtWidgets.QLabel("Move the cursor over an image for position, HU and dose")
        self.readout.setStyleSheet("font-family: monospace;")
        self.readout.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        for label in (self.legend, self.readout):
            label.setMinimumWidth(10)
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
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
        legend_row.addWidget(self.levels_edit)
        legend_row.addWidget(self.legend, 1)
        layout.addLayout(legend_row)
        layout.addWidget(self.readout)
        for plane, view in self.views.items():
            view.hovered.connect(lambda u, v, p=plane: self._on_hover(p, u, v))
            view.clicked.connect(lambda u, v, p=plane: self.move_crosshair(p, u, v))
            view.scrolled.connect(lambda step, p=plane: self.scroll(p, step))
            view.window_dragged.connect(self._on_window_drag)
        self._show_legend()

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
            self.position = self._start_position(link)
        self.hint.setVisible(link is None)
        self._show_legend()
        self.render_all()

    def _on_prescription(self, _plan=None) -> None:
        self._show_legend()
        self.render_all()

    @staticmethod
    def _start_position(link) -> dict[str, float]:
        """Start at the dose maximum (inside the CT), where a reviewer looks first; without a dose
        at the centre of the targets' contours (else of all contours, else of the CT)."""
        ct = link.ct
        d = link.dose
        if d is not None:
            k, j, i = np.unravel_index(int(np.argmax(d.dose_gy)), d.dose_gy.shape) if d.dose_gy.size else (0, 0, 0)
            x, y, z = d.x_mm[i], d.y_mm[j], d.z_mm[k]
        else:
            x, y, z = (float(np.mean(a[[0, -1]])) for a in (ct.x_mm, ct.y_mm, ct.z_mm))
            rois = link.structure_set.rois if link.structure_set is not None else []
            drawn = [r for r in rois if r.planes and r.type.upper() != "EXTERNAL"]
            chosen = ([r for r in drawn if r.is_target] or drawn)[:1]  # the first target's centre
            if chosen:
                xy = np.concatenate([p for r in chosen for polys in r.planes.values() for p in polys])
                zs = np.concatenate([r.plane_z_mm for r in chosen])
                x, y, z = (float(np.mean([a.min(), a.max()])) for a in (xy[:, 0], xy[:, 1], zs))
        return {"x": float(np.clip(x, ct.x_mm[0], ct.x_mm[-1])),
                "y": float(np.clip(y, ct.y_mm[0], ct.y_mm[-1])),
                "z": float(np.clip(z, ct.z_mm[0], ct.z_mm[-1]))}

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

    def _on_threshold(self, value: int) -> None:
        self.threshold_pct = float(value)
        self.render_all()

    def _on_opacity(self, value: int) -> None:
        self.opacity = value / 100.0
        self.render_all()

    def _on_levels(self) -> None:
        try:
            self.levels_pct = isodose.parse_levels(self.levels_edit.text())
            self.levels_edit.setStyleSheet("")
            self.levels_edit.setToolTip("Isodose lines in % of prescription, e.g. 107, 100, 95, 50")
        except ValueError as exc:
            self.levels_edit.setStyleSheet("background: #5a2323;")
            self.levels_edit.setToolTip(f"Not understood: {exc}")
            return
        self._show_legend()
        self.render_all()

    def _show_legend(self) -> None:
        if self.session.link is None:
            self.legend.setText("")
            return
        if self.session.link.dose is None:
            self.legend.setText("no dose: no isodose lines")
            self.legend.setToolTip("")
            return
        rx = self.session.rx_gy
        # without a prescription the wash spans 0-110 % of the dose maximum; isodose lines need Rx
        self.threshold.setSuffix(" % Rx" if rx else " % max")
        if not rx:
            self.legend.setText("<span style='color: rgb(240,160,60)'>needs Rx: isodose lines are % of the "
                                "prescription, which is unknown — set it in the plan tree</span>")
            self.legend.setToolTip("Double-click the plan's prescription row in the plan tree to set it")
            return
        ref = f"% of Rx {rx:g} Gy"
        chips, tips = [], []
        for pct in self.levels_pct:
            r, g, b = isodose.isodose_color(pct)
            chips.append(f"<span style='color: rgb({r},{g},{b})'>■</span>&nbsp;{pct:g}")
            if rx:
                tips.append(f"{pct:g} % = {rx * pct / 100:.4g} Gy")
        self.legend.setText(" &nbsp;".join(chips) + f" &nbsp; ({ref})" if chips else "no isodose lines")
        self.legend.setToolTip("\n".join(tips))

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
        view.set_isodoses(self._isodose_lines(plane, index, ref_gy)
                          if self._resampler is not None and self.session.rx_gy else [])
        view.set_contours(self._contours(plane, ct), self.session.highlighted)
        view.set_points(self._points(plane, ct))
        cu, cv, fixed = _UV[plane]
        view.set_crosshair(self.position[cu], self.position[cv])
        view.set_caption(f"{plane.value.capitalize()}\n{fixed} {self.position[fixed]:.1f} mm · "
                         f"{index + 1}/{slicing.slice_count(ct, plane)}")
        self.render_ms[plane] = (time.perf_counter() - t0) * 1000

    def _isodose_lines(self, plane: Plane, index: int, ref_gy: float) -> list:
        native = slicing.native_dose_plane(self.session.link.dose, self.session.link.ct, plane, index)
        if native is None:
            return []
        dose, u, v = native
        return [(isodose.isodose_color(pct), *contours.isolines_mm(dose, ref_gy * pct / 100.0, u, v))
                for pct in self.levels_pct]

    def _contours(self, plane: Plane, ct) -> dict:
        out = {}
        dz = float(np.median(np.diff(ct.z_mm))) if ct.z_mm.size > 1 else 3.0
        for roi in self.session.rois:
            if roi.number not in self.session.visible or roi.is_empty:
                continue
            if plane is Plane.AXIAL:
                xs, ys = contours.axial_polylines(roi, self.position["z"], dz / 2 + 1e-3)
            else:
                edges = self._edges.get(roi.number)
                if edges is None:
                    edges = self._edges[roi.number] = contours.RoiEdges(roi)
                u, _v = slicing.slice_axes(ct, plane)
                xs, ys = edges.section_polylines(_SECTION[plane], self.position[_SECTION[plane]], u)
            out[roi.number] = (roi.color_rgb, xs, ys)
        return out

    def _points(self, plane: Plane, ct) -> list:
        """Visible POINT ROIs within half a voxel of this slice: (rgb, u, v, 'name: dose')."""
        cu, cv, fixed = _UV[plane]
        axis = {"x": ct.x_mm, "y": ct.y_mm, "z": ct.z_mm}[fixed]
        half = 0.5 * float(np.median(np.diff(axis))) if axis.size > 1 else 1.5
        doses = getattr(self.session.dvhs, "points", {})
        out = []
        for roi in self.session.rois:
            if roi.number not in self.session.visible or not roi.points_mm:
                continue
            known = {tuple(p.position_mm): p.dose_gy for p in doses.get(roi.number, [])}
            for point in roi.points_mm:
                p = dict(zip("xyz", point))
                if abs(p[fixed] - self.position[fixed]) > half + 1e-6:
                    continue
                dose_gy = known.get(tuple(float(v) for v in point))
                text = roi.name if len(roi.name) <= 32 else roi.name[:31] + "…"
                text += f": {dose_gy:.2f} Gy" if dose_gy is not None else ""
                out.append((roi.color_rgb, p[cu], p[cv], text))
        return out

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
