"""Text-line finding on generated images: rows of glyphs on dark ground, never speckle."""

from __future__ import annotations

import cv2
import numpy as np

from imgtrainer.deid.textlines import cut_text, text_boxes


def _image(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.zeros((200, 300), np.uint8)
    img[60:190, 40:260] = np.clip(rng.gamma(2.0, 30.0, (130, 220)) + 20, 1, 250).astype(np.uint8)
    img[120:150, 120:180] = 0  # anechoic "fluid" with a bright edge: not text
    img[150:153, 110:190] = 230
    cv2.putText(img, "ZYXWA QWERTINA 8675309", (40, 52), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 255, 1)
    return img


def test_text_line_found_and_speckle_left_alone():
    img = _image()
    boxes = text_boxes(img)
    assert boxes, "the text line is found"
    text = np.zeros(img.shape, bool)
    text[38:56, 40:260] = True
    for x0, y0, x1, y1 in boxes:
        assert y1 < 60, f"box {(x0, y0, x1, y1)} reaches into the image"
    covered = np.zeros(img.shape, bool)
    for x0, y0, x1, y1 in boxes:
        covered[y0 : y1 + 1, x0 : x1 + 1] = True
    glyphs = (img > 100) & text
    assert covered[glyphs].mean() > 0.95


def test_cut_text_only_touches_the_mask():
    img = _image(1)
    mask = np.zeros(img.shape, bool)
    mask[30:195, 35:265] = True  # a detected hull that swallowed the text line
    cut, boxes = cut_text(mask, img[None])
    assert boxes
    band = np.zeros(img.shape, bool)
    band[38:56, :] = True
    assert not cut[(img > 100) & band].any()  # every glyph pixel is out of the kept area
    assert cut[60:190, 40:260].all()


def test_no_text_no_boxes():
    rng = np.random.default_rng(3)
    img = np.clip(rng.gamma(2.0, 30.0, (120, 160)) + 20, 1, 250).astype(np.uint8)
    assert text_boxes(img) == []
