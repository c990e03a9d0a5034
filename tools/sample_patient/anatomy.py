"""The synthetic abdomen-to-pelvis anatomy: analytic organs, their CT numbers, and the ROI table.

Organs are defined in a reference frame (mm, DICOM patient coordinates of a head-first-supine
patient: +x patient left, +y posterior, +z superior; z = 0 about the T12/L1 level) and scaled by
``Anatomy.scale`` about the origin, so a cohort generator can vary body size.

Painting order matters only for the background tissues: every contoured organ (``rois``) is
painted after them and the contoured organs do not overlap one another, except a GTV inside its
organ, so each ROI's voxels in the CT are exactly its analytic shape.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .shapes import Band, Loft, Profile, Shape, Torus, Union

# HU of tissues (before noise)
HU = dict(air=-1000, lung=-840, fat=-100, visceral_fat=-85, muscle=50, liver=60, tumour=35,
          kidney=30, spleen=48, blood=42, bowel=25, gas=-900, bladder=10, rectum=35,
          stomach=22, csf=15, cord=32, trabecular=290, cortical=750, lesion_bone=120,
          cartilage=70, couch=-450)


@dataclass(frozen=True)
class RoiDef:
    """One contoured structure: DICOM name, RTROIInterpretedType, display colour, shape."""

    name: str
    type: str
    color_rgb: tuple[int, int, int]
    shape: Shape


def _ell(center, axes, rot=0.0, profile=None, mirror=False):
    return Loft.ellipsoid(center, axes, rot, profile, mirror)


def _body_knots(inset_mm: float = 0.0):
    rows = [(32, 0, 0, 156, 118), (-20, 0, 0, 164, 121), (-120, 0, 0, 170, 122),
            (-200, 0, 0, 168, 120), (-260, 0, 2, 172, 118), (-320, 0, 3, 170, 116)]
    return [(z, cx, cy, a - inset_mm, b - inset_mm) for z, cx, cy, a, b in rows]


BODY_PROFILE = Profile([1.0, 0.99, 0.95, 0.99, 1.0, 1.0, 1.02, 1.0])
# Liver outline (mm from its centre) at 22.5-degree steps from +x (patient left) towards +y.
LIVER_PROFILE = Profile([80, 55, 42, 40, 58, 82, 90, 94, 97, 90, 80, 76, 78, 85, 105, 120])
# Kidney: bean with the hilum medial (profile written for the left kidney, mirrored for the right).
KIDNEY_PROFILE = Profile([1.0, 1.0, 1.0, 1.0, 0.72, 1.0, 1.0, 1.0])
SPLEEN_PROFILE = Profile([1.0, 1.05, 1.0, 0.85, 0.7, 0.85, 1.0, 1.05])


def _spine(z_top: float = 35.0, z_bottom: float = -188.0):
    """Vertebrae T11-L5: bodies with flat end plates (discs between) and their posterior arches
    (lamina ring around the canal, spinous and transverse processes), as bone shapes."""
    level, disc = 32.0, 7.0
    bones, z = [], z_top
    while z - (level - disc) >= z_bottom - 1:
        top, bottom = z, z - (level - disc)
        zc = (top + bottom) / 2
        cy = 44.0 + 0.0008 * (zc + 90.0) ** 2  # gentle lumbar lordosis: most anterior at L3
        a = 22.0 + 0.022 * (35.0 - zc)
        bones.append(Loft([(bottom, 0, cy, a, a * 0.78), (top, 0, cy, a, a * 0.78)],
                          cap_top_mm=2.5, cap_bottom_mm=2.5))
        ay = _canal_y(zc)
        # The arch sits a little lower than its body (the pedicles slope down).
        arch = [(bottom - 4, 0, ay, 16, 15), (top - 8, 0, ay, 16, 15)]
        bones.append(Loft(arch, cap_top_mm=3, cap_bottom_mm=3))
        bones.append(Loft([(bottom - 8, 0, ay + 24, 5, 14), (top - 10, 0, ay + 22, 5, 14)],
                          cap_top_mm=4, cap_bottom_mm=4))
        bones.append(Loft([(bottom + 2, 0, ay - 6, 40 + 0.1 * (35 - zc), 5), (top - 12, 0, ay - 6,
                           40 + 0.1 * (35 - zc), 5)], cap_top_mm=3, cap_bottom_mm=3))
        z -= level
    return bones


def _ribs():
    """Ribs 7-12 as chains of small bone ellipsoids just inside the body wall, each sloping
    down from the spine (posterior, higher) to the front; the lower ribs are shorter."""
    knots = np.array(_body_knots(20), dtype=float)
    pieces = []
    levels = [(40, 215), (18, 212), (-4, 205), (-26, 195), (-48, 160), (-70, 140)]
    for zp, reach in levels:  # reach: how far round (deg) from posterior the right rib goes
        for side in (1.0, -1.0):
            for phi_deg in np.arange(105.0, reach, 3.0):
                phi = np.radians(phi_deg)
                z = zp - 70.0 * (1.0 - np.sin(phi)) / 2.0
                a = np.interp(z, knots[::-1, 0], knots[::-1, 3])
                b = np.interp(z, knots[::-1, 0], knots[::-1, 4])
                r = float(BODY_PROFILE(np.array([phi]))[0])
                x, y = a * r * np.cos(phi), b * r * np.sin(phi)
                tangent = np.degrees(np.arctan2(b * np.cos(phi), -a * np.sin(phi)))
                pieces.append(_ell((side * x, y, z), (7.0, 4.0, 5.0), side * tangent if side > 0 else
                                   180.0 - tangent))
    return pieces


def _canal_y(z):
    return 44.0 + 0.0008 * (z + 90.0) ** 2 + 31.0


class Anatomy:
    """All shapes of one synthetic patient. ``scale`` multiplies every length."""

    def __init__(self, scale: float = 1.0):
        self.scale = float(scale)
        self.layers: list[tuple[Shape, str, float]] = []  # (shape, kind, HU) painted in order
        self.rois: list[RoiDef] = []
        self._build()

    # ---- construction ------------------------------------------------------------------
    def _layer(self, shape, hu, kind="fill"):
        self.layers.append((shape, kind, hu))
        return shape

    def _build(self):
        L = self._layer
        body = Loft(_body_knots(), BODY_PROFILE)
        L(body, HU["fat"])
        L(Loft(_body_knots(14), BODY_PROFILE), HU["muscle"])
        L(Loft(_body_knots(25), BODY_PROFILE), HU["visceral_fat"])
        # Lung bases (posterior costophrenic recesses) above the liver's lower half.
        for m in (False, True):
            L(Loft([(-30, 95, 62, 8, 6), (0, 98, 52, 38, 30), (35, 92, 30, 52, 52)], mirror_x=m,
                   cap_bottom_mm=12), HU["lung"])
        for rib in _ribs():
            L(rib, 0.0, "bone")
        # Heart apex above the left lobe, in the top slices (above the diaphragm).
        L(_ell((35, -25, 52), (75, 60, 45), -30), HU["blood"])
        # Posterior muscles: paraspinal, psoas, and gluteal / iliacus in the pelvis.
        for m in (False, True):
            L(Loft([(35, 36, 92, 24, 16), (-150, 38, 93, 30, 18), (-215, 30, 100, 22, 12)], mirror_x=m,
                   cap_bottom_mm=15), HU["muscle"])
            L(Loft([(-40, 30, 50, 6, 6), (-120, 42, 45, 18, 16), (-200, 55, 35, 24, 20),
                    (-250, 62, 15, 20, 18)], mirror_x=m, cap_top_mm=20, cap_bottom_mm=15), HU["muscle"])
            L(Loft([(-190, 105, 90, 30, 18, 30), (-250, 95, 85, 48, 30, 20), (-320, 92, 85, 55, 30, 10)],
                   mirror_x=m, cap_top_mm=20), HU["muscle"])
            L(Loft([(-250, 70, 20, 22, 12, -60), (-270, 85, 30, 10, 8)], mirror_x=m), HU["muscle"])
        # Pancreas (head near the duodenum, tail towards the splenic hilum).
        L(Loft([(-72, 25, 22, 58, 11, -18), (-52, 28, 20, 60, 12, -18)], cap_top_mm=8, cap_bottom_mm=8),
          40.0)
        # Great vessels: aorta (left of midline) bifurcating at L4, IVC (right).
        L(Loft([(35, 14, 22, 12, 12), (-160, 10, 18, 11, 11)]), HU["blood"])
        L(Loft([(35, -24, 28, 13, 11), (-165, -14, 22, 12, 11)]), HU["blood"])
        for m in (False, True):
            L(Loft([(-160, 8, 18, 8, 8), (-250, 60, 5, 7, 7)], mirror_x=m), HU["blood"])
        # Spleen (left, posterior), colon (ascending right, descending left) with some gas.
        L(Loft([(-70, 105, 55, 28, 42, -35), (-20, 100, 55, 36, 55, -35), (25, 90, 45, 25, 35, -35)],
               SPLEEN_PROFILE, cap_top_mm=20, cap_bottom_mm=20), HU["spleen"])
        L(_ell((-110, 10, -170), (22, 24, 60)), HU["bowel"])
        L(_ell((-108, 4, -160), (11, 10, 35)), HU["gas"])
        L(_ell((112, 18, -140), (18, 20, 55)), HU["bowel"])
        L(_ell((110, 12, -125), (8, 8, 25)), HU["gas"])
        # Bones that are not contoured: spine, sacrum, right ilium, acetabula, femoral necks, pubis.
        L(Loft([(35, 0, 44 + 0.0008 * 125 ** 2, 22, 17), (-90, 0, 44, 25, 19.5),
               (-190, 0, 44 + 0.0008 * 100 ** 2, 27, 21)]), 85.0)  # intervertebral discs
        for v in _spine():
            L(v, 0.0, "bone")
        L(Loft([(-190, 0, 80, 52, 24), (-230, 0, 92, 42, 20), (-270, 0, 100, 26, 14),
                (-300, 0, 104, 12, 9)], cap_bottom_mm=10), 0.0, "bone")  # sacrum / coccyx
        L(Loft([(z, 0, _canal_y(z), 9, 9) for z in (35, -190)] + [(-250, 0, 90, 6, 5)]), HU["csf"])
        L(Band(ILIUM_KNOTS, cap_top_mm=8, mirror_x=True), 0.0, "bone")
        for m in (False, True):
            L(Loft([(-297, 80, 8, 24, 24), (-282, 80, 8, 33, 33), (-247, 80, 8, 33, 33)], cap_top_mm=33,
                   mirror_x=m), 0.0, "bone")  # acetabulum (roof and walls; open below)
            L(_ell((92, 5, -282), (25.5, 25.5, 25.5), mirror=m), HU["cartilage"])
            L(Loft([(-290, 100, 8, 14, 14, -20), (-305, 118, 10, 18, 16), (-322, 128, 14, 16, 16)],
                   mirror_x=m), 0.0, "bone")  # femoral neck / trochanter
            L(Loft([(-295, 25, -50, 22, 9, 25), (-322, 22, -52, 24, 10, 25)], mirror_x=m), 0.0, "bone")
            L(Loft([(-292, 70, 50, 12, 18), (-322, 62, 55, 16, 20)], mirror_x=m), 0.0, "bone")
        # Colon (not contoured): transverse, sigmoid; with gas.
        L(_ell((-10, -62, -128), (95, 17, 16)), HU["bowel"])
        L(_ell((-40, -66, -128), (14, 8, 8)), HU["gas"])
        L(_ell((22, 35, -250), (22, 15, 13), -30), HU["bowel"])
        L(_ell((24, 33, -249), (7, 6, 5)), HU["gas"])

        gtv_liver = _ell((30, -45, -35), (30, 26, 28), rot=-20)
        ptv_liver = _ell((30, -45, -35), (37, 33, 35), rot=-20)
        gtv_ilium = _ell((97, 50, -238), (20, 16, 20), rot=30)
        ptv_ilium = _ell((97, 50, -238), (28, 24, 28), rot=30)
        bowel = Union(Torus((60, -35, -100), 32, 12, kx=1.2, ky=0.85),
                      _ell((62, -28, -228), (26, 20, 20), rot=-25))
        liver = Loft([(-118, -82, -8, 0.42, 0.42), (-100, -76, -12, 0.55, 0.52),
                      (-80, -64, -20, 0.74, 0.6), (-62, -48, -14, 0.94, 0.8),
                      (-20, -40, -5, 1.0, 1.0), (5, -44, 0, 0.92, 0.95), (22, -50, 2, 0.8, 0.85)],
                     LIVER_PROFILE, cap_top_mm=32, cap_bottom_mm=14)
        R = lambda *a: self.rois.append(RoiDef(*a))  # noqa: E731
        R("BODY", "EXTERNAL", (0, 220, 0), body)
        R("LIVER", "ORGAN", (170, 90, 40), liver)
        R("GTV_LIVER", "GTV", (255, 0, 0), gtv_liver)
        R("PTV_LIVER", "PTV", (0, 110, 255), ptv_liver)
        R("STOMACH", "ORGAN", (255, 140, 200), Loft(
            [(-78, 40, 5, 14, 12, -30), (-60, 55, 8, 30, 22, -30), (-35, 75, 20, 34, 26, -35),
             (-10, 80, 30, 30, 26, -40), (8, 70, 35, 22, 20, -40)], cap_top_mm=14, cap_bottom_mm=10))
        R("DUODENUM", "ORGAN", (255, 200, 120), Loft(
            [(-60, 12, 10, 20, 10), (-70, -14, 16, 15, 11), (-80, -34, 22, 12, 12), (-108, -38, 24, 12, 12),
             (-118, -26, 22, 22, 11), (-130, -4, 20, 32, 10)], cap_top_mm=6, cap_bottom_mm=6))
        R("KIDNEY_L", "ORGAN", (220, 160, 0), _ell((74, 62, -84), (27, 22, 52), 30, KIDNEY_PROFILE))
        R("KIDNEY_R", "ORGAN", (255, 210, 0), _ell((74, 64, -102), (27, 22, 52), 30, KIDNEY_PROFILE, True))
        R("SPINAL_CORD", "ORGAN", (255, 255, 0), Loft(
            [(z, 0, _canal_y(z) - 1, 5.5, 4.5) for z in (35, 0, -40)] + [(-76, 0, _canal_y(-76), 3.5, 3.5)],
            cap_bottom_mm=6))
        R("BOWEL_SMALL", "ORGAN", (190, 120, 60), bowel)
        R("ILIUM_L", "ORGAN", (235, 225, 190), Band(ILIUM_KNOTS, cap_top_mm=8))
        R("GTV_ILIUM", "GTV", (255, 40, 40), gtv_ilium)
        R("PTV_ILIUM", "PTV", (40, 160, 255), ptv_ilium)
        R("BLADDER", "ORGAN", (255, 255, 140), _ell((0, -22, -285), (42, 34, 30)))
        R("RECTUM", "ORGAN", (140, 70, 20), Loft(
            [(-258, 0, 72, 14, 10), (-280, 0, 66, 17, 14), (-300, 0, 62, 17, 15), (-322, 2, 58, 16, 14)],
            cap_top_mm=8))
        R("FEMUR_HEAD_L", "ORGAN", (0, 200, 200), _ell((92, 5, -282), (23, 23, 23)))
        R("FEMUR_HEAD_R", "ORGAN", (0, 160, 220), _ell((92, 5, -282), (23, 23, 23), mirror=True))
        R("CAUDA_EQUINA", "ORGAN", (255, 180, 0), Loft(
            [(-79, 0, _canal_y(-79), 4.0, 4.0), (-120, 0, _canal_y(-120), 6.5, 5.5),
             (-190, 0, _canal_y(-190), 6.5, 5.5), (-250, 0, 89, 3.5, 3.0)], cap_top_mm=4, cap_bottom_mm=6))
        # How each ROI is painted (ROIs not listed are only contours: BODY, PTVs).
        self.roi_paint = {"LIVER": (HU["liver"], "fill"), "GTV_LIVER": (HU["tumour"], "fill"),
                          "STOMACH": (HU["stomach"], "fill"), "DUODENUM": (HU["bowel"], "fill"),
                          "KIDNEY_L": (HU["kidney"], "fill"), "KIDNEY_R": (HU["kidney"], "fill"),
                          "SPINAL_CORD": (HU["cord"], "fill"), "BOWEL_SMALL": (HU["bowel"], "fill"),
                          "ILIUM_L": (0.0, "bone"), "GTV_ILIUM": (HU["lesion_bone"], "fill"),
                          "BLADDER": (HU["bladder"], "fill"), "RECTUM": (HU["rectum"], "fill"),
                          "FEMUR_HEAD_L": (0.0, "bone"), "FEMUR_HEAD_R": (0.0, "bone"),
                          "CAUDA_EQUINA": (HU["csf"] + 10, "fill")}
        # Gas inside hollow organs (painted last; inside the organ, so contours stay true).
        self.gas = [_ell((70, -2, -12), (14, 9, 12), -40),  # stomach air, non-dependent (anterior)
                    _ell((60 + 32 * 1.2, -35, -100), (6, 5, 5)), _ell((60, -35 - 32 * 0.85, -102), (6, 5, 5)),
                    _ell((66, -30, -225), (7, 6, 6)), _ell((0, 62, -300), (6, 5, 8))]

    # ---- queries -----------------------------------------------------------------------
    def roi(self, name: str) -> RoiDef:
        for r in self.rois:
            if r.name == name:
                return r
        raise KeyError(name)

    def depth(self, shape: Shape, z_mm: float, xs: np.ndarray, ys: np.ndarray):
        """``Shape.depth`` in patient mm of this (scaled) patient."""
        s = self.scale
        r = shape.depth(z_mm / s, xs / s, ys / s)
        if r is None:
            return None
        iy0, iy1, ix0, ix1, d = r
        return iy0, iy1, ix0, ix1, d * s

    def contours(self, shape: Shape, z_mm: float) -> list[np.ndarray]:
        return [c * self.scale for c in shape.contours(z_mm / self.scale)]

    def z_extent(self, shape: Shape) -> tuple[float, float]:
        return shape.z_min * self.scale, shape.z_max * self.scale

    def contains(self, name: str, x_mm: float, y_mm: float, z_mm: float) -> bool:
        s = self.scale
        return self.roi(name).shape.contains(x_mm / s, y_mm / s, z_mm / s)


# Iliac wing (left; mirrored for the right): (z, cx, cy, th0, th1, r0, r1, t0, t1) with th0 at
# the anterior superior spine and th1 at the sacro-iliac joint; it thickens towards the
# acetabulum roof.
ILIUM_KNOTS = [(-172, 22, 8, -18, 62, 112, 74, 6, 12), (-190, 22, 10, -16, 64, 110, 72, 9, 18),
               (-215, 28, 14, -8, 62, 96, 68, 11, 22), (-240, 36, 16, 2, 55, 80, 62, 16, 26),
               (-258, 48, 14, 5, 45, 52, 48, 26, 26)]
