"""Choosing and reading the frames an analysis looks at.

Analyses subsample long clips (every metric is a robust statistic over frames, and a
30 fps clip changes little between neighbours) so that they run many times faster than
real time. Indices are read in increasing order, which suits sequential video decoders.
"""

from __future__ import annotations

import numpy as np

from imgtrainer.media.clip import Clip
from imgtrainer.media.scanarea import to_gray


def spread_indices(n_frames: int, k: int) -> np.ndarray:
    """Up to ``k`` frame indices spread evenly over ``0..n_frames-1`` (sorted, unique)."""
    n = max(0, int(n_frames))
    if n == 0 or k <= 0:
        return np.zeros(0, int)
    return np.unique(np.linspace(0, n - 1, min(n, int(k))).round().astype(int))


def pair_indices(n_frames: int, k: int, gap: int = 1) -> list[tuple[int, int]]:
    """Up to ``k`` pairs ``(i, i + gap)`` spread over the clip, for frame-to-frame motion."""
    if n_frames <= gap:
        return []
    starts = spread_indices(n_frames - gap, k)
    return [(int(i), int(i) + gap) for i in starts]


def read_gray(clip: Clip, indices: np.ndarray | list[int]) -> dict[int, np.ndarray]:
    """Grayscale uint8 frames by index; frames that fail to decode are skipped."""
    out: dict[int, np.ndarray] = {}
    for i in sorted({int(j) for j in indices}):
        try:
            out[i] = to_gray(clip.frame(i))
        except Exception:  # one bad frame must not stop the analysis of the rest
            continue
    return out
