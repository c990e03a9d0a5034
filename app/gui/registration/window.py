"""RegistrationWindow: register a second CT onto the reference CT by hand, rigidly.

The moving CT is drawn over the fixed one (checkerboard or blend) with the fixed structures'
contours (solid) and the moving structures' contours moved with it (dashed). Move it with the
mouse (drag: translate in the view's plane; Shift+drag: rotate about the view's normal), the
keys (arrows: 1 mm, with Shift 5 mm; ',' and '.': -/+0.5 degree; PageUp/PageDown: slices) or
the numbers (translation mm, rotations about x, y, z in degrees, about the fixed CT's centre).
Reset returns to the identity. Save writes a new DICOM Spatial Registration (atomically, new
UIDs) beside the case file, never into an input folder, and the window's patient uses it at once
(rtreview.gui.registration.store). Maths: rtreview.core.viewing.manual_registration.
"""
from __future__ import annotations

import math
import os

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from rtreview.core.dicom.registration_writer import RegistrationSubject, write_registration
from rtreview.core.viewing import contours, slicing
from rtreview.core.viewing import manual_registration as mr
from rtreview.core.viewing.slicing import Plane

pg.setConfigOptions(imageAxisOrder="row-major")  # images are (rows, columns), as in gui.slices
from rtreview.gui.registration import store

PARAMS = (("tx", "x (mm)"), ("ty", "y (mm)"), ("tz", "z (mm)"), ("rx", "about x (°)"), ("ry", "about y (°)"),
          ("rz", "about z (°)"))


class _Box(pg.ViewBox):
    def __init__(self, owner: "RegistrationWindow"):
        super().__init__(lockAspect=True, enableMenu=False)
        self.owner = owner

    def wheelEvent(self, ev, axis=None):
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        if delta:
            self.owner.step_slice(1 if delta > 0 else -1)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        p, last = self.mapSceneToView(ev.scenePos()), self.mapSceneToView(ev.lastScenePos())
        if ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            c = self.viewRect().center()
            a0 = math.atan2(last.y() - c.y(), last.x() - c.x())
            a1 = math.atan2(p.y() - c.y(), p.x() - c.x())
            self.owner.nudge(dangle_deg=math.degrees(a1 - a0))
        else:
            self.owner.nudge(du_mm=p.x() - last.x(), dv_mm=p.y() - last.y())


class RegistrationWindow(QtWidgets.QMainWindow):
    saved = QtCore.Signal(str)  # path of the REG file written

    def __init__(self, case, patient, fixed_link, moving_link, case_file=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Manual registration: {moving_link.label} onto {fixed_link.label}")
        self.resize(1200, 900)
        self.case, self.patient, self.fixed, self.moving = case, patient, fixed_link, moving_link
        self.case_file = case_file
        self.fixed_frame = fixed_link.ct.frame_of_reference_uid
        self.moving_frame = moving_link.ct.frame_of_reference_uid
        self.center = mr.ct_center(fixed_link.ct)
        self.params = self._loaded_parameters()
        self.plane = Plane.AXIAL
        self.index = {p: slicing.slice_count(fixed_link.ct, p) // 2 for p in Plane}
        self._build()
        self._sync_spins()
        self.render()

    @classmethod
    def for_session(cls, session, timeline_view=None, parent=None):
        """A window for the selected plan's CT (fixed) and another CT of its patient (moving);
        None (after saying why) when the patient has no second CT on another frame."""
        case, link = session.case, session.link
        if case is None or link is None or link.ct is None:
            cls.tell(parent, "Load a patient with a CT first.")
            return None
        patient = next(p for p in case.patients if link in p.links)
        others = [x for x in patient.links if x.ct is not None
                  and x.ct.frame_of_reference_uid != link.ct.frame_of_reference_uid]
        if not others:
            cls.tell(parent, "Manual registration needs a second CT of this patient on another frame of reference "
                             "(e.g. the planning CT of a later course); the loaded plans share one CT.")
            return None
        case_file = timeline_view.case_path() if timeline_view is not None else None
        return cls(case, patient, link, others[0], case_file, parent)

    @staticmethod
    def tell(parent, text: str) -> None:
        QtWidgets.QMessageBox.information(parent, "Manual registration", text)

    def _loaded_parameters(self) -> mr.RigidParameters:
        try:
            mapping = self.patient.frame_links.mapping(self.moving_frame, self.fixed_frame)
        except LookupError:
            return mr.RigidParameters(center=self.center)
        return mr.RigidParameters.from_matrix(mapping.matrix, self.center)

    # --- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.canvas = pg.GraphicsView(background="k")
        self.box = _Box(self)
        self.canvas.setCentralItem(self.box)
        self.image = pg.ImageItem()
        self.box.addItem(self.image)
        self.fixed_lines: list[pg.PlotCurveItem] = []
        self.moving_lines: list[pg.PlotCurveItem] = []
        self.plane_box = QtWidgets.QComboBox()
        self.plane_box.addItems([p.value.capitalize() for p in Plane])
        self.plane_box.currentIndexChanged.connect(self._on_plane)
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(["Checkerboard", "Blend"])
        self.mode.currentIndexChanged.connect(self.render)
        self.weight = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.weight.setRange(0, 100)
        self.weight.setValue(50)
        self.weight.valueChanged.connect(self.render)
        self.spins: dict[str, QtWidgets.QDoubleSpinBox] = {}
        form = QtWidgets.QFormLayout()
        for name, label in PARAMS:
            spin = QtWidgets.QDoubleSpinBox()
            spin.setDecimals(2)
            spin.setRange(-500.0, 500.0) if name.startswith("t") else spin.setRange(-180.0, 180.0)
            spin.setSingleStep(1.0 if name.startswith("t") else 0.5)
            spin.valueChanged.connect(self._on_spin)
            self.spins[name] = spin
            form.addRow(("Move " if name.startswith("t") else "Rotate ") + label, spin)
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.clicked.connect(self.reset)
        self.save_button = QtWidgets.QPushButton("Save registration…")
        self.save_button.clicked.connect(self.ask_and_save)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.matrix_label = QtWidgets.QLabel("")
        self.matrix_label.setStyleSheet("font-family: monospace;")
        side = QtWidgets.QVBoxLayout()
        for label, w in (("View", self.plane_box), ("Overlay", self.mode), ("Blend", self.weight)):
            row = QtWidgets.QHBoxLayout()
            row.addWidget(QtWidgets.QLabel(label))
            row.addWidget(w, 1)
            side.addLayout(row)
        side.addLayout(form)
        side.addWidget(self.reset_button)
        side.addWidget(self.save_button)
        side.addWidget(QtWidgets.QLabel("Moving → reference matrix (mm):"))
        side.addWidget(self.matrix_label)
        help_text = QtWidgets.QLabel("Drag: move · Shift+drag: rotate · arrows: 1 mm (Shift: 5 mm) · , . : ∓0.5° · "
                                     "wheel / PageUp / PageDown: slices. Solid contours: "
                                     f"{self.fixed.label}; dashed: {self.moving.label}.")
        help_text.setWordWrap(True)
        side.addWidget(help_text)
        side.addWidget(self.status)
        side.addStretch(1)
        panel = QtWidgets.QWidget()
        panel.setLayout(side)
        panel.setMaximumWidth(340)
        central = QtWidgets.QWidget()
        layout = QtWidgets.QHBoxLayout(central)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(panel)
        self.setCentralWidget(central)
        self.canvas.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)

    # --- state ------------------------------------------------------------------------------
    def matrix(self) -> np.ndarray:
        """moving mm -> fixed mm, as saved."""
        return self.params.matrix()

    def set_parameters(self, params: mr.RigidParameters) -> None:
        self.params = params
        self._sync_spins()
        self.render()

    def nudge(self, du_mm: float = 0.0, dv_mm: float = 0.0, dangle_deg: float = 0.0) -> None:
        self.set_parameters(self.params.moved(self.plane, du_mm, dv_mm, dangle_deg))

    def reset(self) -> None:
        self.set_parameters(mr.RigidParameters(center=self.center))

    def step_slice(self, n: int) -> None:
        count = slicing.slice_count(self.fixed.ct, self.plane)
        self.index[self.plane] = int(np.clip(self.index[self.plane] + n, 0, count - 1))
        self.render()

    def _sync_spins(self) -> None:
        for name, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(getattr(self.params, name))
            spin.blockSignals(False)

    def _on_spin(self) -> None:
        values = {name: spin.value() for name, spin in self.spins.items()}
        self.params = mr.RigidParameters(**values, center=self.center)
        self.render()

    def _on_plane(self, i: int) -> None:
        self.plane = list(Plane)[i]
        self.render()
        self.box.autoRange(padding=0.02)

    def keyPressEvent(self, ev) -> None:
        step = 5.0 if ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier else 1.0
        k = QtCore.Qt.Key
        moves = {k.Key_Left: (-step, 0), k.Key_Right: (step, 0), k.Key_Up: (0, -step), k.Key_Down: (0, step)}
        if ev.key() in moves:
            self.nudge(*moves[ev.key()])
        elif ev.key() == k.Key_Comma:
            self.nudge(dangle_deg=-0.5)
        elif ev.key() == k.Key_Period:
            self.nudge(dangle_deg=0.5)
        elif ev.key() == k.Key_PageUp:
            self.step_slice(1)
        elif ev.key() == k.Key_PageDown:
            self.step_slice(-1)
        else:
            super().keyPressEvent(ev)

    # --- drawing ----------------------------------------------------------------------------
    def render(self) -> None:
        ct = self.fixed.ct
        plane, index = self.plane, self.index[self.plane]
        m = self.matrix()
        fixed = slicing.ct_slice(ct, plane, index).astype(np.float32)
        moving = mr.moving_slice(ct, self.moving.ct, m, plane, index)
        u, v = slicing.slice_axes(ct, plane)
        shown = (mr.checkerboard(fixed, moving, u, v) if self.mode.currentIndex() == 0
                 else mr.blend(fixed, moving, self.weight.value() / 100.0))
        self.shown = shown
        first = self.image.image is None
        self.image.setImage(shown, autoLevels=False, levels=(-200, 300))
        self.image.setRect(QtCore.QRectF(*slicing.pixel_rect(u, v)))
        self.box.invertY(plane is Plane.AXIAL)
        position = slicing.slice_position_mm(ct, plane, index)
        self._draw(self.fixed_lines, self._fixed_contours(position), QtCore.Qt.PenStyle.SolidLine)
        half = self._half_slice()
        lines = []
        if self.moving.structure_set is not None:
            for roi in self.moving.structure_set.rois:
                if not roi.is_empty:
                    us, vs = mr.moved_contours(roi, m, plane, position, half)
                    if us.size:
                        lines.append((roi.color_rgb, us, vs))
        self._draw(self.moving_lines, lines, QtCore.Qt.PenStyle.DashLine)
        self.matrix_label.setText("\n".join(" ".join(f"{x:9.3f}" for x in row) for row in m[:3]))
        if first:
            self.box.autoRange(padding=0.02)

    def _half_slice(self) -> float:
        ct = self.fixed.ct
        axis = {Plane.AXIAL: ct.z_mm, Plane.CORONAL: ct.y_mm, Plane.SAGITTAL: ct.x_mm}[self.plane]
        return float(np.median(np.diff(axis))) / 2 + 1e-3 if axis.size > 1 else 1.5

    def _fixed_contours(self, position: float) -> list:
        out = []
        ss = self.fixed.structure_set
        if ss is None:
            return out
        identity = np.eye(4)
        for roi in ss.rois:
            if roi.is_empty:
                continue
            if self.plane is Plane.AXIAL:
                xs, ys = contours.axial_polylines(roi, position, self._half_slice())
            else:
                xs, ys = mr.moved_contours(roi, identity, self.plane, position, self._half_slice())
            if xs.size:
                out.append((roi.color_rgb, xs, ys))
        return out

    def _draw(self, items: list, lines: list, style) -> None:
        while len(items) < len(lines):
            item = pg.PlotCurveItem(connect="finite")
            item.setZValue(3)
            self.box.addItem(item, ignoreBounds=True)
            items.append(item)
        for i, item in enumerate(items):
            if i < len(lines):
                rgb, xs, ys = lines[i]
                item.setPen(pg.mkPen(rgb, width=1.8, style=style))
                item.setData(xs, ys, connect="finite")
                item.setVisible(True)
            else:
                item.setVisible(False)

    # --- saving -----------------------------------------------------------------------------
    @classmethod
    def ask_path(cls, parent, suggested: str) -> str:
        """The file dialog (replaceable in tests)."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Save registration", suggested,
                                                        "DICOM registration (*.reg.dcm *.dcm)")
        return path

    def ask_and_save(self) -> str | None:
        path = store.default_path(self.case_file, self.patient.patient_id, self.moving.label, self.fixed.label,
                                  self.case)
        if path is None:
            suggested = os.path.join(os.path.expanduser("~"), f"{self.patient.patient_id}_registration.reg.dcm")
            chosen = self.ask_path(self, suggested)
            if not chosen:
                return None
            path = chosen
        return self.save(str(path))

    def save(self, path: str) -> str | None:
        """Write the REG to ``path`` (refused inside an input folder) and use it at once."""
        if store.is_inside_input(path, self.case):
            self.status.setText(f"Not saved: {os.path.dirname(path)} holds the loaded DICOM; input folders are "
                                "never written to. Choose another folder.")
            return None
        subject = RegistrationSubject(patient_id=self.patient.patient_id, patient_name=self.patient.name,
                                      patient_birth_date=self.patient.birth_date.replace("-", ""),
                                      study_instance_uid=self.fixed.ct.study_instance_uid,
                                      fixed_frame=self.fixed_frame, moving_frame=self.moving_frame)
        try:
            write_registration(path, subject, self.matrix(),
                               description=f"Manual rigid {self.moving.label} to {self.fixed.label} (rtreview)")
        except (OSError, ValueError) as exc:
            self.status.setText(f"Not saved: {exc}")
            return None
        _reg, message = store.attach(self.case, path)
        self.status.setText(f"Saved {path}. {message}.")
        self.saved.emit(path)
        return path
