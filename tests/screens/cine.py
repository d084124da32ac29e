"""A synthetic calibrated cine for the screen-state and GUI tests."""

from __future__ import annotations

import numpy as np

from imgtrainer.media.clip import ArrayClip, Region


def make_cine(
    n: int = 20, rows: int = 120, cols: int = 160, fps: float = 20.0, two_regions: bool = True
) -> ArrayClip:
    """A moving bright bar over a gradient, with one or two calibrated regions (0.05 cm/px)."""
    _yy, xx = np.mgrid[0:rows, 0:cols]
    frames = np.empty((n, rows, cols), np.uint8)
    for i in range(n):
        img = (xx * 200 // cols).astype(np.uint8)
        img[:, (i * 5) % cols : (i * 5) % cols + 4] = 255
        frames[i] = img
    half = cols // 2
    regions = [Region(0, 0, half - 1, rows - 1, units_x="cm", units_y="cm", delta_x=0.05, delta_y=0.05)]
    if two_regions:
        regions.append(
            Region(half, 0, cols - 1, rows - 1, units_x="cm", units_y="cm", delta_x=0.1, delta_y=0.1)
        )
    return ArrayClip(frames, fps=fps, regions=regions)
