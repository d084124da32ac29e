"""Burned-in text lines inside a *detected* scan area.

The scan-area detector keeps the convex hull of the imaged tissue; on a still, a text block that
touches the image (institution, patient ID, probe settings) can end up inside that hull. Text is
recognised here by its shape, not its content: a row of at least three character-sized bright
blobs standing on a flat dark background. Tissue speckle has no flat background, and a tissue
edge along anechoic fluid is one long blob, not a row of characters. The boxes found are cut out
of the kept area (Ultrasound Regions are trusted as they are and never go through this).
"""

from __future__ import annotations

import cv2
import numpy as np

_MIN_CHARS = 3
_MAX_CHAR_H = 40
_MIN_CHAR_H = 4
_PAD = 2


def _local_std(img: np.ndarray, k: int) -> np.ndarray:
    f = img.astype(np.float32)
    m = cv2.blur(f, (k, k))
    return np.sqrt(np.maximum(cv2.blur(f * f, (k, k)) - m * m, 0.0))


def _aligned_glyphs(blob_stats: np.ndarray) -> bool:
    """At least three full-height blobs sharing a top line, as the letters of a line of text do
    (fragments of a tissue edge have no common top)."""
    if len(blob_stats) < _MIN_CHARS:
        return False
    tops, heights = blob_stats[:, cv2.CC_STAT_TOP], blob_stats[:, cv2.CC_STAT_HEIGHT]
    full = heights >= 0.6 * heights.max()
    if full.sum() < _MIN_CHARS:
        return False
    t = tops[full]
    tol = max(2.0, 0.15 * float(np.median(heights[full])))
    return int((np.abs(t - np.median(t)) <= tol).sum()) >= _MIN_CHARS


def text_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x0, y0, x1, y1)`` (inclusive, padded) of text lines in a uint8 grey image."""
    g = np.asarray(gray, np.uint8)
    rows, cols = g.shape
    dark = float(np.percentile(g, 5))
    flat = (_local_std(g, 3) < 2.0) & (g <= dark + 12)
    near_flat = cv2.dilate(flat.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    bright = (g >= dark + 60).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    areas = np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    near = np.bincount(lab.ravel(), weights=near_flat.ravel().astype(np.float64), minlength=n) / areas
    hs, ws = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    is_char = (hs >= _MIN_CHAR_H) & (hs <= _MAX_CHAR_H) & (areas >= 4) & (near >= 0.3)
    is_char[0] = False
    chars = is_char[lab].astype(np.uint8)
    # characters per blob: the touching glyphs of a bold font merge into one blob
    units = np.where(is_char, np.maximum(1, np.round(ws / (0.7 * np.maximum(hs, 1)))), 0).astype(np.int32)
    heights = hs[is_char].tolist()
    if units.sum() < _MIN_CHARS or not heights:
        return []
    gap = max(3, round(0.9 * float(np.median(heights))))
    lines = cv2.dilate(chars, np.ones((1, 2 * gap + 1), np.uint8))
    m, llab, lstats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    boxes = []
    for j in range(1, m):
        x, y, w, h, _ = lstats[j]
        if h > _MAX_CHAR_H + 4:
            continue
        inside = llab[y : y + h, x : x + w] == j
        blobs = np.unique(lab[y : y + h, x : x + w][inside & (chars[y : y + h, x : x + w] > 0)])
        blobs = blobs[blobs > 0]
        if int(units[blobs].sum()) < _MIN_CHARS or not _aligned_glyphs(stats[blobs]):
            continue
        if (g[y : y + h, x : x + w][inside] <= dark + 12).mean() < 0.4:  # text stands on dark ground
            continue
        boxes.append(
            (
                max(0, x - _PAD),
                max(0, y - _PAD),
                min(cols - 1, x + w - 1 + _PAD),
                min(rows - 1, y + h - 1 + _PAD),
            )
        )
    return boxes


def cut_text(mask: np.ndarray, gray_frames: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """``mask`` without the text lines found in the frames' temporal median (static text stays,
    moving tissue blurs away); returns the new mask and the boxes that touched it."""
    stack = np.asarray(gray_frames)
    if stack.ndim == 2:
        ref = stack
    elif len(stack) == 1:
        ref = stack[0]
    else:  # eight spread frames are plenty for static text (the median of 32 cost 10% of a cine)
        ref = np.median(stack[:: max(1, len(stack) // 8)], axis=0).astype(np.uint8)
    out = mask.copy()
    cut = []
    for x0, y0, x1, y1 in text_boxes(ref):
        if out[y0 : y1 + 1, x0 : x1 + 1].any():
            out[y0 : y1 + 1, x0 : x1 + 1] = False
            cut.append((x0, y0, x1, y1))
    return out, cut
