"""Gain metrics: how bright the imaged area is and how much of it is clipped.

Units are grey levels 0-255 of the displayed (log-compressed) image, inside the scan area.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SATURATED_LEVEL = 250
"""Grey level at or above which a pixel counts as saturated (white-clipped)."""
BLACK_LEVEL = 5
"""Grey level at or below which a pixel counts as black-clipped."""


@dataclass
class GainMetrics:
    mean: float  # mean grey level inside the scan area
    median: float
    p5: float  # 5th percentile grey level (the black floor: high means washed out)
    p95: float  # 95th percentile grey level (the bright end in use)
    saturated_fraction: float  # share of pixels >= SATURATED_LEVEL
    black_fraction: float  # share of pixels <= BLACK_LEVEL

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def gain_metrics(gray: np.ndarray, mask: np.ndarray) -> GainMetrics:
    """Gain of one grayscale frame inside ``mask`` (bool, same shape)."""
    px = gray[mask]
    if px.size == 0:
        return GainMetrics(0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    hist = np.bincount(px.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cdf = np.cumsum(hist) / total
    levels = np.arange(256)
    return GainMetrics(
        mean=float((hist * levels).sum() / total),
        median=float(np.searchsorted(cdf, 0.5)),
        p5=float(np.searchsorted(cdf, 0.05)),
        p95=float(np.searchsorted(cdf, 0.95)),
        saturated_fraction=float(hist[SATURATED_LEVEL:].sum() / total),
        black_fraction=float(hist[: BLACK_LEVEL + 1].sum() / total),
    )
