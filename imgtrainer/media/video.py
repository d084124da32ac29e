"""Video files (mp4, mov, avi, gif, mpeg, ...) as lazy clips through OpenCV's FFmpeg backend.

OpenCV's CAP_PROP_FRAME_COUNT is an estimate from the container and is wrong for some files,
so opening counts the frames by grabbing them (no colour conversion, ~0.2-2 ms per frame).
Frames are then decoded on demand from one open decoder: forward requests grab ahead, backward
requests reopen and grab forward (frame-exact, unlike keyframe seeking); the cache keeps
recent frames so looping playback rarely decodes twice.
"""

from __future__ import annotations

import math
import os
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from imgtrainer.errors import CorruptVideoError, DecodeTimeoutError, MediaError
from imgtrainer.media.cache import DEFAULT_DECODE_TIMEOUT_S, CachedClip
from imgtrainer.media.clip import DEFAULT_FPS, ClipInfo

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".gif", ".mpeg", ".mpg", ".mkv", ".webm", ".wmv", ".ogv"}
COUNT_TIME_LIMIT_S = 300.0
"""Counting frames of one video may take at most this long (a 10-minute clip takes ~30 s)."""


def _container_problem(path: Path) -> str | None:
    """Why an MP4/MOV (ISO base media) file cannot open, from its top-level boxes; else None.

    FFmpeg's own words ("moov atom not found") go to fd 2 and are silenced (imgtrainer.noise)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            if fh.read(8)[4:8] != b"ftyp":
                return None
            pos, kinds = 0, set()
            while pos + 8 <= size:
                fh.seek(pos)
                head = fh.read(16)
                n, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if n == 1 and len(head) == 16:
                    n = int.from_bytes(head[8:16], "big")
                elif n == 0:
                    n = size - pos
                if n < 8:
                    return f"MP4/MOV structure is damaged at byte {pos}"
                kinds.add(kind)
                if pos + n > size and kind != b"mdat":
                    return (
                        f"file is truncated: the {kind.decode('latin-1')!r} box runs past the end of the file"
                    )
                pos += n
    except OSError:
        return None
    if b"moov" not in kinds:
        return "MP4/MOV file is incomplete: no 'moov' index (a truncated copy or an interrupted recording)"
    return None


def _fourcc(cap: cv2.VideoCapture) -> str | None:
    code = int(cap.get(cv2.CAP_PROP_FOURCC) or 0)
    if code <= 0:
        return None
    text = "".join(chr((code >> (8 * k)) & 0xFF) for k in range(4))
    return text if text.isprintable() else None


class VideoClip(CachedClip):
    """A video file decoded lazily, frame-exact, RGB uint8."""

    parallel_decode = False  # one decoder, read in order

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        cache_mb: float = 256,
        decode_timeout_s: float | None = DEFAULT_DECODE_TIMEOUT_S,
        count_time_limit_s: float = COUNT_TIME_LIMIT_S,
    ) -> None:
        self.path = Path(path)
        self._init_cache(cache_mb, decode_timeout_s)
        self._lock = threading.Lock()
        self.warnings = []
        if not self.path.is_file():
            raise MediaError(self.path, "no such file")
        cap = self._open_capture()
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            reported = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            fourcc = _fourcc(cap)
            backend = cap.getBackendName()
            stamps_ms = self._frame_stamps(cap, count_time_limit_s)
            n = len(stamps_ms)
        finally:
            cap.release()
        if n == 0:
            raise CorruptVideoError(self.path, "video has no decodable frames")
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            self.warnings.append(
                f"container gives no usable frame rate ({fps!r}); assuming {DEFAULT_FPS:g} fps"
            )
            fps = DEFAULT_FPS
        if reported and reported != n:
            self.warnings.append(f"container says {reported} frames; {n} decode")
        self.n_frames = n
        self.frame_times_s = np.arange(n, dtype=np.float64) / fps
        variable = _variable_frame_times(stamps_ms, fps)
        if variable is not None:
            self.frame_times_s = variable
            self.warnings.append(
                f"variable frame rate: using the {n} frames' own timestamps "
                f"({variable[-1]:.2f} s, not {(n - 1) / fps:.2f} s at {fps:g} fps)"
            )
        self.regions = []
        self._cap: cv2.VideoCapture | None = None
        self._next = 0
        first = self._decode_uncached(0)
        self._cache.put(0, first)
        first.setflags(write=False)
        self.rows, self.cols = int(first.shape[0]), int(first.shape[1])
        self.channels = 3
        self.info = ClipInfo(
            kind="video",
            extra={
                "container": self.path.suffix.lower().lstrip("."),
                "codec": fourcc,
                "container_fps": fps,
                "container_frame_count": reported,
                "backend": backend,
            },
        )

    def _open_capture(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise CorruptVideoError(
                self.path,
                _container_problem(self.path) or "video cannot be opened (corrupt or unsupported codec)",
            )
        return cap

    def _frame_stamps(self, cap: cv2.VideoCapture, limit_s: float) -> list[float]:
        """Each decodable frame's presentation time (ms, as the backend says): counts the frames."""
        start, stamps = time.monotonic(), []
        while cap.grab():
            stamps.append(float(cap.get(cv2.CAP_PROP_POS_MSEC)))
            if len(stamps) % 64 == 0 and time.monotonic() - start > limit_s:
                raise DecodeTimeoutError(self.path, f"counting frames took over {limit_s:g} s; stopped")
        return stamps

    def _decode_uncached(self, index: int) -> np.ndarray:
        with self._lock:
            if self._cap is None or index < self._next:
                if self._cap is not None:
                    self._cap.release()
                self._cap = self._open_capture()
                self._next = 0
            while self._next < index:
                if not self._cap.grab():
                    raise CorruptVideoError(self.path, f"frame {self._next} cannot be decoded")
                self._next += 1
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                raise CorruptVideoError(self.path, f"frame {index} cannot be decoded")
            self._next += 1
        if bgr.ndim == 2:
            return cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        code = cv2.COLOR_BGRA2RGB if bgr.shape[2] == 4 else cv2.COLOR_BGR2RGB
        rgb = cv2.cvtColor(bgr, code)
        if self.n_frames and hasattr(self, "rows") and rgb.shape[:2] != (self.rows, self.cols):
            raise MediaError(
                self.path, f"frame {index} is {rgb.shape[1]}x{rgb.shape[0]}, not {self.cols}x{self.rows}"
            )
        return rgb

    def close(self) -> None:
        super().close()
        with self._lock:
            if self._cap is not None:
                self._cap.release()
                self._cap = None


def _variable_frame_times(stamps_ms: list[float], fps: float) -> np.ndarray | None:
    """Per-frame times (s, from 0) when the container's timestamps show a variable frame rate.

    Constant-rate files keep ``index / fps`` (their timestamps agree with it; using them would
    only add rounding jitter). Timestamps that are missing, not increasing or all zero (some
    backends report nothing) are not trusted.
    """
    t = np.asarray(stamps_ms, dtype=np.float64)
    if t.size < 3 or not np.isfinite(t).all() or not (np.diff(t) > 0).all():
        return None
    t = (t - t[0]) / 1000.0
    steady = np.arange(t.size) / fps
    if np.abs(t - steady).max() <= 0.5 / fps:
        return None
    return t
