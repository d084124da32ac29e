"""``open_clip(path)``: pick the reader from the file's first bytes, then its suffix.

DICOM is recognised by its 'DICM' marker (or a plausible first element when the preamble is
missing), stills and GIFs by their signatures, other videos by suffix. Anything else is
``NotDicomError``: the message says what the file is not.
"""

from __future__ import annotations

import os
from pathlib import Path

from imgtrainer.errors import MediaError, NotDicomError
from imgtrainer.media.cache import DEFAULT_DECODE_TIMEOUT_S
from imgtrainer.media.clip import Clip
from imgtrainer.media.dicom import DicomClip, looks_like_dicom_without_preamble
from imgtrainer.media.dicom_video import DicomVideoClip, video_syntax_of
from imgtrainer.media.still import STILL_SUFFIXES, open_still
from imgtrainer.media.video import VIDEO_SUFFIXES, VideoClip
from imgtrainer.noise import reading

_STILL_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")
_GIF_MAGIC = (b"GIF87a", b"GIF89a")
_VIDEO_MAGIC_AT_4 = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


def sniff_kind(path: str | os.PathLike[str], head: bytes | None = None) -> str | None:
    """'dicom', 'video', 'still' or None, from the first 132 bytes and then the suffix."""
    p = Path(path)
    if head is None:
        with open(p, "rb") as fh:
            head = fh.read(132)
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    if (
        head.startswith(_GIF_MAGIC)
        or head[4:8] in _VIDEO_MAGIC_AT_4
        or head[:4] in (b"RIFF", b"\x1a\x45\xdf\xa3")
    ):
        if head[:4] != b"RIFF" or head[8:12] == b"AVI ":
            return "video"
        if head[8:12] == b"WEBP":
            return "still"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):  # MPEG program / elementary stream
        return "video"
    if any(head.startswith(m) for m in _STILL_MAGIC):
        return "still"
    suffix = p.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in STILL_SUFFIXES:
        return "still"
    if looks_like_dicom_without_preamble(head[:8]):
        return "dicom"
    return None


def open_clip(
    path: str | os.PathLike[str],
    *,
    cache_mb: int = 256,
    decode_timeout_s: float | None = DEFAULT_DECODE_TIMEOUT_S,
) -> Clip:
    """Open a DICOM file, video or still image as a lazily decoded ``Clip``.

    ``cache_mb`` bounds the decoded-frame cache. Raises a ``MediaError`` subclass naming the
    file and the problem: NotDicomError, NoPixelDataError, TruncatedPixelDataError,
    UnsupportedTransferSyntaxError, CorruptVideoError or DecodeTimeoutError.
    """
    p = Path(path)
    with reading(p):  # a library warning while opening names this file
        return _open_clip(p, cache_mb, decode_timeout_s)


def _open_clip(p: Path, cache_mb: int, decode_timeout_s: float | None) -> Clip:
    try:
        fh = open(p, "rb")  # noqa: SIM115 - handed over to DicomClip, closed otherwise
    except FileNotFoundError:
        raise MediaError(p, "no such file") from None
    except IsADirectoryError:
        raise MediaError(p, "is a folder, not a file") from None
    except OSError as exc:
        raise MediaError(p, f"cannot read: {exc.strerror or exc}") from exc
    try:
        head = fh.read(132)
        if not head:
            raise NotDicomError(p, "file is empty")
        kind = sniff_kind(p, head)
        if kind == "dicom":
            if video_syntax_of(p) is not None:  # MPEG-2 / H.264 / HEVC stream in Pixel Data
                fh.close()
                return DicomVideoClip(p, cache_mb=cache_mb, decode_timeout_s=decode_timeout_s)
            return DicomClip(p, cache_mb=cache_mb, decode_timeout_s=decode_timeout_s, file=fh)
    except BaseException:
        fh.close()
        raise
    fh.close()
    if kind == "video":
        return VideoClip(p, cache_mb=cache_mb, decode_timeout_s=decode_timeout_s)
    if kind == "still":
        return open_still(p)
    raise NotDicomError(p, "not DICOM and not a supported video or image format")


def diagnose(path: str | os.PathLike[str]) -> str | None:
    """The media layer's reason why ``path`` cannot be read as a clip, or None when it reads.

    Opens the file and decodes its first, middle and last frames, so other layers (e.g.
    de-identification) explain a broken file in the same words as ``imgtrainer info``."""
    try:
        with open_clip(path, cache_mb=0) as clip:
            for i in sorted({0, clip.n_frames // 2, clip.n_frames - 1}):
                clip.frame(i)
    except MediaError as exc:
        return exc.reason
    except Exception:  # a reader bug is not a diagnosis: the caller keeps its own reason
        return None
    return None
