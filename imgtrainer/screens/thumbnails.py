"""Case thumbnails (a still frame) and hover previews (a few frames), small and cached (Qt-free).

Thumbnails are cached as PNG under the user data folder, keyed by the media path, size and
modification time, and written atomically.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import cv2
import numpy as np

from imgtrainer.resources import data_dir

THUMB_SIZE = (192, 144)  # (width, height) pixels
PREVIEW_FRAMES = 12


def _fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Letterbox ``frame`` into ``size`` (w, h) on black, as RGB uint8."""
    w, h = size
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    scale = min(w / frame.shape[1], h / frame.shape[0])
    nw, nh = max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale))
    small = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), np.uint8)
    y0, x0 = (h - nh) // 2, (w - nw) // 2
    out[y0 : y0 + nh, x0 : x0 + nw] = small
    return out


def _cache_path(media: Path, size: tuple[int, int]) -> Path:
    st = media.stat()
    sig = f"{media.resolve()}|{st.st_mtime_ns}|{st.st_size}|{size}".encode()
    folder = data_dir() / "thumbs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{hashlib.sha1(sig).hexdigest()}.png"


def thumbnail(media: Path, size: tuple[int, int] = THUMB_SIZE) -> np.ndarray:
    """A still (the middle frame) of ``media`` letterboxed to ``size``; cached on disk."""
    from imgtrainer.media import open_clip

    media = Path(media)
    cached = _cache_path(media, size)
    if cached.is_file():
        img = cv2.imread(str(cached), cv2.IMREAD_COLOR_RGB)
        if img is not None:
            return img
    with open_clip(media, cache_mb=32) as clip:
        thumb = _fit(clip.frame(clip.n_frames // 2), size)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp.png")
    if cv2.imwrite(str(tmp), cv2.cvtColor(thumb, cv2.COLOR_RGB2BGR)):
        os.replace(tmp, cached)
    return thumb


def preview(
    media: Path, size: tuple[int, int] = THUMB_SIZE, n: int = PREVIEW_FRAMES
) -> tuple[list[np.ndarray], float]:
    """Up to ``n`` evenly spaced frames letterboxed to ``size``, and the seconds between them."""
    from imgtrainer.media import open_clip

    with open_clip(Path(media), cache_mb=32) as clip:
        idx = np.unique(np.linspace(0, clip.n_frames - 1, min(n, clip.n_frames)).round().astype(int))
        frames = [_fit(clip.frame(int(i)), size) for i in idx]
        step = clip.duration_s / len(idx) if clip.n_frames > 1 else 0.0
    return frames, max(0.05, step)
