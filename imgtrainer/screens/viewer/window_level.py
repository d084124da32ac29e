"""Window/level (contrast/brightness) for uint8 frames, as a 256-entry lookup table (Qt-free)."""

from __future__ import annotations

import numpy as np

FULL_WINDOW = 256.0
MID_LEVEL = 127.5


def is_identity(window: float, level: float) -> bool:
    return abs(window - FULL_WINDOW) < 1e-6 and abs(level - MID_LEVEL) < 1e-6


def lut(window: float, level: float) -> np.ndarray:
    """Lookup table mapping grey ``level - window/2 .. level + window/2`` onto 0..255."""
    window = max(1.0, float(window))
    x = np.arange(256, dtype=np.float32)
    y = (x - (level - window / 2)) * (255.0 / window)
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def apply(frame: np.ndarray, window: float, level: float) -> np.ndarray:
    """The frame with window/level applied; the same array (no copy) for the identity setting."""
    if is_identity(window, level):
        return frame
    import cv2  # lazy: keeps the app's start fast

    return cv2.LUT(np.ascontiguousarray(frame), lut(window, level))


def drag_to_window_level(
    window: float, level: float, dx: float, dy: float, sensitivity: float = 1.0
) -> tuple[float, float]:
    """New (window, level) after a mouse drag of (dx, dy) widget pixels.

    Right widens the window (less contrast), down raises the level (darker), as in PACS viewers.
    """
    new_window = min(512.0, max(1.0, window + dx * sensitivity))
    new_level = min(255.0, max(0.0, level + dy * sensitivity * 0.5))
    return new_window, new_level
