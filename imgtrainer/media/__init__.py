"""Media layer: any ultrasound file (DICOM, video, still) becomes a Clip."""

from imgtrainer.media.clip import ArrayClip, Clip, ClipInfo, Region

__all__ = ["ArrayClip", "Clip", "ClipInfo", "Region", "open_clip"]


def open_clip(path, **kwargs):
    """Open any supported file as a Clip (see imgtrainer.media.open)."""
    from imgtrainer.media.open import open_clip as _open

    return _open(path, **kwargs)
