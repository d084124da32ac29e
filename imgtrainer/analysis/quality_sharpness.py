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
    laplacian_nvar: float  # var(Laplacian) / mean^2 inside the scan area
    tenengrad: float  # mean(|Sobel gradient|^2) / mean^2
    noise_ratio: float  # finest-scale / next-scale detail energy: ~2 for white noise, <1 speckle

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
        return SharpnessMetrics(0.0, 0.0, 0.0)
    mean = float(gray[inner].mean())
    if mean <= 0.5:
        return SharpnessMetrics(0.0, 0.0, 0.0)
    lap = cv2.Laplacian(gray, cv2.CV_16S, ksize=3)
    lv = float(lap[inner].astype(np.float64).var())
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    ten = float((gx[inner] ** 2 + gy[inner] ** 2).mean())
    return SharpnessMetrics(lv / mean**2, ten / mean**2, _noise_ratio(gray, inner))


_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def _noise_ratio(gray: np.ndarray, inner: np.ndarray) -> float:
    """RMS of the Immerkaer noise operator at full over half resolution.

    Uncorrelated (electronic, added) noise keeps half its operator response after 2x2
    averaging, so the ratio approaches 2; speckle is correlated over several pixels and
    blur removes fine detail, both giving well under 1. The uint8 rounding noise (variance
    1/12 per pixel) is subtracted so that smooth images do not look noisy.
    """
    g = gray.astype(np.float32)
    fine = cv2.filter2D(g, -1, _NOISE_KERNEL)[inner]
    half = cv2.resize(g, (max(4, g.shape[1] // 2), max(4, g.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    m_half = (
        cv2.resize(inner.astype(np.uint8), (half.shape[1], half.shape[0]), interpolation=cv2.INTER_NEAREST)
        > 0
    )
    coarse = cv2.filter2D(half, -1, _NOISE_KERNEL)[m_half]
    if fine.size == 0 or coarse.size == 0:
        return 0.0
    k2 = float((_NOISE_KERNEL**2).sum())
    f2 = max(0.0, float(np.mean(fine.astype(np.float64) ** 2)) - k2 / 12.0)
    c2 = max(0.0, float(np.mean(coarse.astype(np.float64) ** 2)) - k2 / 48.0) + k2 / 12.0
    return float(np.sqrt(f2 / c2))
