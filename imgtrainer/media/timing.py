"""Frame timing of a DICOM cine, in seconds from the first frame.

Sources, in order: the attribute the Frame Increment Pointer (0028,0009) names, then Frame Time
(0018,1063, ms), Frame Time Vector (0018,1065, ms increments), Cine Rate (0018,0040, fps),
Recommended Display Frame Rate (0008,2144, fps). With none usable, ``DEFAULT_FPS`` and a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from imgtrainer.media.clip import DEFAULT_FPS
from imgtrainer.media.dicom_values import value as dicom_value

FRAME_TIME = 0x00181063
FRAME_TIME_VECTOR = 0x00181065
_TAGS = {
    "FrameTime": FRAME_TIME,
    "FrameTimeVector": FRAME_TIME_VECTOR,
    "CineRate": 0x00180040,
    "RecommendedDisplayFrameRate": 0x00082144,
}
FRAME_INCREMENT_POINTER = 0x00280009


@dataclass(frozen=True)
class FrameTiming:
    """Start time of each frame (s) and where it came from."""

    times_s: np.ndarray
    source: str  # "FrameTime", "FrameTimeVector", "CineRate", "RecommendedDisplayFrameRate", "default"
    warnings: tuple[str, ...] = ()


def _number(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def from_frame_time(frame_time_ms: float, n_frames: int) -> np.ndarray:
    """Evenly spaced start times for a constant Frame Time in ms."""
    return np.arange(n_frames, dtype=np.float64) * (frame_time_ms / 1000.0)


def from_frame_time_vector(vector_ms: list[float], n_frames: int) -> np.ndarray | None:
    """Start times from Frame Time Vector increments (ms); None when the length does not fit.

    The standard says the first increment is 0; some writers store the interval before each
    frame instead, so with one entry per frame the first entry is ignored either way.
    """
    v = np.asarray(vector_ms, dtype=np.float64)
    if len(v) == n_frames:
        inc = v[1:]
    elif len(v) == n_frames - 1:
        inc = v
    else:
        return None
    if not np.all(np.isfinite(inc)) or np.any(inc < 0) or (len(inc) and not np.any(inc > 0)):
        return None
    return np.concatenate([[0.0], np.cumsum(inc)]) / 1000.0


def frame_timing(ds: Dataset, n_frames: int) -> FrameTiming:
    """Work out frame start times from a DICOM header (never raises on odd values)."""
    try:
        return _frame_timing(ds, n_frames)
    except Exception as exc:  # a mangled header must not stop the clip from opening
        note = f"frame timing unreadable ({type(exc).__name__}); assuming {DEFAULT_FPS:g} fps"
        return FrameTiming(from_frame_time(1000.0 / DEFAULT_FPS, n_frames), "default", (note,))


def _frame_timing(ds: Dataset, n_frames: int) -> FrameTiming:
    if n_frames <= 1:
        return FrameTiming(np.zeros(max(n_frames, 1)), "single frame")
    warnings: list[str] = []
    order = ["FrameTime", "FrameTimeVector", "CineRate", "RecommendedDisplayFrameRate"]
    pointer = _pointer(ds)
    if pointer == FRAME_TIME_VECTOR:
        order.remove("FrameTimeVector")
        order.insert(0, "FrameTimeVector")
    for source in order:
        try:
            value = dicom_value(ds, _TAGS[source])
        except Exception:  # a mangled value may fail to convert
            warnings.append(f"{source} is unreadable; ignored")
            continue
        if value is None or value == "":
            continue
        times = _times(source, value, n_frames)
        if times is None:
            warnings.append(
                f"{source} value {str(value)[:40]!r} is not usable for {n_frames} frames; ignored"
            )
            continue
        return FrameTiming(times, source, tuple(warnings))
    warnings.append(f"no frame timing in file; assuming {DEFAULT_FPS:g} fps")
    return FrameTiming(from_frame_time(1000.0 / DEFAULT_FPS, n_frames), "default", tuple(warnings))


def _pointer(ds: Dataset) -> int | None:
    try:
        ptr = dicom_value(ds, FRAME_INCREMENT_POINTER)
        if ptr is None:
            return None
        if not isinstance(ptr, int) and hasattr(ptr, "__getitem__"):
            ptr = ptr[0]
        return int(ptr)
    except Exception:
        return None


def _times(source: str, value: object, n_frames: int) -> np.ndarray | None:
    if source == "FrameTimeVector":
        try:
            seq = [
                float(v)
                for v in (value if hasattr(value, "__iter__") and not isinstance(value, str) else [value])
            ]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return None
        return from_frame_time_vector(seq, n_frames)
    x = _number(value)
    if x is None or x <= 0:
        return None
    if source == "FrameTime":
        return from_frame_time(x, n_frames)
    if x > 10_000:
        return None
    return from_frame_time(1000.0 / x, n_frames)
