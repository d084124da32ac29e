"""The Clip: any ultrasound file as lazily decoded frames with timing and calibration.

Arrays are row-major ``(row, col[, channel])`` uint8, grayscale or RGB. Coordinates are
``(x, y)`` in pixels of the stored frame; physical units only come from a ``Region``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from imgtrainer.errors import MediaError

DEFAULT_FPS = 30.0
"""Frame rate assumed when a file states none (a warning is recorded)."""


@dataclass(frozen=True)
class Region:
    """One Sequence of Ultrasound Regions item (DICOM 0018,6011).

    Box bounds are inclusive pixel coordinates. ``delta_x``/``delta_y`` are physical size per
    pixel in ``units_x``/``units_y`` ("cm", "s", "cm/s", "dB", "Hz" or "none").
    """

    x0: int
    y0: int
    x1: int
    y1: int
    spatial_format: str = "2D"  # 2D, M-MODE, SPECTRAL, WAVEFORM, GRAPHICS, NONE
    data_type: str = "TISSUE"
    units_x: str = "none"
    units_y: str = "none"
    delta_x: float | None = None
    delta_y: float | None = None

    @property
    def width(self) -> int:
        return self.x1 - self.x0 + 1

    @property
    def height(self) -> int:
        return self.y1 - self.y0 + 1

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    @property
    def calibrated_cm(self) -> bool:
        """True when both axes are in cm with a positive size per pixel."""
        return (
            self.units_x == "cm"
            and self.units_y == "cm"
            and bool(self.delta_x)
            and bool(self.delta_y)
            and self.delta_x > 0
            and self.delta_y > 0
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": [self.x0, self.y0, self.x1, self.y1],
            "spatial_format": self.spatial_format,
            "data_type": self.data_type,
            "units_x": self.units_x,
            "units_y": self.units_y,
            "delta_x": self.delta_x,
            "delta_y": self.delta_y,
        }


@dataclass
class ClipInfo:
    """Descriptive metadata about where a clip came from (never patient identity)."""

    kind: str  # "dicom", "video", "still", "array"
    transfer_syntax: str | None = None
    transfer_syntax_name: str | None = None
    photometric: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    sop_class: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Clip:
    """Base class for every clip. Subclasses implement ``_decode(i)``.

    ``frame(i)`` returns a read-only uint8 array of shape ``(rows, cols)`` or
    ``(rows, cols, 3)``. ``frame_times_s[i]`` is the start time of frame ``i`` in seconds.
    """

    path: Path | None
    n_frames: int
    rows: int
    cols: int
    channels: int
    frame_times_s: np.ndarray
    regions: list[Region]
    info: ClipInfo
    warnings: list[str]

    def frame(self, index: int) -> np.ndarray:
        if not -self.n_frames <= index < self.n_frames:
            raise IndexError(f"frame {index} out of range 0..{self.n_frames - 1}")
        return self._decode(index % self.n_frames)

    def _decode(self, index: int) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.n_frames

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(self.n_frames):
            yield self.frame(i)

    def frames(self, indices: Sequence[int] | None = None) -> np.ndarray:
        """Stack of frames (all by default), shape ``(n, rows, cols[, 3])``."""
        idx = range(self.n_frames) if indices is None else indices
        return np.stack([self.frame(i) for i in idx])

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.rows, self.cols, self.channels)

    @property
    def fps(self) -> float:
        """Mean frame rate in frames per second (DEFAULT_FPS for a still)."""
        if self.n_frames < 2:
            return DEFAULT_FPS
        span = float(self.frame_times_s[-1] - self.frame_times_s[0])
        return (self.n_frames - 1) / span if span > 0 else DEFAULT_FPS

    @property
    def duration_s(self) -> float:
        """Duration in seconds: last frame start plus one mean frame interval."""
        if self.n_frames < 2:
            return 0.0
        return float(self.frame_times_s[-1] - self.frame_times_s[0]) + 1.0 / self.fps

    def prefetch(self, start: int, count: int) -> None:
        """Hint that frames ``start .. start+count-1`` come next (lazy clips decode them ahead)."""

    def close(self) -> None:
        """Release file handles and caches."""

    def __enter__(self) -> Clip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ArrayClip(Clip):
    """A clip over frames already in memory (synthetic data, tests, derived images)."""

    def __init__(
        self,
        frames: np.ndarray,
        frame_times_s: Sequence[float] | np.ndarray | None = None,
        regions: Sequence[Region] = (),
        fps: float = DEFAULT_FPS,
        path: Path | None = None,
        info: ClipInfo | None = None,
    ) -> None:
        arr = np.asarray(frames)
        if arr.dtype != np.uint8:
            raise MediaError(path or "<array>", f"frames must be uint8, got {arr.dtype}")
        if arr.ndim == 2:  # one grayscale frame
            arr = arr[None]
        if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3):
            raise MediaError(path or "<array>", f"frames must be (n, rows, cols[, 3]), got {arr.shape}")
        self._frames = arr
        self._frames.setflags(write=False)
        self.path = path
        self.n_frames = int(arr.shape[0])
        self.rows = int(arr.shape[1])
        self.cols = int(arr.shape[2])
        self.channels = 3 if arr.ndim == 4 else 1
        if frame_times_s is None:
            self.frame_times_s = np.arange(self.n_frames, dtype=np.float64) / fps
        else:
            self.frame_times_s = np.asarray(frame_times_s, dtype=np.float64)
            if self.frame_times_s.shape != (self.n_frames,):
                raise MediaError(path or "<array>", "frame_times_s must have one entry per frame")
        self.regions = list(regions)
        self.info = info or ClipInfo(kind="array")
        self.warnings = []

    def _decode(self, index: int) -> np.ndarray:
        return self._frames[index]
