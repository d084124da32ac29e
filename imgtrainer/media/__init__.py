"""Media layer: any ultrasound file (DICOM, video, still) becomes a Clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imgtrainer.media.clip import ArrayClip, Clip, ClipInfo, Region

__all__ = ["ArrayClip", "Clip", "ClipInfo", "Region", "open_clip"]


def open_clip(path: str | Path, **kwargs: Any) -> Clip:
    """Open any supported file as a Clip (lazy import of the readers; see imgtrainer.media.open)."""
    from imgtrainer.media.open import open_clip as _open

    return _open(path, **kwargs)
