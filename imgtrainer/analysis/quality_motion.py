"""Stability and clip adequacy: probe motion, jitter, length, frame rate and frozen frames.

Motion is Farneback optical flow between neighbouring frames at reduced size (a 25 ms flow at
half size instead of 150 ms at full size), inside the scan area. It is expressed as a share of
the image height per second so that it does not depend on pixel size. ``motion`` is the
median flow speed (the whole image sliding means the probe moved); ``jitter`` is the spread
of the frame-to-frame global shift (shake).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

FLOW_SIZE = 160
"""Longest side, in pixels, of the frames optical flow runs on."""


@dataclass
class MotionMetrics:
    motion: float  # median flow speed, image heights per second
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
    speeds, shifts, frozen = [], [], 0
    for a, b, dt in pairs:
        if np.abs(a[mask].astype(np.int16) - b[mask].astype(np.int16)).mean() < 0.5:
            frozen += 1
            continue
        sa, sb = _small(a, scale), _small(b, scale)
        flow = cv2.calcOpticalFlowFarneback(sa, sb, None, 0.5, 3, 13, 3, 5, 1.1, 0)
        fv = flow[m_small]
        if fv.size == 0:
            continue
        dt = max(float(dt), 1e-3)
        speeds.append(float(np.median(np.hypot(fv[:, 0], fv[:, 1]))) / sh / dt)
        shifts.append(np.median(fv, axis=0) / sh / dt)
    motion = float(np.median(speeds)) if speeds else 0.0
    jitter = float(np.linalg.norm(np.std(np.array(shifts), axis=0))) if len(shifts) >= 3 else 0.0
    return MotionMetrics(motion, jitter, frozen / len(pairs), len(pairs))
