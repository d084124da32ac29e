"""Right costophrenic view (coronal, mid-axillary line; cranial on screen left): the diaphragm over
the liver and the aerated lung's lower edge, the "curtain", which slides caudally over them with
inspiration. With a paralysed hemidiaphragm the dome moves the wrong way (cranially) on a sniff.

The clip holds one breath, end-expiration at frame 0 and at the end, peak inspiration mid-clip.
The truth gives the craniocaudal excursion of the diaphragm (cm) and a caliper between the two
extreme positions of one point of the dome.
"""

from __future__ import annotations

import numpy as np

from imgtrainer.synth.bmode import Echoes, Look, render
from imgtrainer.synth.lung_anatomy import LungParams, LungTruth, chest_wall, lung_probe
from imgtrainer.synth.phantom import EchoMap, Tissue, reflector, shadow_map
from imgtrainer.synth.scene import organ_texture

_CURTAIN_X = -1.0  # cm, the lung's lower edge along the parietal pleura at end-expiration
_MEASURE_DEPTH = 3.2  # cm below the pleura, where the dome's travel is measured


def _dome(z_wall: float) -> np.ndarray:
    """Diaphragm dome from the chest wall at the costophrenic angle, deep and cranially (x < 0)."""
    s = np.linspace(0, 1, 48)
    x = _CURTAIN_X + 0.6 - 6.5 * s**1.3
    z = z_wall + 0.15 + 9.0 * s**0.8
    return np.stack([x, z], axis=1)


def _dome_x_at(dome: np.ndarray, z: float) -> float:
    return float(np.interp(z, dome[:, 1], dome[:, 0]))


def render_diaphragm_clip(p: LungParams, seed: int) -> tuple[np.ndarray, LungTruth]:
    pr = lung_probe(p)
    rng = np.random.default_rng([seed, 61])
    zw = p.pleura_cm
    dome = _dome(zw)
    sign = 1.0 if p.diaphragm == "normal" else -1.0

    wall_map = chest_wall(pr, zw + 1.0, rng)
    wall_map.polygon([(-30, zw), (30, zw), (30, 40), (-30, 40)], 0.0)
    ribs = [(-2.8, zw - 0.45), (3.3, zw - 0.45)]
    for cx, top in ribs:
        wall_map.ellipse(cx, top + 0.32, 0.6, 0.32, 0.25)
        wall_map.polyline(_rib_arc(cx, top), 0.06, 40.0)
    wall = Tissue(pr, wall_map, np.random.default_rng([seed, 62]))

    liver = EchoMap(pr, background=0.0)
    below = [(float(x), float(z)) for x, z in dome]
    liver.polygon([*below, (-30, 40), (30, 40), (30, zw + 0.05), (dome[0, 0], zw + 0.05)], 1.0)
    organ_texture(liver, rng, liver.data > 0.5, 0.28)
    for _ in range(6):
        vx, vz = rng.uniform(0.0, 6.0), rng.uniform(zw + 3.0, p.depth_cm - 1.0)
        liver.ellipse(vx, vz, rng.uniform(0.15, 0.4), rng.uniform(0.12, 0.3), 0.01)
    liver.polyline(below, 0.18, 45.0)  # the diaphragm: a bright curved line over the liver
    liver_t = Tissue(pr, liver, np.random.default_rng([seed, 63]))

    lung_map = EchoMap(pr, background=0.0)
    lung_map.polygon([(-30, zw + 0.05), (30, zw + 0.05), (30, 40), (-30, 40)], 0.3)
    lung_t = Tissue(pr, lung_map, np.random.default_rng([seed, 64]))
    pleura = reflector(pr, [(-9.0, zw), (9.0, zw)], 22.0, np.random.default_rng([seed, 65]), roughness=0.4)
    a_lines = _a_lines(pr, zw, seed)
    ribs_t = [_rib_starts(pr, cx, top) for cx, top in ribs]

    ribs_shadow = shadow_map(pr, ribs_t)
    period = p.n_frames / p.fps
    rr, bb = np.meshgrid(pr.r_cm, np.arange(pr.n_beams, dtype=float), indexing="ij")
    x_at_pleura = pr.to_tissue(np.full(pr.n_beams, zw), pr.beam_pos)[0]
    frames = []
    positions = []
    for i in range(p.n_frames):
        t = i / p.fps
        s = 0.5 * (1 - np.cos(2 * np.pi * t / period))
        shift = sign * p.excursion_cm * s
        positions.append(shift)
        curtain = _CURTAIN_X + shift + (0.35 * s if sign > 0 else 0.0)
        slide = 0.12 * s

        def move(x: np.ndarray, z: np.ndarray, d: float = shift) -> tuple[np.ndarray, np.ndarray]:
            return np.full_like(x, d), np.zeros_like(z)

        def lung_move(x: np.ndarray, z: np.ndarray, d: float = slide) -> tuple[np.ndarray, np.ndarray]:
            return np.full_like(x, d), np.zeros_like(z)

        in_lung = x_at_pleura < curtain
        # air reflects everything: the liver is hidden along every beam that crosses the lung
        _, b_liv = pr.to_beams(liver_t.x + shift, liver_t.z)
        seen = np.interp(b_liv, np.arange(pr.n_beams), x_at_pleura) >= curtain
        parts = [
            wall.echoes(),
            liver_t.echoes(move, seen),
            lung_t.echoes(lung_move, lung_t.x < curtain),
            pleura,
            _weighted(pr, a_lines, in_lung.astype(np.float32)),
        ]
        frames.append(
            render(
                pr,
                Echoes.join(parts),
                wall.density,
                np.random.default_rng([seed, 100, i]),
                Look(gain_db=p.gain_db, smooth_px=1.0),
                transmission=ribs_shadow,
            )
        )
    del rr, bb
    return np.stack(frames), _truth(pr, p, dome, positions)


def _truth(pr, p: LungParams, dome: np.ndarray, positions: list[float]) -> LungTruth:
    zw = p.pleura_cm
    _, cy = pr.to_pixels(0.0, zw)
    ends = [pr.to_pixels(x, zw) for x in (-2.0, _CURTAIN_X - 0.2)]
    t = LungTruth(pr, p.fps, zw, float(cy), [(float(a), float(b)) for a, b in ends])
    t.sliding_frames = list(range(p.n_frames))
    lo, hi = int(np.argmin(positions)), int(np.argmax(positions))
    z = zw + _MEASURE_DEPTH
    x0 = _dome_x_at(dome, z)
    a = pr.to_pixels(x0 + positions[lo], z)
    b = pr.to_pixels(x0 + positions[hi], z)
    t.diaphragm_excursion_cm = float(max(positions) - min(positions))
    t.diaphragm_caliper_px = [(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]
    t.diaphragm_frames = (lo, hi)
    return t


def _rib_arc(cx: float, top: float) -> list[tuple[float, float]]:
    th = np.linspace(np.pi, 2 * np.pi, 32)
    return [(cx + 0.6 * np.cos(a), top + 0.32 + 0.32 * np.sin(a)) for a in th]


def _rib_starts(pr, cx: float, top: float) -> tuple[np.ndarray, float]:
    arc = np.array(_rib_arc(cx, top))
    r, b = pr.to_beams(arc[:, 0], arc[:, 1])
    order = np.argsort(b)
    return np.interp(np.arange(pr.n_beams), b[order], r[order], left=np.nan, right=np.nan) + 0.05, 0.14


def _a_lines(pr, zw: float, seed: int) -> list[Echoes]:
    """Reverberations of the pleura at 2 and 3 times its range along each beam."""
    beams = np.linspace(0, pr.n_beams - 1, 120)
    pos = pr.beam_pos[0] + beams * pr.beam_step
    x_pl = pr.to_tissue(np.full(beams.size, zw), pos)[0]
    r_pl = pr.to_beams(x_pl, np.full(beams.size, zw))[0]
    out = []
    for k in (2, 3):
        x, z = pr.to_tissue(k * r_pl, pos)
        ok = k * r_pl < pr.depth_cm - 0.1
        pts = list(zip(x[ok], z[ok], strict=True))
        out.append(
            reflector(pr, pts, 14.0 * 0.6 ** (k - 2), np.random.default_rng([seed, 66, k]), roughness=0.5)
        )
    return out


def _weighted(pr, parts: list[Echoes], keep: np.ndarray) -> Echoes:
    out = []
    for ref in parts:
        _, b = pr.to_beams(ref.x, ref.z)
        w = np.interp(b, np.arange(pr.n_beams), keep)
        out.append(Echoes(ref.x, ref.z, (ref.amp * w).astype(np.complex64)))
    return Echoes.join(out)
