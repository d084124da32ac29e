"""Airway scenes with a linear probe: transverse suprasternal (trachea, thyroid, oesophagus, with a
tube in the trachea or the oesophagus: double tract sign) and longitudinal midline (thyroid and
cricoid cartilages, cricothyroid membrane, tracheal rings over the air-mucosa line)."""

from __future__ import annotations

import copy
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
)

Tube = Literal["none", "trachea", "oesophagus"]


def airway_probe() -> Probe:
    return Probe("linear", 4.0, 10.0, 1.8, width_cm=4.6, n_beams=200, image_rows=400)


def _arc(cx: float, cz: float, r: float, a0: float, a1: float, n: int = 30) -> list[tuple[float, float]]:
    th = np.deg2rad(np.linspace(a0, a1, n))
    return [(cx + r * np.cos(t), cz + r * np.sin(t)) for t in th]


def _air(em: EchoMap, arc: list[tuple[float, float]], depth: float, n_reverb: int = 3) -> None:
    """A bright air interface: acoustic shadow beneath it (vertical beams) and reverberations."""
    a = np.array(arc)
    x0, x1 = float(a[:, 0].min()), float(a[:, 0].max())
    em.polygon([*arc, (x1, depth + 1), (x0, depth + 1)], 0.012)
    em.polyline(arc, 0.05, 70.0)
    for k in range(2, 2 + n_reverb):
        em.polyline([(x, z * k) for x, z in a], 0.05, 10.0 * 0.5 ** (k - 2))


def render_transverse(
    tube: Tube, seed: int, n_frames: int = 20, fps: float = 20.0
) -> tuple[np.ndarray, SceneTruth]:
    pr = airway_probe()
    rng = np.random.default_rng([seed, 61])
    em = EchoMap(pr, background=0.7)
    em.band(-5, 0.08, 2.2)
    em.band(0.08, 0.3, 0.4)
    em.band(0.3, 0.8, 0.55)
    em.polyline([(-5, 0.8), (5, 0.8)], 0.03, 5.0)
    for sx in (-1.5, 1.5):
        em.ellipse(sx, 1.3, 0.95, 0.6, 1.6)  # thyroid lobes
    em.ellipse(0.0, 0.95, 0.9, 0.18, 1.6)  # isthmus
    organ_texture(em, rng, em.data > 1.5, 0.2)
    em.ellipse(-2.15, 1.9, 0.38, 0.36, 0.004)  # carotid artery
    tc, tr = (0.0, 2.1), 1.0
    em.ellipse(*tc, tr + 0.05, tr + 0.05, 0.02)  # trachea (air below the mucosa)
    ring = _arc(tc[0], tc[1], tr, 195, 345)
    em.polyline(ring, 0.22, 0.08)  # hypoechoic cartilage
    mucosa = _arc(tc[0], tc[1], tr - 0.13, 198, 342)
    oc = (1.6, 2.75)
    ox, oz = (0.75, 0.55) if tube == "oesophagus" else (0.6, 0.38)
    em.ellipse(*oc, ox, oz, 2.5)
    em.ellipse(*oc, ox - 0.08, oz - 0.08, 0.12)
    em.ellipse(*oc, ox - 0.22, oz - 0.2, 1.8)
    tube_arc: list[tuple[float, float]] = []
    em.polyline([(-3, 3.55), (3, 3.5)], 0.12, 9.0)  # prevertebral fascia / longus colli
    _air(em, mucosa, pr.depth_cm)  # air-mucosa interface
    if tube == "oesophagus":
        tube_arc = _arc(oc[0], oc[1] + 0.05, 0.42, 200, 340, 16)
        _air(em, tube_arc, pr.depth_cm, 1)
    move = breathing(0.0, 0.03, n_frames / fps)
    passage = _passage_map(em, tc, tr, pr.depth_cm, seed) if tube == "trachea" else None
    frames = render_scene(pr, [Layer(em, move)], n_frames, fps, seed)
    values: dict[str, float] = {}
    if passage is not None:
        # the tube passing the trachea: a brief flutter of the air-mucosa interface with extra
        # reverberation ("snowstorm") in a few frames; the same seed keeps the other pixels equal
        first, last = n_frames // 3, n_frames // 3 + 3
        during = render_scene(pr, [Layer(passage, move)], n_frames, fps, seed)
        frames[first : last + 1] = during[first : last + 1]
        values = {"tube_passage_first": float(first), "tube_passage_last": float(last)}
    pts = {"trachea": to_px(pr, [(tc[0], tc[1] - tr + 0.13)])[0], "oesophagus": to_px(pr, [oc])[0]}
    lines = {"air_mucosa": to_px(pr, mucosa[::3])}
    if tube_arc:
        lines["tube"] = to_px(pr, tube_arc[::3])
    return frames, SceneTruth(pr, fps, {}, lines, pts, values)


def _passage_map(em: EchoMap, tc: tuple[float, float], tr: float, depth: float, seed: int) -> EchoMap:
    """The echo map while the tube passes: a second, irregular air line inside the trachea."""
    out = copy.deepcopy(em)
    rng = np.random.default_rng([seed, 63])
    wall = _arc(tc[0], tc[1], tr - 0.24, 210, 330, 24)
    wall = [(x, z + float(rng.normal(0, 0.015))) for x, z in wall]
    _air(out, wall, depth, 1)
    for _ in range(18):
        a = np.deg2rad(rng.uniform(210, 330))
        r = rng.uniform(tr - 0.4, tr - 0.2)
        out.ellipse(tc[0] + r * np.cos(a), tc[1] - abs(r * np.sin(a)), 0.03, 0.02, 12.0)
    return out


def render_longitudinal(
    seed: int, n_frames: int = 20, fps: float = 20.0, vessel: bool = False
) -> tuple[np.ndarray, SceneTruth]:
    """Parasagittal midline: thyroid cartilage, cricothyroid membrane, cricoid, tracheal rings.

    ``vessel``: an anterior jugular communicating vein running over the membrane (mark it before an
    incision)."""
    pr = airway_probe()
    rng = np.random.default_rng([seed, 62])
    em = EchoMap(pr, background=0.6)
    em.band(-5, 0.08, 2.2)
    em.band(0.08, 0.35, 0.4)
    em.band(0.35, 0.6, 0.55)
    organ_texture(em, rng, em.data > 0.5, 0.15)
    air_z = 1.25
    em.band(air_z, 40, 0.02)
    em.polygon([(-2.6, 0.55), (-0.65, 0.6), (-0.6, 1.15), (-2.6, 1.2)], 0.08)  # thyroid cartilage
    em.polyline([(-2.6, 0.55), (-0.65, 0.6)], 0.05, 6.0)
    em.ellipse(0.95, 0.88, 0.55, 0.3, 0.08)  # cricoid
    for x in (2.0, 2.75):
        em.ellipse(x, 0.95, 0.28, 0.18, 0.08)  # tracheal rings: string of pearls
    ctm = [(-0.6, 1.0), (0.4, 1.02)]
    em.polyline(ctm, 0.12, 6.0)  # cricothyroid membrane
    air = [(-3.0 + 0.2 * i, air_z + 0.008 * np.sin(i)) for i in range(31)]
    _air(em, air, pr.depth_cm, 2)
    if vessel:
        em.ellipse(-0.2, 0.42, 1.1, 0.16, 1.8)  # vein wall
        em.ellipse(-0.2, 0.42, 1.05, 0.12, 0.004)  # lumen
    frames = render_scene(pr, [Layer(em, breathing(0.0, 0.02, n_frames / fps))], n_frames, fps, seed)
    ctm_pt = (-0.1, 1.01)
    pts = {
        "ctm": to_px(pr, [ctm_pt])[0],
        "thyroid_cartilage": to_px(pr, [(-1.6, 0.85)])[0],
        "cricoid": to_px(pr, [(0.95, 0.88)])[0],
        "first_ring": to_px(pr, [(2.0, 0.95)])[0],
    }
    lines = {
        "ctm_depth": to_px(pr, [(ctm_pt[0], 0.0), ctm_pt]),
        "air_mucosa": _in_field(pr, to_px(pr, air[::3])),
    }
    if vessel:
        pts["vessel"] = to_px(pr, [(-0.2, 0.42)])[0]
    return frames, SceneTruth(pr, fps, {}, lines, pts, {"ctm_depth_cm": ctm_pt[1]})


def render_glottis(
    palsy: Literal["", "left"], seed: int, n_frames: int = 20, fps: float = 10.0
) -> tuple[np.ndarray, SceneTruth]:
    """Transverse at the thyroid cartilage: the inverted-V cartilage, the true cords meeting at the
    anterior commissure, opening with each breath and closing on phonation. ``palsy="left"``: the
    patient's left cord (screen right) stays still in the paramedian position.
    """
    pr = airway_probe()
    rng = np.random.default_rng([seed, 63])
    em = EchoMap(pr, background=0.65)
    em.band(-5, 0.08, 2.2)
    em.band(0.08, 0.35, 0.4)
    em.band(0.35, 0.55, 0.6)
    organ_texture(em, rng, em.data > 0.5, 0.15)
    apex = (0.0, 0.6)
    for side in (-1, 1):  # thyroid laminae: hypoechoic cartilage with a bright outer perichondrium
        outer = [apex, (side * 2.4, 1.9)]
        em.polyline(outer, 0.22, 0.1)
        em.polyline([(apex[0], apex[1] - 0.1), (side * 2.4, 1.8)], 0.04, 6.0)
    em.polygon([(0.0, 0.85), (-2.0, 2.0), (-2.0, 4.2), (2.0, 4.2), (2.0, 2.0)], 0.25)  # endolarynx
    static = em
    cords = EchoMap(pr, background=0.0)
    commissure = (0.0, 1.0)
    length = 1.55
    layers = [Layer(static)]
    truth_pts: dict[str, tuple[float, float]] = {"commissure": to_px(pr, [commissure])[0]}
    period = n_frames / fps
    for side in (-1, 1):
        fixed = palsy == "left" and side == 1
        em_c = EchoMap(pr, background=0.0)
        base = np.deg2rad(18.0 if fixed else 28.0)
        tip = (commissure[0] + side * length * np.sin(base), commissure[1] + length * np.cos(base))
        edge = [commissure, tip]
        back = (tip[0] + side * 0.55, tip[1] - 0.1)
        em_c.polygon([commissure, tip, back, (commissure[0] + side * 0.45, commissure[1] - 0.02)], 0.3)
        em_c.polyline(edge, 0.05, 12.0)  # vocal ligament: bright free edge
        em_c.ellipse(tip[0] + side * 0.15, tip[1] + 0.1, 0.28, 0.22, 2.5)  # arytenoid
        truth_pts["left_cord" if side == 1 else "right_cord"] = to_px(pr, [tip])[0]

        def swing(x, z, t, side=side, fixed=fixed):
            if fixed:
                return np.zeros_like(x), np.zeros_like(z)
            ph = (t / period) % 1.0
            # open wide in inspiration, meet the midline on phonation ("eee") mid-clip
            ang = np.deg2rad(22.0) * side * float(np.sin(np.pi * ph) ** 2)
            dx, dz = x - commissure[0], z - commissure[1]
            c, s = np.cos(ang), np.sin(ang)
            return dx * c - dz * s - dx, dx * s + dz * c - dz

        layers.append(Layer(em_c, swing))
        cords.data = np.maximum(cords.data, em_c.data)
    static.data[cords.data > 0] = 0.25
    air = [(-0.25, 2.9), (0.0, 3.0), (0.25, 2.9)]
    em.polyline(air, 0.05, 40.0)
    frames = render_scene(pr, layers, n_frames, fps, seed)
    lines = {"air_mucosa": to_px(pr, air)}
    return frames, SceneTruth(pr, fps, {}, lines, truth_pts, {"cord_length_cm": length})


def _in_field(pr: Probe, px: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points of a traced line that fall inside the image field (stored-frame pixels)."""
    x0, y0, x1, y1 = pr.field_box
    return [(x, y) for x, y in px if x0 <= x <= x1 and y0 <= y <= y1]


__all__ = ["ellipse_pts", "render_glottis", "render_longitudinal", "render_transverse"]
