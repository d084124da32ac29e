"""Still images (PNG, JPEG, BMP, TIFF) as one-frame clips, decoded with OpenCV."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from imgtrainer.errors import CorruptVideoError, MediaError
from imgtrainer.media.clip import ArrayClip, ClipInfo

STILL_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def to_display_rgb(img: np.ndarray) -> np.ndarray:
    """OpenCV's decoded image (gray, BGR or BGRA; 8 or 16 bit) -> uint8 gray or RGB."""
    if img.dtype != np.uint8:
        if img.dtype == np.uint16:
            img = (img >> 8).astype(np.uint8)
        else:
            lo, hi = float(img.min()), float(img.max())
            img = ((img - lo) * (255.0 / (hi - lo) if hi > lo else 0.0)).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2RGB if img.shape[2] == 4 else cv2.COLOR_BGR2RGB
        img = cv2.cvtColor(img, code)
    return np.ascontiguousarray(img)


def open_still(path: str | os.PathLike[str]) -> ArrayClip:
    """Decode a still image into a one-frame clip; raise CorruptVideoError if it does not decode."""
    p = Path(path)
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError as exc:
        raise MediaError(p, f"cannot read: {exc.strerror or exc}") from exc
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None or img.size == 0:
        raise CorruptVideoError(p, "image cannot be decoded (corrupt or unsupported format)")
    frame = to_display_rgb(img)
    clip = ArrayClip(
        frame[None], path=p, info=ClipInfo(kind="still", extra={"format": p.suffix.lower().lstrip(".")})
    )
    return clip
