"""Small synthetic ultrasound-like clips with known truth, for the analysis tests."""

from __future__ import annotations

import cv2
import numpy as np


def sector_mask(
    rows: int, cols: int, apex: tuple[float, float], r0: float, r1: float, half_deg: float
) -> np.ndarray:
    """Bool mask of a convex-probe sector with apex (x, y), radii r0..r1 and half-angle."""
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float32)
    dx, dy = xx - apex[0], yy - apex[1]
    r = np.hypot(dx, dy)
    ang = np.degrees(np.arctan2(dx, dy))
    return (r >= r0) & (r <= r1) & (np.abs(ang) <= half_deg)


def speckle_clip(
    n: int = 12,
    rows: int = 300,
    cols: int = 400,
    seed: int = 0,
    apex: tuple[float, float] = (200.0, -60.0),
    text: bool = True,
    text_weight: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Frames (n, rows, cols, 3) of moving speckle inside a sector, static text outside; mask.

    ``text_weight`` 2 draws the labels twice as thick and antialiased, like a scanner's
    overlay font (OpenCV >= 5.1 draws even weight 1 with an antialiased TrueType face).
    """
    rng = np.random.default_rng(seed)
    mask = sector_mask(rows, cols, apex, 80, 330, 30)
    base = rng.rayleigh(1.0, size=(rows + n * 2, cols)).astype(np.float32)
    frames = []
    for i in range(n):
        sp = base[i * 2 : i * 2 + rows] * (0.6 + 0.4 * rng.random((rows, cols), dtype=np.float32))
        sp = cv2.GaussianBlur(sp, (0, 0), 1.2)
        depth = np.linspace(1.0, 0.5, rows, dtype=np.float32)[:, None]
        img = np.clip(sp * 70 * depth, 0, 255) * mask
        img = img.astype(np.uint8)
        if text:
            aa = cv2.LINE_AA if text_weight > 1 else cv2.LINE_8
            name = "PATIENT NAME 12/03"
            cv2.putText(img, name, (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 255, text_weight, aa)
            cv2.putText(img, "5 cm", (cols - 60, rows - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 255, 1)
            cv2.line(img, (cols - 10, 40), (cols - 10, rows - 40), 200, 1)
        frames.append(np.repeat(img[..., None], 3, axis=2))
    return np.stack(frames), mask


def lung_clip(
    n: int = 20,
    rows: int = 240,
    cols: int = 200,
    pleura: int = 50,
    blines: tuple[int, ...] = (),
    sliding: bool = True,
    seed: int = 1,
) -> np.ndarray:
    """Linear-probe lung frames (n, rows, cols) uint8 with known truth.

    Static chest-wall speckle above row ``pleura``, a bright pleural line there, A-lines at
    2x and 3x its depth (fading), lung speckle below that slides 1 px/frame sideways when
    ``sliding``, and bright vertical B-lines (6 px wide) at the x positions in ``blines``
    from the pleura to the bottom, erasing the A-lines.
    """
    rng = np.random.default_rng(seed)
    wall = cv2.GaussianBlur(rng.rayleigh(1.0, (rows, cols)).astype(np.float32), (0, 0), 1.0)
    lung = cv2.GaussianBlur(rng.rayleigh(1.0, (rows, cols + 2 * n)).astype(np.float32), (0, 0), 1.0)
    depth = np.arange(rows, dtype=np.float32)[:, None]
    frames = []
    for i in range(n):
        shift = i if sliding else 0
        img = np.zeros((rows, cols), np.float32)
        img[:pleura] = 55 * wall[:pleura]
        below = lung[:, shift : shift + cols] * 35 * np.exp(-(depth - pleura) / (1.5 * rows))
        img[pleura:] = below[pleura:]
        img[pleura - 2 : pleura + 2] += 150
        for k, amp in ((2, 90), (3, 55)):
            y = k * pleura
            if y + 2 < rows:
                img[y - 2 : y + 2] += amp
        for x in blines:
            img[pleura:, x - 3 : x + 3] = 120 + 30 * lung[pleura:, x - 3 + shift : x + 3 + shift]
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(frames)
