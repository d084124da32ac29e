"""Focused cardiac views (PLAX, PSAX, A4C, subcostal four-chamber, IVC) with a beating LV, optional
pericardial effusion, and the IVC collapsing with respiration. Shapes are simple ellipses and
bands in tissue cm, drawn through a view transform so the subcostal view reuses the four-chamber
layout rotated behind the liver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from imgtrainer.synth.phantom import EchoMap
from imgtrainer.synth.probe import Probe
from imgtrainer.synth.scene import (
    Layer,
    SceneTruth,
    contraction,
    ellipse_pts,
    organ_texture,
    render_scene,
    to_px,
)

View = Literal["plax", "psax", "a4c", "s4c", "ivc"]
BLOOD, MYO, PERI, FLUID = 0.004, 1.0, 30.0, 0.003


@dataclass(frozen=True)
class HeartParams:
    view: View = "plax"
    effusion_cm: float = 0.0
    squeeze: float = 0.28  # fraction the LV cavity shrinks toward its centre at end-systole
    heart_rate: float = 75.0
    beats: int = 1
    fps: float = 20.0
    ivc_cm: float = 1.8  # IVC diameter at end-expiration
    ivc_collapse: float = 0.3  # fractional inspiratory collapse
    rv_scale: float = 1.0  # > 1.3: dilated RV
    lv_scale: float = 1.0  # > 1.2: dilated LV cavity
    wall_cm: float = 0.95  # LV wall thickness (> 1.3: hypertrophy)
    rv_squeeze: float = 0.25  # RV free wall inward motion in systole (fraction; < 0.1: poor RV function)
    tamponade: bool = False  # RV free wall collapses in diastole, RA wall in systole
    septal_flat: bool = False  # PSAX: the septum flattens (D-shaped LV) under RV pressure or volume load
    pleural_cm: float = 0.0  # PLAX: left pleural effusion behind the descending aorta


def cardiac_probe(depth_cm: float = 16.0) -> Probe:
    return Probe("phased", depth_cm, 2.5, depth_cm * 0.55, radius_cm=0.25, sector_deg=84, n_beams=256)


class _Pen:
    """Draws into an EchoMap through a rotation (deg) about (0, 0) and a shift (cm)."""

    def __init__(self, em: EchoMap, rot_deg: float = 0.0, shift: tuple[float, float] = (0.0, 0.0)):
        self.em, self.a, self.shift = em, np.deg2rad(rot_deg), shift
        self.rot = rot_deg
        self.valves: list[tuple[tuple[float, float], tuple[float, float], float, str]] = []

    def tf(self, pts: np.ndarray) -> np.ndarray:
        p = np.asarray(pts, float).reshape(-1, 2)
        c, s = np.cos(self.a), np.sin(self.a)
        return np.stack(
            [p[:, 0] * c - p[:, 1] * s + self.shift[0], p[:, 0] * s + p[:, 1] * c + self.shift[1]], 1
        )

    def ellipse(self, cx: float, cz: float, ax: float, az: float, v: float, ang: float = 0.0) -> None:
        ((x, z),) = self.tf([(cx, cz)])
        self.em.ellipse(x, z, ax, az, v, ang + self.rot)

    def poly(self, pts: np.ndarray, v: float) -> None:
        self.em.polygon([tuple(p) for p in self.tf(pts)], v)

    def line(self, pts: np.ndarray, thick: float, v: float) -> None:
        self.em.polyline([tuple(p) for p in self.tf(pts)], thick, v)


def _wall(em: EchoMap, depth: float = 1.2) -> None:
    em.band(-5, 0.12, 2.0)
    em.band(0.12, depth, 0.7)
    em.polyline([(-30, depth), (30, depth)], 0.08, 8.0)


def _four_chamber(
    pen: _Pen, eff: float, rv: float, lv: float = 1.0, wall: float = 0.95
) -> dict[str, np.ndarray]:
    """Apex at (0, 0) pointing up; LV on screen right, RV left; AV plane at z = 7."""
    pen.ellipse(0.2, 5.0, 4.6 + eff, 6.2 + eff, PERI)
    pen.ellipse(0.2, 5.0, 4.45 + eff, 6.05 + eff, FLUID if eff else MYO)
    pen.ellipse(0.2, 5.0, 4.45, 6.05, MYO)
    t = (wall - 0.95) * 0.8
    pen.ellipse(1.9, 4.2, 1.9 * lv - t, 3.4 * lv - t, BLOOD)  # LV cavity
    pen.ellipse(-1.9 * rv, 4.9, 1.5 * rv, 2.7, BLOOD)  # RV cavity
    pen.ellipse(2.0, 8.9, 1.8, 1.7, BLOOD)  # LA
    pen.ellipse(-1.9, 8.9, 1.7, 1.7, BLOOD)  # RA
    pen.ellipse(0.45, 7.0, 0.22, 0.16, 6.0)  # annuli: fibrous, bright hinge points
    pen.ellipse(3.55, 7.05, 0.22, 0.16, 6.0)
    pen.ellipse(-3.35, 7.0, 0.22, 0.16, 6.0)
    # leaflets (drawn on their own layers): closed across the annulus, opening towards the apex
    pen.valves += [
        ((0.5, 7.0), (1.95, 7.0), -62.0, "av"), ((3.5, 7.05), (2.05, 7.02), 62.0, "av"),
        ((-3.3, 7.0), (-1.95, 7.0), -58.0, "av"), ((-0.55, 7.0), (-1.85, 7.0), 58.0, "av"),
    ]  # fmt: skip
    if eff:
        return {
            "effusion": pen.tf(
                np.concatenate(
                    [
                        ellipse_pts(0.2, 5.0, 4.45 + eff, 6.05 + eff, 40)[5:16],
                        ellipse_pts(0.2, 5.0, 4.45, 6.05, 40)[15:4:-1],
                    ]
                )
            )
        }
    return {}


def render_heart(p: HeartParams, seed: int) -> tuple[np.ndarray, SceneTruth]:
    pr = cardiac_probe(16.0 if p.view != "ivc" else 14.0)
    rng = np.random.default_rng([seed, 41])
    # around the heart the sector sees aerated lung (a dim haze), except through the liver window
    static = EchoMap(pr, background=0.6 if p.view in ("s4c", "ivc") else 0.15)
    _wall(static)
    heart = EchoMap(pr, background=0.0)
    pen = _Pen(heart)
    polys: dict[str, np.ndarray] = {}
    lines: dict[str, np.ndarray] = {}
    eff = p.effusion_cm
    lv_c, lv_r = (0.0, 7.0), 2.4
    if p.view == "plax":
        pen = _Pen(heart, rot_deg=-8, shift=(0.0, 0.0))
        pen.poly(np.array([(-9, 1.4), (8, 1.4), (8, 11.2 + eff), (-9, 11.2 + eff)]), MYO)
        pen.ellipse(-0.8, 2.9, 4.2, 0.75 * p.rv_scale, BLOOD)  # RV outflow
        t = (p.wall_cm - 0.95) * 0.8
        pen.ellipse(-1.8, 6.6 + 0.3 * (p.lv_scale - 1), 4.6, 2.3 * p.lv_scale - t, BLOOD)  # LV cavity
        pen.poly(np.array([(2.2, 4.2), (6.5, 4.0), (6.5, 6.4), (2.2, 6.2)]), BLOOD)  # aortic root
        pen.ellipse(4.4, 8.4, 1.9, 1.7, BLOOD)  # LA
        pen.valves += [
            ((2.3, 6.9), (1.2, 8.1), 50.0, "av"),  # anterior mitral leaflet: to the septum in diastole
            ((2.95, 8.55), (1.85, 8.3), -40.0, "av"),  # posterior mitral leaflet
            ((2.45, 4.25), (2.85, 5.15), -55.0, "semilunar"),  # aortic cusps: open in systole
            ((2.45, 6.3), (2.85, 5.3), 55.0, "semilunar"),
        ]
        if eff:
            pen.poly(np.array([(-9, 10.1), (6.4, 10.1), (6.4, 10.1 + eff), (-9, 10.1 + eff)]), FLUID)
            polys["effusion"] = pen.tf(
                np.array([(-3.5, 10.1), (2.0, 10.1), (2.0, 10.1 + eff), (-3.5, 10.1 + eff)])
            )
            lines["effusion_depth"] = pen.tf(np.array([(-1.0, 10.1), (-1.0, 10.1 + eff)]))
        pen.line(np.array([(-9, 10.2 + eff), (8, 10.2 + eff)]), 0.18, PERI)
        pen.ellipse(2.6, 11.7 + eff, 0.9, 0.85, 6.0)  # descending aorta wall
        pen.ellipse(2.6, 11.7 + eff, 0.75, 0.7, BLOOD)
        (lv_c,) = pen.tf([(-1.8, 6.6)])
        static.band(11.4 + eff, 40, 0.3)
        if p.pleural_cm:
            # left pleural fluid lies behind (deeper than) the descending aorta, tapering towards the apex
            pz = 12.7 + eff
            pen.poly(
                np.array(
                    [(-9, pz + 0.5), (6.5, pz - 0.2), (6.5, pz + p.pleural_cm + 1.2), (-9, pz + p.pleural_cm)]
                ),
                FLUID,
            )
            pen.line(np.array([(-9, pz + p.pleural_cm + 0.1), (6.5, pz + p.pleural_cm + 1.3)]), 0.25, 12.0)
            polys["pleural_effusion"] = pen.tf(
                np.array(
                    [
                        (-3.0, pz + 0.35),
                        (4.5, pz - 0.05),
                        (4.5, pz + p.pleural_cm + 1.0),
                        (-3.0, pz + p.pleural_cm + 0.2),
                    ]
                )
            )
    elif p.view == "psax":
        c = (0.0, 7.2)
        pen.ellipse(*c, 4.9 + eff, 4.4 + eff, PERI)
        pen.ellipse(*c, 4.7 + eff, 4.2 + eff, FLUID if eff else MYO)
        pen.ellipse(*c, 4.7, 4.2, MYO)
        inner = (2.35 * p.lv_scale - (p.wall_cm - 0.95), 2.2 * p.lv_scale - (p.wall_cm - 0.95))
        outer = (inner[0] + p.wall_cm, inner[1] + p.wall_cm - 0.05)
        pen.ellipse(-1.4, 5.2 - 0.4 * (p.rv_scale - 1), 3.2 * p.rv_scale, 1.7 * p.rv_scale, BLOOD, -20)  # RV
        pen.ellipse(0.2, 7.6, *outer, MYO)
        cav = ellipse_pts(0.2, 7.6, *inner, 60)
        if p.septal_flat:
            # the interventricular septum is pushed flat: a D-shaped LV cavity in both phases
            n = np.array([-0.45, -0.89])  # towards the RV
            d = (cav - np.array([0.2, 7.6])) @ n
            cav = cav - np.clip(d - inner[1] * 0.45, 0, None)[:, None] * n[None, :]
        pen.poly(cav, BLOOD)  # LV cavity
        pen.ellipse(-0.8, 8.9, 0.45, 0.35, MYO)  # papillary muscles
        pen.ellipse(1.3, 9.0, 0.45, 0.35, MYO)
        lv_c = (0.2, 7.6)
        if eff:
            ring = np.concatenate(
                [ellipse_pts(*c, 4.7 + eff, 4.2 + eff, 48)[4:21], ellipse_pts(*c, 4.7, 4.2, 48)[20:3:-1]]
            )
            polys["effusion"] = ring
            lines["effusion_depth"] = np.array([(c[0], c[1] + 4.2), (c[0], c[1] + 4.2 + eff)])
    elif p.view == "a4c":
        pen = _Pen(heart, 0.0, (0.0, 2.2))
        polys.update(_four_chamber(pen, eff, p.rv_scale, p.lv_scale, p.wall_cm))
        (lv_c,) = pen.tf([(1.9, 4.2)])
        lines_eff = pen.tf(np.array([(0.2 + 4.45, 5.0), (0.2 + 4.45 + eff, 5.0)])) if eff else None
        if lines_eff is not None:
            lines["effusion_depth"] = lines_eff
    elif p.view in ("s4c", "ivc"):
        liver = [(-12, 1.3), (12, 1.3), (12, 6.2), (-12, 7.6)]
        static.polygon(liver, 1.0)
        organ_texture(static, rng, static.data > 0.95, 0.25)
        if p.view == "s4c":
            pen = _Pen(heart, -72.0, (-3.2, 10.6))
            polys.update(_four_chamber(pen, eff, p.rv_scale, p.lv_scale, p.wall_cm))
            (lv_c,) = pen.tf([(1.9, 4.2)])
            if eff:
                lines["effusion_depth"] = pen.tf(np.array([(-4.25, 5.0), (-4.25 - eff, 5.0)]))
        else:
            heart.ellipse(4.6, 7.4, 2.6, 2.2, MYO)
            heart.ellipse(4.6, 7.4, 2.2, 1.9, BLOOD)  # RA
            lv_c = (9.0, 9.0)
    em_layers = [Layer(static), Layer(heart, None)]
    period = 60.0 / p.heart_rate
    n_frames = max(8, round(p.beats * period * p.fps))
    period = n_frames / p.fps / p.beats
    if p.view == "ivc":
        em_layers = [Layer(static), Layer(heart, None), _ivc_layer(pr, p, n_frames, static)]
        z0, d = 7.0, p.ivc_cm
        lines["ivc_diameter"] = np.array([(1.0, z0 - d / 2), (1.0, z0 + d / 2)])  # 1.6 cm from the RA
    else:
        moves = [contraction(lv_c[0], lv_c[1], lv_r * p.lv_scale, p.squeeze, period)]
        moves += _right_heart_moves(p, pen, period)
        beat = _summed(moves)
        em_layers[1] = Layer(heart, beat)
        em_layers += [_leaflet(pr, pen, v, beat, period) for v in pen.valves]
    for lay in em_layers[1:]:
        static.data[lay.echo.data > 0] = 0.0  # moving layers own their pixels
    frames = render_scene(pr, em_layers, n_frames, p.fps, seed)
    truth = SceneTruth(
        pr, p.fps,
        {k: to_px(pr, v) for k, v in polys.items()},
        {k: to_px(pr, v) for k, v in lines.items()},
        {"lv_centre": to_px(pr, [lv_c])[0]},
        {"effusion_cm": eff, "ivc_cm": p.ivc_cm, "ivc_collapse": p.ivc_collapse, "n_frames": n_frames},
    )  # fmt: skip
    return frames, truth


def _ivc_layer(pr: Probe, p: HeartParams, n_frames: int, static: EchoMap) -> Layer:
    """IVC walls in the liver, converging on inspiration by ``ivc_collapse`` (one breath per clip).

    The liver within 1.2 cm of the IVC moves with it (taking it from ``static``) so no gap opens.
    """
    em = EchoMap(pr, background=0.0)
    z0, r = 7.0, p.ivc_cm / 2
    zz = em.z0 + np.arange(em.data.shape[0]) * em.res
    xx = em.x0 + np.arange(em.data.shape[1]) * em.res
    near = (np.abs(zz - z0) < r + 1.25)[:, None] & (xx < 2.6)[None, :]
    em.data[near] = static.data[near]
    em.polygon([(-12, z0 - r - 0.15), (2.4, z0 - r - 0.15), (2.4, z0 + r + 0.15), (-12, z0 + r + 0.15)], 5.0)
    em.polygon([(-12, z0 - r), (2.6, z0 - r), (2.6, z0 + r), (-12, z0 + r)], BLOOD)
    em.polyline([(-2.0, z0 - r), (-0.5, 3.0)], 0.7, BLOOD)  # hepatic vein
    period = n_frames / p.fps

    def move(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        s = 0.5 * (1 - np.cos(2 * np.pi * t / period)) * p.ivc_collapse
        w = np.clip((r + 1.2 - np.abs(z - z0)) / 1.0, 0, 1) * (x < 2.6)
        return np.zeros_like(x), -(z - z0) * s * w

    return Layer(em, move)


def _summed(moves: list) -> object:
    def move(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        dx, dz = np.zeros_like(x), np.zeros_like(z)
        for m in moves:
            a, b = m(x, z, t)
            dx, dz = dx + a, dz + b
        return dx, dz

    return move


def _bump(ph: float, centre: float, width: float) -> float:
    """A smooth 0..1 pulse over the cardiac phase (periodic)."""
    d = (ph - centre + 0.5) % 1.0 - 0.5
    return float(np.cos(np.pi * d / width) ** 2) if abs(d) < width / 2 else 0.0


def _right_heart_moves(p: HeartParams, pen: _Pen, period: float) -> list:
    """RV free wall systolic motion, and with tamponade RV diastolic and RA systolic collapse.

    Each is a local push of the wall (drawn in the view's own frame, ``pen``) towards the septum.
    """
    if p.view in ("a4c", "s4c"):
        rv_wall, ra_wall, inward = (-1.9 * p.rv_scale - 1.5 * p.rv_scale, 4.9), (-3.6, 8.9), (1.0, 0.0)
    elif p.view == "psax":
        rv_wall, ra_wall, inward = (-2.4, 5.2 - 1.7 * p.rv_scale), None, (0.3, 0.95)
    else:  # plax: the RV outflow's anterior wall
        rv_wall, ra_wall, inward = (-0.8, 2.9 - 0.75 * p.rv_scale), None, (0.0, 1.0)
    (rw,) = pen.tf([rv_wall])
    ang = np.deg2rad(pen.rot)
    ux, uz = (
        inward[0] * np.cos(ang) - inward[1] * np.sin(ang),
        inward[0] * np.sin(ang) + inward[1] * np.cos(ang),
    )

    def push(centre: np.ndarray, radius: float, amount_cm, phase) -> object:
        def move(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
            a = amount_cm * phase((t / period) % 1.0)
            if a == 0.0:
                return np.zeros_like(x), np.zeros_like(z)
            w = np.exp(-((x - centre[0]) ** 2 + (z - centre[1]) ** 2) / (2 * radius**2))
            return a * ux * w, a * uz * w

        return move

    out = [push(rw, 1.3 * p.rv_scale, 1.6 * p.rv_squeeze, lambda ph: _bump(ph, 0.3, 0.6))]
    if p.tamponade:
        out.append(push(rw, 1.1, 0.9, lambda ph: _bump(ph, 0.78, 0.36)))  # early-mid diastole
        if ra_wall is not None:
            (aw,) = pen.tf([ra_wall])
            out.append(push(aw, 0.9, 0.8, lambda ph: _bump(ph, 0.05, 0.3)))  # late diastole / systole
    return out


def _leaflet(pr: Probe, pen: _Pen, valve: tuple, beat, period: float) -> Layer:
    """One valve leaflet: a thin bright band hinged at its annulus, swinging open by ``deg``.

    Atrioventricular leaflets open in diastole, semilunar cusps in systole; the leaflet also moves
    with the wall it hangs from (``beat``).
    """
    hinge, tip, deg, kind = valve
    em = EchoMap(pr, background=0.0)
    pts = pen.tf(np.array([hinge, tip]))
    em.polyline([tuple(q) for q in pts], 0.09, 9.0)
    (hx, hz) = pts[0]

    def opening(ph: float) -> float:
        return _bump(ph, 0.84, 0.42) if kind == "av" else _bump(ph, 0.28, 0.42)

    def move(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        a = np.deg2rad(deg) * opening((t / period) % 1.0)
        c, s = np.cos(a), np.sin(a)
        dx, dz = x - hx, z - hz
        bx, bz = beat(x, z, t)
        return dx * c - dz * s - dx + bx, dx * s + dz * c - dz + bz

    return Layer(em, move)
