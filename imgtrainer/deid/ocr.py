"""OCR of the kept area: the second line of defence against text burned inside the scan area.

Masking keeps the scan area untouched, so a label a sonographer typed inside the fan ("RT PTX",
"B-LINES", a name) passes through it. After masking, the first, middle and last frames are read
with Tesseract (the Debian package ``tesseract-ocr`` through ``pytesseract``):

1. text candidates are found cheaply: bright (or saturated-colour) blobs of character size on
   the frame's value channel, lined up into rows of at least two glyphs;
2. the rows are binarised, scaled to ~32 px text height and stacked into one mosaic, so one
   Tesseract call reads every row of a frame (no call at all on a frame without candidates);
3. words read with confidence >= ``MIN_CONFIDENCE`` and at least two letters or digits are kept
   with their boxes in frame pixels.

Used only by de-identification and import (never by ``info``, ``quality`` or the viewer).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import cv2
import numpy as np

MIN_CONFIDENCE = 60.0
"""Tesseract word confidence (0..100) below which a word is treated as noise."""
_TEXT_H = 40  # text height (pixels) the rows are scaled to before reading
_MARGIN = 24  # white margin (pixels) around and between the rows of the mosaic
_MIN_GLYPH_H, _MAX_GLYPH_H = 6, 90
_PAD = 4
_ALNUM = re.compile(r"[0-9A-Za-z]")


@dataclass(frozen=True)
class Word:
    """A word read in a frame: text, Tesseract confidence, frame index, box (x0, y0, x1, y1)."""

    text: str
    confidence: float
    frame: int
    box: tuple[int, int, int, int]

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "confidence": round(self.confidence, 1),
            "frame": self.frame,
            "box": list(self.box),
        }


@functools.cache
def available() -> bool:
    """True when pytesseract and the tesseract program can be used."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception:
        return False
    return True


def value_channel(frame: np.ndarray) -> np.ndarray:
    """uint8 brightest channel: white and saturated-colour text are both near 255 here."""
    f = np.asarray(frame)
    if f.ndim == 3:
        f = f[..., :3].max(axis=2)
    if f.dtype != np.uint8:
        f = f.astype(np.float64)
        lo, hi = float(f.min()), float(f.max())
        f = (f - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(f)
    return np.ascontiguousarray(f.astype(np.uint8))


def text_rows(v: np.ndarray, keep: np.ndarray) -> tuple[list[tuple[int, int, int, int]], int]:
    """Boxes (x0, y0, x1, y1) of rows of bright character-sized blobs inside ``keep``, and the
    brightness threshold used."""
    inside = v[keep]
    if inside.size == 0:
        return [], 255
    thr = int(max(150.0, float(np.percentile(inside, 99.0)) - 10.0))
    bright = ((v >= thr) & keep).astype(np.uint8)
    _, lab, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    hs, ws, areas = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_AREA]
    glyph = (hs >= _MIN_GLYPH_H) & (hs <= _MAX_GLYPH_H) & (ws <= 4 * hs) & (areas >= 10)
    glyph &= areas <= 0.8 * hs * ws  # strokes, not filled blobs
    glyph[0] = False
    if not glyph.any():
        return [], thr
    mask = glyph[lab].astype(np.uint8)
    gap = max(3, int(0.8 * float(np.median(hs[glyph]))))
    rows = cv2.dilate(mask, np.ones((3, 2 * gap + 1), np.uint8))
    m, rlab, rstats, _ = cv2.connectedComponentsWithStats(rows, connectivity=8)
    out = []
    h_img, w_img = v.shape
    for j in range(1, m):
        x, y, w, h, _ = rstats[j]
        members = np.unique(
            lab[y : y + h, x : x + w][(rlab[y : y + h, x : x + w] == j) & (mask[y : y + h, x : x + w] > 0)]
        )
        if members.size < 2 or h > _MAX_GLYPH_H + 8:
            continue
        out.append(
            (
                max(0, x - _PAD),
                max(0, y - _PAD),
                min(w_img - 1, x + w - 1 + _PAD),
                min(h_img - 1, y + h - 1 + _PAD),
            )
        )
    return out, thr


def read_frame(frame: np.ndarray, keep: np.ndarray, index: int = 0) -> list[Word]:
    """Words read inside ``keep`` (bool rows x cols) of one frame."""
    v = value_channel(frame)
    boxes, thr = text_rows(v, keep)
    if not boxes or not available():
        return []
    import pytesseract

    tiles, places, y = [], [], _MARGIN
    for x0, y0, x1, y1 in boxes:
        crop = v[y0 : y1 + 1, x0 : x1 + 1]
        ink = (crop >= thr) & keep[y0 : y1 + 1, x0 : x1 + 1]
        scale = float(np.clip(_TEXT_H / max(1.0, y1 - y0 + 1 - 2 * _PAD), 1.0, 4.0))
        tile = np.where(ink, 0, 255).astype(np.uint8)
        tile = cv2.resize(tile, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        tiles.append((tile, y))
        places.append((y, y + tile.shape[0], scale, x0, y0))
        y += tile.shape[0] + _MARGIN
    width = max(t.shape[1] for t, _ in tiles) + 2 * _MARGIN
    mosaic = np.full((y, width), 255, np.uint8)
    for tile, ty in tiles:
        mosaic[ty : ty + tile.shape[0], _MARGIN : _MARGIN + tile.shape[1]] = tile
    data = pytesseract.image_to_data(mosaic, config="--psm 11", output_type=pytesseract.Output.DICT)
    words = []
    for text, conf, left, top, w, h in zip(
        data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"], strict=False
    ):
        text = re.sub(r"^\W+|\W+$", "", str(text).strip())
        if float(conf) < MIN_CONFIDENCE or len(_ALNUM.findall(text)) < 2:
            continue
        cy = top + h / 2
        for t0, t1, scale, x0, y0 in places:
            if t0 <= cy < t1:
                bx0 = int(x0 + (left - _MARGIN) / scale)
                by0 = int(y0 + (top - t0) / scale)
                box = (bx0, by0, int(bx0 + w / scale), int(by0 + h / scale))
                words.append(Word(text, float(conf), index, box))
                break
    return words


def sample_indices(n: int) -> list[int]:
    """First, middle and last frame (fewer for short clips)."""
    return sorted({0, (n - 1) // 2, n - 1}) if n > 0 else []


def read_kept_area(frames: np.ndarray, keep: np.ndarray) -> list[Word]:
    """Words read in the kept area of the first, middle and last of ``frames`` (n, rows, cols[, 3])."""
    return [w for i in sample_indices(len(frames)) for w in read_frame(frames[i], keep, i)]


def word_mask(shape: tuple[int, int], words: list[Word], grow: int = 3) -> np.ndarray:
    """Bool mask (rows, cols) of the words' boxes grown by ``grow`` pixels. Burned-in labels
    are static, so a box read on one frame covers the label on all of them."""
    out = np.zeros(shape, bool)
    rows, cols = shape
    for w in words:
        x0, y0, x1, y1 = w.box
        out[max(0, y0 - grow) : min(rows, y1 + grow + 1), max(0, x0 - grow) : min(cols, x1 + grow + 1)] = True
    return out
