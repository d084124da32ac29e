"""M-mode from a B-mode cine: the grey levels along one line through the frame, over time.

Columns are resampled to uniform time using the clip's real frame times (a Frame Time
Vector or a variable-rate video gives uneven spacing), interpolating linearly between the
two frames around each output instant. Rows run along the line from (x0, y0) to (x1, y1).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from imgtrainer.errors import ImgTrainerError, MediaError
from imgtrainer.media.clip import Clip
from imgtrainer.media.scanarea import to_gray


@dataclass
class MMode:
    """A time-motion image: ``image`` is uint8 ``(n_samples, n_columns)``.

    ``times_s[k]`` is the time of column ``k``; ``positions`` the (x, y) of each row along the
    line, in stored-frame pixels. ``cm_per_row`` is set when the line lies in a calibrated region.
    """

    image: np.ndarray
    times_s: np.ndarray
    positions: np.ndarray
    line: tuple[float, float, float, float]
    cm_per_row: float | None = None

    @property
    def seconds_per_column(self) -> float:
        return float(self.times_s[1] - self.times_s[0]) if len(self.times_s) > 1 else 0.0


def parse_line(text: str) -> tuple[float, float, float, float]:
    """ "x0,y0,x1,y1" -> four floats (raises ImgTrainerError naming the problem)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ImgTrainerError(f"--line {text!r}: expected four numbers x0,y0,x1,y1")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise ImgTrainerError(f"--line {text!r}: not numbers") from None
    return x0, y0, x1, y1


def line_positions(line: tuple[float, float, float, float], n: int | None = None) -> np.ndarray:
    """``n`` evenly spaced (x, y) points from the line's start to its end (one per pixel by default)."""
    x0, y0, x1, y1 = line
    length = float(np.hypot(x1 - x0, y1 - y0))
    k = int(n) if n else max(2, round(length) + 1)
    t = np.linspace(0.0, 1.0, k, dtype=np.float32)
    return np.column_stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]).astype(np.float32)


def build_mmode(
    clip: Clip,
    line: tuple[float, float, float, float],
    *,
    columns_per_s: float | None = None,
    max_columns: int = 4000,
) -> MMode:
    """The M-mode image of ``clip`` along ``line`` (stored-frame pixels).

    ``columns_per_s`` defaults to the clip's mean frame rate, so a steady clip gives one
    column per frame. The line must lie at least partly inside the frame.
    """
    _check_line(clip, line)
    pos = line_positions(line)
    map_x = pos[:, 0].reshape(-1, 1).copy()
    map_y = pos[:, 1].reshape(-1, 1).copy()
    n = clip.n_frames
    samples = np.zeros((len(pos), n), np.float32)
    got = np.zeros(n, bool)
    for i in range(n):
        try:
            g = to_gray(clip.frame(i)).astype(np.float32)
        except Exception:  # a corrupt frame becomes a gap that is interpolated over
            continue
        samples[:, i] = cv2.remap(g, map_x, map_y, cv2.INTER_LINEAR, borderValue=0.0)[:, 0]
        got[i] = True
    if not got.any():
        raise MediaError(clip.path or "<clip>", "no frame could be decoded for the M-mode")
    times = np.asarray(clip.frame_times_s, dtype=np.float64)[got]
    samples = samples[:, got]
    if len(times) < 2 or times[-1] <= times[0]:
        out_t = times[:1]
        image = samples[:, :1]
    else:
        rate = float(columns_per_s) if columns_per_s else (len(times) - 1) / (times[-1] - times[0])
        ncol = int(min(max_columns, max(2, round((times[-1] - times[0]) * rate) + 1)))
        out_t = np.linspace(times[0], times[-1], ncol)
        image = _interp_columns(samples, times, out_t)
    cm = _cm_per_row(clip, line, len(pos))
    return MMode(np.clip(image + 0.5, 0, 255).astype(np.uint8), out_t, pos, tuple(map(float, line)), cm)


def _interp_columns(samples: np.ndarray, times: np.ndarray, out_t: np.ndarray) -> np.ndarray:
    j = np.clip(np.searchsorted(times, out_t, side="right") - 1, 0, len(times) - 2)
    t0, t1 = times[j], times[j + 1]
    w = np.where(t1 > t0, (out_t - t0) / np.maximum(t1 - t0, 1e-12), 0.0).clip(0.0, 1.0)
    return samples[:, j] * (1.0 - w) + samples[:, j + 1] * w


def _check_line(clip: Clip, line: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = line
    if not all(np.isfinite(v) for v in line):
        raise ImgTrainerError("M-mode line has non-finite coordinates")
    if np.hypot(x1 - x0, y1 - y0) < 2:
        raise ImgTrainerError("M-mode line is shorter than 2 pixels")
    inside = [0 <= x <= clip.cols - 1 and 0 <= y <= clip.rows - 1 for x, y in ((x0, y0), (x1, y1))]
    if not any(inside):
        mid = ((x0 + x1) / 2, (y0 + y1) / 2)
        if not (0 <= mid[0] <= clip.cols - 1 and 0 <= mid[1] <= clip.rows - 1):
            raise ImgTrainerError(f"M-mode line {line} lies outside the {clip.cols}x{clip.rows} frame")


def _cm_per_row(clip: Clip, line: tuple[float, float, float, float], n: int) -> float | None:
    x0, y0, x1, y1 = line
    for r in clip.regions:
        if r.calibrated_cm and r.contains(x0, y0) and r.contains(x1, y1):
            length_cm = float(np.hypot((x1 - x0) * r.delta_x, (y1 - y0) * r.delta_y))
            return length_cm / max(1, n - 1)
    return None


def write_png(image: np.ndarray, path: Path) -> Path:
    """Write a grayscale or RGB uint8 image as PNG atomically (temp file + rename)."""
    path = Path(path)
    arr = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", arr)
    if not ok:
        raise ImgTrainerError(f"{path}: could not encode PNG")
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".mmode-", suffix=".png", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.tobytes())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
