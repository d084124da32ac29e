"""Stability and clip adequacy: probe motion, jitter, length, frame rate and frozen frames.

Motion is the global frame-to-frame translation inside the scan area, found by phase
correlation (a global optical-flow estimate) at reduced size. It is expressed as a share of
the image height per second so that it does not depend on pixel size. ``motion`` is the
median speed of that shift (the whole image sliding means the probe moved); ``jitter`` is
the spread of the shift vectors (shake).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

FLOW_SIZE = 160
"""Longest side, in pixels, of the frames optical flow runs on."""


@dataclass
class MotionMetrics:
    motion: float  # median global shift speed, image heights per second
    jitter: float  # std of the global frame-to-frame shift, image heights per second
    frozen_fraction: float  # share of neighbouring frame pairs that are identical
    n_pairs: int

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


@dataclass
class AdequacyMetrics:
    n_frames: int
    duration_s: float
    fps: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 3) for k, v in asdict(self).items()}


def _small(gray: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return gray
    size = (max(8, round(gray.shape[1] * scale)), max(8, round(gray.shape[0] * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def motion_metrics(pairs: list[tuple[np.ndarray, np.ndarray, float]], mask: np.ndarray) -> MotionMetrics:
    """Motion over ``pairs`` of (frame_a, frame_b, dt_seconds) grayscale frames."""
    if not pairs:
        return MotionMetrics(0.0, 0.0, 0.0, 0)
    h, w = mask.shape
    scale = min(1.0, FLOW_SIZE / max(h, w))
    m_small = _small(mask.astype(np.uint8), scale) > 0
    sh = m_small.shape[0]
    weight = _feather(m_small)
    speeds, shifts, frozen = [], [], 0
    for a, b, dt in pairs:
        if np.abs(a[mask].astype(np.int16) - b[mask].astype(np.int16)).mean() < 0.5:
            frozen += 1
            continue
        dt = max(float(dt), 1e-3)
        shift = _global_shift(_small(a, scale), _small(b, scale), weight)
        speeds.append(float(np.hypot(*shift)) / sh / dt)
        shifts.append(shift / sh / dt)
    motion = float(np.median(speeds)) if speeds else 0.0
    jitter = float(np.linalg.norm(np.std(np.array(shifts), axis=0))) if len(shifts) >= 3 else 0.0
    return MotionMetrics(motion, jitter, frozen / len(pairs), len(pairs))


def _feather(mask: np.ndarray) -> np.ndarray:
    """A weight that is 1 well inside ``mask`` and falls smoothly to 0 before its edge.

    The scan-area outline does not move with the probe; left sharp, it would pin the
    correlation peak at zero shift.
    """
    r = max(2, min(mask.shape) // 16)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).astype(np.float32)
    if inner.sum() < 16:
        inner = mask.astype(np.float32)
    return cv2.GaussianBlur(inner, (0, 0), r / 2.0)


def _global_shift(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Translation (dx, dy) in pixels of ``b`` relative to ``a`` by phase correlation.

    Phase correlation finds the one displacement shared by most of the image (the probe
    sliding or shaking), largely ignoring local tissue motion such as lung sliding or a
    beating heart, which a median of dense optical flow mixes in.
    """
    fa = a.astype(np.float32)
    fb = b.astype(np.float32)
    wsum = float(weight.sum())
    if wsum <= 0:
        return np.zeros(2)
    fa = (fa - float((fa * weight).sum()) / wsum) * weight
    fb = (fb - float((fb * weight).sum()) / wsum) * weight
    (dx, dy), _resp = cv2.phaseCorrelate(fa, fb)
    return np.array([dx, dy], dtype=np.float64)
