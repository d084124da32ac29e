"""Generic scene rendering: a static echo map plus moving layers, one B-mode frame per time step.

A ``Layer`` is an echo map whose scatterers move with a displacement function of (x, z, t), so
organ speckle moves with the organ (breathing, heartbeat) and is never redrawn between frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from imgtrainer.synth.bmode import Echoes, Look, render
from imgtrainer.synth.phantom import EchoMap, Tissue
from imgtrainer.synth.probe import Probe

Move = Callable[[np.ndarray, np.ndarray, float], tuple[np.ndarray, np.ndarray]]


@dataclass
class Layer:
    echo: EchoMap
    move: Move | None = None


def breathing(amp_x: float, amp_z: float, period_s: float) -> Move:
    """Rigid organ drift with respiration (cm), periodic over ``period_s``."""

    def move(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        s = 0.5 * (1 - np.cos(2 * np.pi * t / period_s))
        return np.full_like(x, amp_x * s), np.full_like(z, amp_z * s)

    return move


def contraction(
    cx: float, cz: float, radius: float, amount: float, period_s: float, systole: float = 0.35
) -> Move:
    """Radial squeeze toward (cx, cz): walls move in by ``amount`` x distance at end-systole.

    Points beyond ``1.6 * radius`` do not move; the cycle is a smooth pulse in the first
    ``systole`` fraction of each period (so clips loop seamlessly).
    """

    def move(x: np.ndarray, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        ph = (t / period_s) % 1.0
        c = np.sin(np.pi * min(ph / (2 * systole), 1.0)) ** 2 if ph < 2 * systole else 0.0
        dx, dz = x - cx, z - cz
        d = np.hypot(dx, dz) / radius
        w = np.clip(1.6 - d, 0, 1) ** 0.5
        return -amount * c * dx * w, -amount * c * dz * w

    return move


def squeeze_phase(t: float, period_s: float, systole: float = 0.35) -> float:
    """The contraction fraction 0..1 used by ``contraction`` at time ``t``."""
    ph = (t / period_s) % 1.0
    return float(np.sin(np.pi * min(ph / (2 * systole), 1.0)) ** 2) if ph < 2 * systole else 0.0


def render_scene(
    probe: Probe,
    layers: Sequence[Layer],
    n_frames: int,
    fps: float,
    seed: int,
    look: Look = Look(),
    shadow: np.ndarray | None = None,
) -> np.ndarray:
    """Frames (n, rows, cols) uint8 of the layers; scatterers are seeded from ``seed`` per layer.

    Attenuation follows the anatomy of the first frame: fluid attenuates less than the tissue the
    TGC is set for, so tissue behind fluid is brighter (posterior acoustic enhancement).
    """
    enhance = enhancement_map(probe, [lay.echo for lay in layers])
    shadow = enhance if shadow is None else shadow * enhance
    tissues = [Tissue(probe, lay.echo, np.random.default_rng([seed, 50, i])) for i, lay in enumerate(layers)]
    frames = []
    for f in range(n_frames):
        t = f / fps
        parts = []
        for lay, tis in zip(layers, tissues, strict=True):
            if lay.move is None:
                parts.append(tis.echoes())
            else:
                parts.append(tis.echoes(lambda x, z, m=lay.move, t=t: m(x, z, t)))
        frames.append(
            render(
                probe,
                Echoes.join(parts),
                probe.scatter_density,
                np.random.default_rng([seed, 100, f]),
                look,
                shadow,
            )
        )
    return np.stack(frames)


def enhancement_map(
    probe: Probe,
    echoes: Sequence[EchoMap],
    tissue_db_cm: float = 1.2,
    fluid_below: float = 0.02,
    max_db: float = 9.0,
) -> np.ndarray:
    """Envelope gain (n_range, n_beams): +``tissue_db_cm`` per cm of fluid crossed (two-way, capped)."""
    rr, bb = np.meshgrid(probe.r_cm, np.arange(probe.n_beams, dtype=float), indexing="ij")
    pos = probe.beam_pos[0] + bb * probe.beam_step
    x, z = probe.to_tissue(rr, pos)
    total = np.zeros(x.size, np.float32)
    for em in echoes:
        total += em.sample(x.ravel(), z.ravel())
    fluid = (total.reshape(x.shape) < fluid_below) & (z > 0.3)
    gain_db = np.minimum(np.cumsum(fluid, axis=0) * probe.dr_cm * tissue_db_cm, max_db)
    return (10 ** (gain_db / 20)).astype(np.float32)


def wobble(rng: np.random.Generator, size_cm: float, harmonics: tuple[int, ...] = (2, 3, 5, 7)) -> np.ndarray:
    """Random smooth outline perturbation for ``ellipse_pts``: (harmonic, amplitude cm, phase) rows."""
    amps = [size_cm * rng.uniform(0.02, 0.05) / (1 + 0.3 * k) for k in harmonics]
    return np.array([(k, a, rng.uniform(0, 2 * np.pi)) for k, a in zip(harmonics, amps, strict=True)])


def organ_texture(em: EchoMap, rng: np.random.Generator, region: np.ndarray, strength: float = 0.3) -> None:
    """Multiply a smooth parenchymal texture into the masked region of ``em``."""
    tex = EchoMap.__new__(EchoMap)
    tex.x0, tex.z0, tex.res = em.x0, em.z0, em.res
    tex.data = np.ones_like(em.data)
    tex.texture(rng, 0.2, strength)
    em.data[region] *= tex.data[region]


@dataclass
class SceneTruth:
    """Ground truth of a scene: named outlines and lines in stored-frame pixels, values in cm."""

    probe: Probe
    fps: float
    polygons: dict[str, list[tuple[float, float]]]
    lines: dict[str, list[tuple[float, float]]]
    points: dict[str, tuple[float, float]]
    values: dict[str, float]


def to_px(probe: Probe, pts: Sequence[tuple[float, float]] | np.ndarray) -> list[tuple[float, float]]:
    """Tissue cm points -> stored-frame pixels, clipped to the imaged field."""
    out = []
    for x, z in np.asarray(pts, dtype=float):
        xx, zz = float(x), float(z)
        for _ in range(80):
            if probe.in_field(np.array([xx]), np.array([zz]))[0]:
                break
            xx *= 0.97
            zz = min(max(zz, 0.05), probe.depth_cm - 0.05)
        c, r = probe.to_pixels(xx, zz)
        out.append((float(c), float(r)))
    return out


def ellipse_pts(
    cx: float,
    cz: float,
    ax: float,
    az: float,
    n: int = 24,
    angle_deg: float = 0.0,
    wobble: np.ndarray | None = None,
) -> np.ndarray:
    """Outline points of an ellipse (cm); ``wobble`` rows (harmonic, amplitude cm, phase) make it organic."""
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    a = np.deg2rad(angle_deg)
    extra = np.zeros_like(th)
    for k, amp, ph in np.zeros((0, 3)) if wobble is None else wobble:
        extra += amp * np.cos(k * th + ph)
    ex, ez = (ax + extra) * np.cos(th), (az + extra) * np.sin(th)
    return np.stack([cx + ex * np.cos(a) - ez * np.sin(a), cz + ex * np.sin(a) + ez * np.cos(a)], axis=1)
