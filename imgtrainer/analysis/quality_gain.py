"""Gain metrics: how bright the imaged area is and how much of it is clipped.

Units are grey levels 0-255 of the displayed (log-compressed) image, inside the scan area.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

SATURATED_LEVEL = 250
"""Grey level at or above which a pixel counts as saturated (white-clipped)."""
BLACK_LEVEL = 5
"""Grey level at or below which a pixel counts as black-clipped."""
BRIGHT_SURROUND = 160
"""Mean grey level around a clipped pixel above which it is clipped tissue, not a drawn mark."""


@dataclass
class GainMetrics:
    mean: float  # mean grey level inside the scan area
    median: float
    p5: float  # 5th percentile grey level (the black floor: high means washed out)
    p95: float  # 95th percentile grey level (the bright end in use)
    saturated_fraction: float  # share of pixels >= SATURATED_LEVEL in bright surroundings
    black_fraction: float  # share of pixels <= BLACK_LEVEL

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def gain_metrics(gray: np.ndarray, mask: np.ndarray, smooth: np.ndarray | None = None) -> GainMetrics:
    """Gain of one grayscale frame inside ``mask`` (bool, same shape).

    Brightness and black clipping are read on ``smooth``, the frame median-filtered (5x5) by
    default: uncorrelated noise clipped at black has a positive mean, so read on the raw
    frame it would make a dark, noisy image look brighter and less black-clipped. White
    clipping is read on the raw frame.
    """
    px = (cv2.medianBlur(gray, 5) if smooth is None else smooth)[mask]
    if px.size == 0:
        return GainMetrics(0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    n_sat = float(np.count_nonzero(gray[mask] >= SATURATED_LEVEL))
    hist = np.bincount(px.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cdf = np.cumsum(hist) / total
    levels = np.arange(256)
    return GainMetrics(
        mean=float((hist * levels).sum() / total),
        median=float(np.searchsorted(cdf, 0.5)),
        p5=float(np.searchsorted(cdf, 0.05)),
        p95=float(np.searchsorted(cdf, 0.95)),
        saturated_fraction=_clipped_patches(gray, mask, n_sat) / total,
        black_fraction=float(hist[: BLACK_LEVEL + 1].sum() / total),
    )


def _clipped_patches(gray: np.ndarray, mask: np.ndarray, n_saturated: float) -> float:
    """Number of white-clipped pixels that lie in bright surroundings, not in thin marks.

    Calipers, text and markers drawn inside the sector are white but thin, on darker
    tissue, so the mean of their neighbourhood (a box of 2 % of the image side) stays low;
    over-gain clips tissue whose neighbours are pushed up with it. Raising the gain raises
    both the pixel and its neighbourhood, so more gain never counts fewer clipped pixels.
    """
    if n_saturated == 0:
        return 0.0
    k = max(5, (min(gray.shape) // 50) | 1)
    local = cv2.blur(gray, (k, k))
    return float(np.count_nonzero((gray >= SATURATED_LEVEL) & (local >= BRIGHT_SURROUND) & mask))
