"""Sharpness: normalised variance of the Laplacian and normalised Tenengrad.

Both are divided by the squared mean brightness so that gain alone does not change them;
blur (defocus, wrong frequency, heavy smoothing or compression) lowers them. The border of
the scan area is excluded (its edge would dominate).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass
class SharpnessMetrics:
    laplacian_nvar: float  # var(Laplacian) / mean^2 inside the scan area (noise removed)
    coarse_nvar: float  # the same at 1/4 size: keeps falling under heavy blur
    tenengrad: float  # mean(|Sobel gradient|^2) / mean^2
    noise_ratio: float  # finest-scale / next-scale detail energy: ~2 for white noise, <1 speckle
    noise_sigma: float  # grey levels: white-noise std in the quietest fifth of the image

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 6) for k, v in asdict(self).items()}


def inner_mask(mask: np.ndarray, fraction: float = 0.03) -> np.ndarray:
    """``mask`` eroded by ``fraction`` of the smaller image side (keeps it if that empties it)."""
    r = max(2, int(fraction * min(mask.shape)))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
    return inner if inner.sum() >= 64 else mask


def sharpness_metrics(gray: np.ndarray, inner: np.ndarray) -> SharpnessMetrics:
    """Sharpness of one grayscale frame inside ``inner`` (an eroded scan-area mask)."""
    if inner.sum() < 16:
        return SharpnessMetrics(0.0, 0.0, 0.0, 0.0, 0.0)
    mean = float(gray[inner].mean())
    if mean <= 0.5:
        return SharpnessMetrics(0.0, 0.0, 0.0, 0.0, 0.0)
    ratio, sigma = _noise(gray, inner)
    lap = cv2.Laplacian(gray, cv2.CV_16S, ksize=3)
    # white noise of std sigma (and uint8 rounding, variance 1/12) adds 20 x its variance to
    # the Laplacian variance: it is not detail, and left in it would stop heavy blur from
    # lowering the measure any further
    lv = max(1e-4, float(lap[inner].astype(np.float64).var()) - 20.0 * (sigma**2 + 1.0 / 12.0))
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    ten = float((gx[inner] ** 2 + gy[inner] ** 2).mean())
    return SharpnessMetrics(lv / mean**2, _coarse_nvar(gray, inner), ten / mean**2, ratio, sigma)


def _coarse_nvar(gray: np.ndarray, inner: np.ndarray, factor: int = 4) -> float:
    """Normalised Laplacian variance of the frame shrunk ``factor`` times (area averaging).

    At full size the Laplacian of a strongly blurred frame is left with rounding and edge
    residue, so it stops falling past a blur of a few pixels; at 1/4 size it keeps falling.
    """
    h, w = gray.shape
    size = (max(8, w // factor), max(8, h // factor))
    small = cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    m = cv2.resize(inner.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    m = cv2.erode(m, np.ones((3, 3), np.uint8)) > 0
    if m.sum() < 16:
        return 0.0
    mean = float(small[m].mean())
    if mean <= 0.5:
        return 0.0
    lap = cv2.Laplacian(small, cv2.CV_32F, ksize=3)
    return float(lap[m].astype(np.float64).var()) / mean**2


_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def _noise(gray: np.ndarray, inner: np.ndarray) -> tuple[float, float]:
    """RMS of the Immerkaer noise operator at full over half resolution, and the noise floor.

    Uncorrelated (electronic, added) noise keeps half its operator response after 2x2
    averaging, so the ratio approaches 2; speckle is correlated over several pixels and
    blur removes fine detail, both giving well under 1. The uint8 rounding noise (variance
    1/12 per pixel) is subtracted so that smooth images do not look noisy.

    The noise floor is the white-noise std (grey levels) read in the quietest fifth of the
    image: the 20th percentile of the local operator energy. Speckle and edges only add to
    that energy, and added noise raises it everywhere, so the floor grows steadily with
    noise where the ratio levels off near 2.
    """
    g = gray.astype(np.float32)
    fine_map = cv2.filter2D(g, -1, _NOISE_KERNEL)
    fine = fine_map[inner]
    half = cv2.resize(g, (max(4, g.shape[1] // 2), max(4, g.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    m_half = (
        cv2.resize(inner.astype(np.uint8), (half.shape[1], half.shape[0]), interpolation=cv2.INTER_NEAREST)
        > 0
    )
    coarse = cv2.filter2D(half, -1, _NOISE_KERNEL)[m_half]
    if fine.size == 0 or coarse.size == 0:
        return 0.0, 0.0
    k2 = float((_NOISE_KERNEL**2).sum())
    f2 = max(0.0, float(np.mean(fine.astype(np.float64) ** 2)) - k2 / 12.0)
    c2 = max(0.0, float(np.mean(coarse.astype(np.float64) ** 2)) - k2 / 48.0) + k2 / 12.0
    local = cv2.blur(fine_map * fine_map, (7, 7))[inner]
    floor = max(0.0, float(np.percentile(local, 20)) - k2 / 12.0)
    return float(np.sqrt(f2 / c2)), float(np.sqrt(floor / k2))
