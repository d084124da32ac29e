"""Posterolateral (PLAPS) view with a pleural effusion: chest wall, anechoic fluid, compressed lung
swaying in it, diaphragm over the liver, and the spine seen through the fluid (spine sign)."""

from __future__ import annotations

import numpy as np

from imgtrainer.synth.bmode import Echoes, Look, render
from imgtrainer.synth.lung_anatomy import LungParams, LungTruth, chest_wall, lung_probe
from imgtrainer.synth.phantom import EchoMap, Tissue

_WALL = 1.6  # cm, inner surface of the chest wall (parietal pleura)
_X_MEASURE = -1.8  # cm, where the effusion depth is measured


def _diaphragm(depth: float) -> np.ndarray:
    s = np.linspace(0, 1, 40)
    x = 1.6 - 5.0 * s - 1.8 * np.sin(np.pi * s)
    z = _WALL - 0.1 + (depth - 1.2) * s**0.85
    return np.stack([x, z], axis=1)


def _lung(eff: float, depth: float) -> np.ndarray:
    top = _WALL + eff
    tip_x = min(-0.2, _X_MEASURE + 1.4)
    tip_z = top + 0.5
    xs = np.linspace(-14, _X_MEASURE + 0.3, 10)
    upper = [(x, top + 0.04 * np.sin(3 * x)) for x in xs]
    th = min(3.5, 0.45 * (depth - top))
    lower = [(_X_MEASURE - 0.6, top + 0.45 * th), (-5.0, top + 0.8 * th), (-14, top + th * 1.2)]
    return np.array([*upper, (tip_x, tip_z), *lower])


def render_plaps_clip(p: LungParams, seed: int) -> tuple[np.ndarray, LungTruth]:
    pr = lung_probe(p)
    rng = np.random.default_rng([seed, 21])
    depth = p.depth_cm
    dia = _diaphragm(depth)
    lung_poly = _lung(p.effusion_cm, depth)
    spine_z = depth - 2.0

    static = chest_wall(pr, _WALL + 1.0, rng)
    static.polygon([(-20, _WALL), (20, _WALL), (20, 40), (-20, 40)], 0.004)  # fluid everywhere below
    liver = [(dia[0, 0], dia[0, 1]), *map(tuple, dia), (-20, depth + 3), (20, depth + 3), (20, _WALL)]
    static.polygon(liver, 1.0)
    liv = EchoMap(pr, background=1.0)
    liv.texture(rng, 0.25, 0.3)
    for _ in range(7):
        vx, vz = rng.uniform(0, 8), rng.uniform(4, depth - 1)
        liv.ellipse(vx, vz, rng.uniform(0.15, 0.45), rng.uniform(0.15, 0.35), 0.01)
    mask = static.data > 0.5
    mask[: int((_WALL + 0.2 - static.z0) / static.res)] = False
    static.data[mask] *= liv.data[mask]
    static.polyline([tuple(v) for v in dia], 0.16, 45.0)
    for i, x in enumerate(np.arange(-9, 9, 1.6)):
        static.ellipse(x, spine_z + 0.35, 0.62, 0.35, 40.0 if i % 2 == 0 else 34.0)
    static.band(spine_z + 0.75, 40, 0.0)
    wall = Tissue(pr, static, np.random.default_rng([seed, 22]))

    lungmap = EchoMap(pr, background=0.0)
    lungmap.polygon([tuple(v) for v in lung_poly], 0.75)
    lungmap.texture(rng, 0.12, 0.5)
    lungmap.polyline([tuple(v) for v in lung_poly[:11]], 0.08, 20.0)
    lung = Tissue(pr, lungmap, np.random.default_rng([seed, 23]))
    period = p.n_frames / p.fps
    frames = []
    for i in range(p.n_frames):
        t = i / p.fps
        sway = 0.25 * np.sin(2 * np.pi * t / period)

        def move(x: np.ndarray, z: np.ndarray, sway: float = sway) -> tuple[np.ndarray, np.ndarray]:
            w = np.clip((x + 6) / 6, 0, 1)  # the free tip moves most
            # and the lung surface rises and falls under the probe (the sinusoid on M-mode)
            return sway * w, -0.6 * sway * w

        e = Echoes.join([wall.echoes(), lung.echoes(move)])
        frames.append(
            render(pr, e, wall.density, np.random.default_rng([seed, 100, i]), Look(gain_db=p.gain_db))
        )
    truth = _truth(pr, p, dia, lung_poly)
    return np.stack(frames), truth


def _truth(pr, p: LungParams, dia: np.ndarray, lung_poly: np.ndarray) -> LungTruth:
    _, cy = pr.to_pixels(0.0, _WALL)
    wall_pts = [pr.to_pixels(x, _WALL) for x in (-3.0, 1.0)]
    t = LungTruth(pr, p.fps, _WALL, float(cy), [(float(a), float(b)) for a, b in wall_pts])
    t.effusion_depth_cm = float(p.effusion_cm)
    a = pr.to_pixels(_X_MEASURE, _WALL)
    b = pr.to_pixels(_X_MEASURE, _WALL + p.effusion_cm)
    t.effusion_caliper_px = [(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]
    # fluid outline above the lung: chest wall, diaphragm, lung surface (clipped to the field)
    top = _WALL + p.effusion_cm
    tip = lung_poly[10]
    dia_part = [v for v in dia if v[1] <= tip[1] + 0.3]
    pts = [
        (-3.2, _WALL + 0.05),
        *[(float(x), float(z)) for x, z in dia_part],
        (float(tip[0]), float(tip[1])),
        (-3.2, top),
    ]
    px = []
    for x, z in pts:
        xx, zz = _clip_to_field(pr, x, z)
        c, r = pr.to_pixels(xx, zz)
        px.append((float(c), float(r)))
    t.effusion_polygon_px = px
    t.sliding_frames = list(range(p.n_frames))
    return t


def _clip_to_field(pr, x: float, z: float) -> tuple[float, float]:
    for _ in range(60):
        if pr.in_field(np.array([x]), np.array([z]))[0]:
            return x, z
        x *= 0.96
    return x, z
