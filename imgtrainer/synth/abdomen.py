"""Abdominal scenes: FAST upper quadrants (liver or spleen over the kidney), pelvis (bladder), and
the gastric antrum (empty, clear fluid, solid) in the sagittal epigastric plane. Each returns
frames and a ``SceneTruth`` (fluid outline, antrum outline and CSA, in pixels and cm)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from imgtrainer.synth.phantom import EchoMap
from imgtrainer.synth.probe import Probe
from imgtrainer.synth.scene import (
    Layer,
    SceneTruth,
    breathing,
    ellipse_pts,
    organ_texture,
    render_scene,
    to_px,
    wobble,
)


def abdominal_probe(depth_cm: float = 16.0) -> Probe:
    return Probe("convex", depth_cm, 3.5, depth_cm * 0.5, radius_cm=5.0, sector_deg=68, n_beams=256)


def body_wall(pr: Probe, rng: np.random.Generator, background: float = 0.9, wall_cm: float = 1.6) -> EchoMap:
    em = EchoMap(pr, background=background)
    em.band(-5, 0.15, 2.0)
    em.band(0.15, wall_cm * 0.45, 0.35)
    em.band(wall_cm * 0.45, wall_cm, 0.75)
    em.polyline([(-30, wall_cm * 0.45), (30, wall_cm * 0.45)], 0.04, 4.0)
    em.polyline([(-30, wall_cm), (30, wall_cm)], 0.06, 6.0)
    return em


def _vessels(em: EchoMap, rng: np.random.Generator, box: tuple[float, float, float, float], n: int) -> None:
    x0, x1, z0, z1 = box
    for _ in range(n):
        cx, cz = rng.uniform(x0, x1), rng.uniform(z0, z1)
        ax = rng.uniform(0.12, 0.5)
        em.ellipse(cx, cz, ax, ax * rng.uniform(0.5, 1.0), 0.006, rng.uniform(0, 180))
        em.ring(cx, cz, ax, ax * 0.8, 0.04, 2.5)


def _kidney(em: EchoMap, cx: float, cz: float, ax: float, az: float, ang: float, wob: np.ndarray) -> None:
    def outline(dx: float, dz: float) -> list[tuple[float, float]]:
        return [tuple(p) for p in ellipse_pts(cx, cz, ax + dx, az + dz, 72, ang, wob)]

    em.polygon(outline(0.3, 0.3), 2.0)  # perirenal fat
    em.polygon(outline(0.0, 0.0), 0.45)  # cortex
    for k in range(5):
        t = -0.7 + 0.35 * k
        a = np.deg2rad(ang)
        px, pz = cx + ax * 0.55 * t * np.cos(a), cz + ax * 0.55 * t * np.sin(a)
        em.ellipse(px, pz, 0.45, 0.55, 0.15, ang)  # medullary pyramids
    em.ellipse(cx, cz, ax * 0.62, az * 0.38, 3.5, ang)  # sinus fat
    em.polyline([*outline(0.0, 0.0), outline(0.0, 0.0)[0]], 0.06, 5.0)  # capsule


def render_upper_quadrant(
    side: Literal["right", "left"],
    fluid_cm: float,
    seed: int,
    n_frames: int = 24,
    fps: float = 20.0,
    sites: tuple[str, ...] = ("renal",),
    clot: bool = False,
    laceration: bool = False,
    pleural_cm: float = 0.0,
) -> tuple[np.ndarray, SceneTruth]:
    """RUQ (liver / Morison's pouch) or LUQ (spleen / splenorenal) with optional free fluid.

    ``sites``: where the fluid lies ("renal": hepatorenal or splenorenal; "tip": the caudal liver
    tip; "subphrenic": between diaphragm and liver or spleen). ``clot``: echogenic clot in the
    renal fluid; ``laceration``: a hypoechoic tear in the organ; ``pleural_cm``: fluid above the
    diaphragm (the mirror image is lost and the spine shows through it).
    """
    pr = abdominal_probe(16.0 if side == "right" else 14.0)
    rng = np.random.default_rng([seed, 31])
    em = body_wall(pr, rng, background=0.9 if side == "right" else 0.5)
    kx, kz, kax, kaz, kang = (2.2, 8.2, 4.8, 2.2, -22.0) if side == "right" else (2.0, 8.0, 4.4, 2.0, -28.0)
    organ = np.zeros_like(em.data, bool)
    kwob = wobble(rng, kax)
    # diaphragm (left of screen is cranial); mirror image of the organ beyond it
    th = np.deg2rad(np.linspace(205, 140, 30))
    dia = np.stack([5.0 + 11.5 * np.cos(th), 7.0 + 11.5 * np.sin(th)], axis=1)
    em.polyline([tuple(p) for p in dia], 0.18, 40.0)
    if side == "left":
        spleen = ellipse_pts(-2.2, 4.6, 4.2, 2.3, 60, -25, wobble(rng, 4.0))
        em.polygon([tuple(p) for p in spleen], 1.7)
        organ_mask = EchoMap(pr, background=0.0)
        organ_mask.polygon([tuple(p) for p in spleen], 1.0)
        organ = organ_mask.data > 0.5
        em.ellipse(4.0, 4.0, 2.5, 1.4, 0.5)  # bowel/colon
    else:
        organ = em.data > 0  # liver fills the field under the wall
        organ[: int((1.7 - em.z0) / em.res)] = False
        _vessels(em, rng, (-6, 2, 3, 12), 7)
    organ_texture(em, rng, organ, 0.28)
    fluid_poly: list[tuple[float, float]] = []
    extra: dict[str, list[tuple[float, float]]] = {}
    if pleural_cm > 0:
        ring = _arc_band(5.0, 7.0, 11.5 + 0.12, 11.5 + 0.12 + pleural_cm * 1.6, 178, 138)
        em.polygon(ring, 0.003)
        em.polyline(
            [tuple(p) for p in _arc_pts(5.0, 7.0, 11.5 + 0.12 + pleural_cm * 1.6 + 1.6, 185, 150)], 0.35, 35.0
        )
        extra["pleural"] = ring
    if laceration:
        lc = (-1.0, 5.0) if side == "right" else (-2.4, 4.5)
        tear = [(lc[0] + 1.6 * u, lc[1] + 0.9 * u + 0.18 * np.sin(9 * u)) for u in np.linspace(-1, 1, 14)]
        em.polyline(tear, 0.35, 0.12)
        em.ellipse(lc[0] + 0.4, lc[1] + 0.3, 0.7, 0.45, 0.35, 30)
        extra["laceration"] = [
            (lc[0] - 1.8, lc[1] - 1.2),
            (lc[0] + 2.0, lc[1] - 1.0),
            (lc[0] + 1.8, lc[1] + 1.4),
            (lc[0] - 1.8, lc[1] + 0.4),
        ]
    if fluid_cm > 0 and "subphrenic" in sites:
        band = (
            _arc_band(5.0, 7.0, 11.5 - 0.12 - fluid_cm, 11.5 - 0.12, 200, 160)
            if side == "right"
            else [
                tuple(q)
                for q in np.concatenate(
                    [
                        ellipse_pts(-2.2, 4.6, 4.2 + fluid_cm, 2.3 + fluid_cm, 60, -25)[30:52],
                        ellipse_pts(-2.2, 4.6, 4.2, 2.3, 60, -25)[51:29:-1],
                    ]
                )
            ]
        )
        em.polygon(band, 0.003)
        fluid_poly = band
    if fluid_cm > 0 and "tip" in sites:
        tip = [(5.2, 4.6), (7.6, 4.2), (7.8, 4.9 + fluid_cm), (6.0, 5.3 + fluid_cm * 0.5)]
        em.polygon(tip, 0.003)
        fluid_poly = fluid_poly or tip
    if fluid_cm > 0 and "renal" in sites:
        outer = ellipse_pts(kx, kz, kax + 0.3 + fluid_cm, kaz + 0.3 + fluid_cm, 48, kang, kwob)
        inner = ellipse_pts(kx, kz, kax + 0.3, kaz + 0.3, 48, kang, kwob)
        sel = [i for i in range(48) if 24 <= i <= 44]  # superior-anterior arc (towards the liver)
        if side == "left":
            sel = [i for i in range(48) if 26 <= i <= 42]
        poly = [tuple(outer[i]) for i in sel] + [tuple(inner[i]) for i in reversed(sel)]
        em.polygon(poly, 0.003)
        fluid_poly = poly
        if clot:
            mid = len(sel) // 2
            cxk, czk = (np.array(poly[mid]) + np.array(poly[-1 - mid])) / 2
            em.ellipse(float(cxk), float(czk), 0.9, fluid_cm * 0.45, 0.7, kang)
            extra["clot"] = [
                tuple(q) for q in ellipse_pts(float(cxk), float(czk), 0.9, fluid_cm * 0.45, 12, kang)
            ]
    _kidney(em, kx, kz, kax, kaz, kang, kwob)
    em.band(kz + kaz + 1.2, 40, 0.6)  # posterior muscles
    em.polyline([(-30, kz + kaz + 1.2), (30, kz + kaz + 1.0)], 0.1, 6.0)
    move = breathing(0.7, 0.1, n_frames / fps)
    frames = render_scene(pr, [Layer(em, move)], n_frames, fps, seed)
    polys = {"fluid": to_px(pr, fluid_poly)} if fluid_poly else {}
    polys.update({name: to_px(pr, pts) for name, pts in extra.items()})
    truth = SceneTruth(pr, fps, polys, {}, {"kidney": to_px(pr, [(kx, kz)])[0]}, {"fluid_cm": fluid_cm})
    return frames, truth


def render_pelvis(
    fluid_cm: float, seed: int, n_frames: int = 24, fps: float = 20.0
) -> tuple[np.ndarray, SceneTruth]:
    """Sagittal suprapubic view: bladder, uterus/prostate behind it, fluid in the pouch."""
    pr = abdominal_probe(14.0)
    rng = np.random.default_rng([seed, 32])
    em = body_wall(pr, rng, background=0.8, wall_cm=1.4)
    bwob = wobble(rng, 3.0, (2, 3, 4))
    bladder = ellipse_pts(0.6, 4.6, 3.6, 2.4, 72, 0.0, bwob)
    em.polygon([tuple(p) for p in bladder], 4.0)
    em.polygon([tuple(p) for p in ellipse_pts(0.6, 4.6, 3.4, 2.2, 72, 0.0, bwob)], 0.003)
    em.ellipse(1.2, 8.6, 3.0, 1.5, 1.1, 8)  # uterus / prostate
    fluid_poly: list[tuple[float, float]] = []
    if fluid_cm > 0:
        th = np.linspace(0, 2 * np.pi, 28, endpoint=False)
        rr = 1.0 + 0.25 * np.cos(3 * th + 0.7)
        tri = [
            (-3.3 - fluid_cm * 0.6 + 1.6 * r * np.cos(a), 7.3 + (0.5 + fluid_cm * 0.45) * r * np.sin(a))
            for a, r in zip(th, rr, strict=True)
        ]
        em.polygon(tri, 0.003)
        fluid_poly = tri
    for i in range(4):  # bowel loops with gas
        bx, bz = -5.5 + i * 1.6, 10.0 + rng.uniform(-0.5, 0.5)
        if fluid_cm and bx < -2:
            bz += fluid_cm * 0.5
        em.ellipse(bx, bz, 0.9, 0.6, 0.6)
        em.polyline([(bx - 0.6, bz - 0.4), (bx + 0.6, bz - 0.5)], 0.1, 35.0)
    organ_texture(em, rng, em.data > 0.5, 0.25)
    move = breathing(0.15, 0.05, n_frames / fps)
    frames = render_scene(pr, [Layer(em, move)], n_frames, fps, seed)
    polys = {"fluid": to_px(pr, fluid_poly)} if fluid_poly else {}
    return frames, SceneTruth(pr, fps, polys, {}, {}, {"fluid_cm": fluid_cm})


Content = Literal["empty", "clear_fluid", "thick", "solid"]


def render_antrum(
    content: Content,
    csa_cm2: float,
    seed: int,
    n_frames: int = 24,
    fps: float = 15.0,
    air: bool = False,
    landmark: Literal["aorta", "ivc"] = "aorta",
) -> tuple[np.ndarray, SceneTruth]:
    """Sagittal epigastric antrum behind the left liver lobe, over the aorta/SMA and pancreas.

    The outer (serosa to serosa) ellipse has area ``csa_cm2`` at rest (frame 0); peristalsis
    squeezes it by up to 8% mid-clip.
    """
    pr = Probe("convex", 11.0, 4.0, 4.5, radius_cm=5.0, sector_deg=66, n_beams=256)
    rng = np.random.default_rng([seed, 33])
    em = body_wall(pr, rng, background=0.75, wall_cm=1.3)
    liver = [(-9, 1.35), (9, 1.35), (4.5, 2.4), (-1.5, 3.4), (-9, 4.2)]
    em.polygon(liver, 1.5)
    em.polyline(liver[2:], 0.08, 5.0)  # liver capsule
    organ_texture(em, rng, em.data > 1.4, 0.25)
    ratio = {"empty": 1.35, "clear_fluid": 1.1, "thick": 1.1, "solid": 1.15}[content]
    ap = np.sqrt(4 * csa_cm2 / np.pi / ratio)  # AP diameter (cm); CC = ratio * AP
    cc = ratio * ap
    cx, cz = 0.3, 3.6 + ap / 2
    wall = 0.45 if content == "empty" else 0.3
    em.polyline([(-9, cz + ap / 2 + 0.9), (9, cz + ap / 2 + 0.6)], 0.6, 0.55)  # pancreas
    aorta_z = cz + ap / 2 + 2.4
    if landmark == "aorta":
        em.polyline([(-9, aorta_z), (9, aorta_z + 0.3)], 1.6, 4.0)
        em.polyline([(-9, aorta_z), (9, aorta_z + 0.3)], 1.4, 0.004)  # aorta lumen
        em.polyline([(-1.5, aorta_z - 0.9), (6, aorta_z - 1.2)], 0.55, 0.004)  # SMA
    else:  # right paramedian plane: the IVC, wider and thin-walled, entering the liver cranially
        em.polyline([(-9, aorta_z - 0.6), (2, aorta_z - 0.1), (9, aorta_z + 0.2)], 2.0, 2.0)
        em.polyline([(-9, aorta_z - 0.6), (2, aorta_z - 0.1), (9, aorta_z + 0.2)], 1.9, 0.004)
    em.band(aorta_z + 1.0, 40, 0.7)
    em.polyline([(-9, aorta_z + 1.6), (9, aorta_z + 1.6)], 0.3, 30.0)  # vertebral bodies
    em.band(aorta_z + 1.8, 40, 0.02)

    em.ellipse(cx, cz, cc / 2 + 0.02, ap / 2 + 0.02, 0.0)  # the antrum layer draws itself
    ant = EchoMap(pr, background=0.0)
    # the five-layer gut wall, outside in: serosa (bright), muscularis propria (dark, thickest),
    # submucosa (bright), mucosa (dark), and the bright mucosa-lumen interface
    layers = [(0.0, 2.5), (0.05, 0.1), (0.55 * wall, 3.0), (0.72 * wall, 0.25), (wall, 3.5)]
    for depth, value in layers:
        ant.ellipse(cx, cz, cc / 2 - depth, ap / 2 - depth, value)
    inner = (cc / 2 - wall - 0.08, ap / 2 - wall - 0.08)
    if content == "empty":
        ant.ellipse(cx, cz, inner[0], max(inner[1], 0.05), 1.2)
        ant.polyline([(cx - inner[0] * 0.8, cz), (cx + inner[0] * 0.8, cz)], 0.08, 8.0)
    elif content == "clear_fluid":
        ant.ellipse(cx, cz, *inner, 0.004)
        for _ in range(6):  # a few bubbles
            ant.ellipse(
                cx + rng.uniform(-inner[0], inner[0]) * 0.7,
                cz + rng.uniform(-inner[1], inner[1]) * 0.7,
                0.04,
                0.04,
                25,
            )
    elif content == "thick":
        ant.ellipse(cx, cz, *inner, 0.12)  # particulate fluid: low-level echoes throughout
        for _ in range(40):
            ant.ellipse(
                cx + rng.uniform(-inner[0], inner[0]) * 0.8,
                cz + rng.uniform(-inner[1], inner[1]) * 0.8,
                0.05,
                0.04,
                3.0,
            )
    else:
        ant.ellipse(cx, cz, *inner, 2.2)
        organ_texture(ant, rng, ant.data > 2.0, 0.7)
        ant.polyline(
            [(cx - inner[0] * 0.9, cz - inner[1] * 0.85), (cx + inner[0] * 0.9, cz - inner[1] * 0.85)],
            0.1,
            30.0,
        )
    shadow = None
    if air:
        # swallowed air along the anterior wall: a bright ragged line, reverberation and shadow below
        ztop = cz - ap / 2 + wall + 0.1
        ant.polyline(
            [(cx - cc / 2 * 0.7, ztop + 0.05), (cx, ztop), (cx + cc / 2 * 0.7, ztop + 0.08)], 0.12, 40.0
        )
        xs = np.array([cx - cc / 2 * 0.7, cx + cc / 2 * 0.7])
        r0, b0 = pr.to_beams(xs, np.array([ztop, ztop]))
        start = np.full(pr.n_beams, np.nan)
        lo, hi = int(np.ceil(min(b0))), int(np.floor(max(b0)))
        start[lo : hi + 1] = float(np.mean(r0)) + 0.15
        from imgtrainer.synth.phantom import shadow_map

        shadow = shadow_map(pr, [(start, 0.12)])
    period = n_frames / fps

    def peristalsis(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        s = 0.08 * 0.5 * (1 - np.cos(2 * np.pi * t / period))
        return -(x - cx) * s, -(z - cz) * s * 0.5

    frames = render_scene(pr, [Layer(em), Layer(ant, peristalsis)], n_frames, fps, seed, shadow=shadow)
    csa = float(np.pi * ap * cc / 4)
    outline = to_px(pr, ellipse_pts(cx, cz, cc / 2, ap / 2, 24))
    lines = {
        "ap": to_px(pr, [(cx, cz - ap / 2), (cx, cz + ap / 2)]),
        "cc": to_px(pr, [(cx - cc / 2, cz), (cx + cc / 2, cz)]),
    }
    values = {"csa_cm2": csa, "ap_cm": float(ap), "cc_cm": float(cc), "center_x": cx, "center_z": cz}
    return frames, SceneTruth(
        pr, fps, {"antrum": outline}, lines, {"center": to_px(pr, [(cx, cz)])[0]}, values
    )


def _arc_pts(cx: float, cz: float, r: float, th0: float, th1: float, n: int = 30) -> np.ndarray:
    th = np.deg2rad(np.linspace(th0, th1, n))
    return np.stack([cx + r * np.cos(th), cz + r * np.sin(th)], axis=1)


def _arc_band(
    cx: float, cz: float, r0: float, r1: float, th0: float, th1: float
) -> list[tuple[float, float]]:
    """A curved band between two radii (cm): fluid along the diaphragm."""
    a, b = _arc_pts(cx, cz, r0, th0, th1), _arc_pts(cx, cz, r1, th1, th0)
    return [tuple(map(float, q)) for q in np.concatenate([a, b])]
