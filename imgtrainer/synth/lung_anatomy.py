"""What a lung clip draws (``LungParams``), what it drew (``LungTruth``), its probe and chest wall.

Shared by the lung scenes (``lung``: pleura, ribs, A/B-lines; ``lung_plaps``: effusion;
``lung_diaphragm``: the lung curtain over the liver) so none of them imports another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from imgtrainer.synth.phantom import EchoMap
from imgtrainer.synth.probe import Probe

Sliding = Literal["present", "absent", "lung_point"]


@dataclass(frozen=True)
class LungParams:
    """What to draw. Depths in cm from the skin; ``n_blines`` separated B-lines (0-8)."""

    probe: Literal["linear", "convex"] = "convex"
    depth_cm: float = 12.0
    pleura_cm: float = 2.2
    sliding: Sliding = "present"
    n_blines: int = 0
    n_zlines: int = 0  # short, fading vertical artifacts (a distractor: not B-lines)
    confluent: bool = False
    a_lines: bool = True
    effusion_cm: float = 0.0  # > 0: posterolateral (PLAPS) view with an effusion this deep
    consolidation: bool = False
    n_frames: int = 24
    fps: float = 12.0
    slide_cm: float = 0.13  # peak lateral excursion of the visceral pleura per breath
    gain_db: float = 0.0
    lung_pulse: bool = False  # no sliding, but the pleura beats with the heart (lung pulse)
    heart_rate: float = 84.0  # beats per minute for the lung pulse
    diaphragm: Literal["", "normal", "paradoxical"] = ""  # "": no diaphragm view (lung_diaphragm)
    excursion_cm: float = 0.0  # craniocaudal travel of the diaphragm over the breath in the clip


@dataclass
class LungTruth:
    """What the generator drew. Pixel coordinates are (x, y) of the stored frame."""

    probe: Probe
    fps: float
    pleura_depth_cm: float  # skin to pleural line at the probe centre
    pleura_row_px: float
    pleural_line_px: list[tuple[float, float]]  # two end points
    blines_x_px: list[list[float]] = field(default_factory=list)  # per frame, at the pleura
    blines_marks_px: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)
    blines_marks_frame: int | None = None  # frame the marks belong to (None: every frame)
    sliding_frames: list[int] = field(default_factory=list)  # frames where some sliding is seen
    no_sliding_ranges: list[tuple[int, int]] = field(default_factory=list)
    a_line_rows_px: list[float] = field(default_factory=list)
    zlines_x_px: list[float] = field(default_factory=list)  # at the pleura (static)
    rib_shadow_x_px: list[tuple[float, float]] = field(default_factory=list)
    rib_top_px: list[tuple[float, float]] = field(default_factory=list)  # top of each rib surface
    diaphragm_excursion_cm: float = 0.0
    diaphragm_caliper_px: list[tuple[float, float]] = field(default_factory=list)
    diaphragm_frames: tuple[int, int] = (0, 0)  # frames of the two extreme positions
    effusion_depth_cm: float = 0.0
    effusion_caliper_px: list[tuple[float, float]] = field(default_factory=list)
    effusion_polygon_px: list[tuple[float, float]] = field(default_factory=list)
    consolidation_polygon_px: list[tuple[float, float]] = field(default_factory=list)


def lung_probe(p: LungParams) -> Probe:
    if p.probe == "linear":
        return Probe("linear", p.depth_cm, 10.0, p.pleura_cm + 0.3, width_cm=4.4, n_beams=208, image_rows=400)
    return Probe("convex", p.depth_cm, 3.5, p.pleura_cm + 2.0, radius_cm=5.0, sector_deg=62, n_beams=256)


def chest_wall(pr: Probe, pleura_cm: float, rng: np.random.Generator) -> EchoMap:
    """Skin, subcutaneous fat and intercostal muscle down to the pleura (background 0 below)."""
    wall = EchoMap(pr, background=0.0)
    fat = min(0.5, pleura_cm * 0.25)
    wall.band(-5, 0.12, 1.3)
    wall.band(0.12, 0.12 + fat, 0.35)
    wall.band(0.12 + fat, pleura_cm + 0.2, 0.9)
    fib = EchoMap(pr, background=1.0)
    h, w = fib.data.shape
    small = rng.standard_normal((h // 2 + 1, w // 8 + 1)).astype(np.float32)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=5, sigmaY=1.25)
    noise = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    noise /= noise.std() + 1e-9
    wall.data *= np.exp(0.7 * noise)
    wall.polyline([(-20, 0.12 + fat), (20, 0.12 + fat)], 0.03, 3.0)
    # muscle fascia: thin bright streaks running along the chest wall
    for z in np.linspace(0.12 + fat + 0.25, pleura_cm - 1.3, 3):
        if z < 0.12 + fat + 0.15:
            continue
        xs = np.linspace(-20, 20, 80)
        zs = z + 0.04 * np.sin(xs * rng.uniform(0.6, 1.4) + rng.uniform(0, 6))
        wall.polyline(list(zip(xs, zs, strict=True)), 0.025, 2.5)
    return wall
