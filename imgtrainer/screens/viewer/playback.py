"""Playback clock: maps wall time to a frame index using the clip's real frame times (Qt-free).

Times are seconds. The clock is given ``now`` by its caller (a monotonic clock in the app, a fake
one in tests), so it never reads the time itself.
"""

from __future__ import annotations

import numpy as np

SPEEDS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
"""Playback speeds offered by Up/Down (1.0 is real time)."""

_EPS = 1e-9  # seconds: absorbs float error so a frame is never shown one tick late


class PlaybackClock:
    """Which frame is due at a given wall time when playing from ``start_index`` at ``speed``."""

    def __init__(self, frame_times_s: np.ndarray) -> None:
        times = np.asarray(frame_times_s, dtype=np.float64)
        if times.size == 0:
            times = np.zeros(1)
        self.starts = times - times[0]
        n = self.starts.size
        if n > 1:
            gaps = np.diff(self.starts)
            mean_gap = float(self.starts[-1] / (n - 1)) if self.starts[-1] > 0 else 1 / 30
            if not np.all(gaps >= 0):  # unsorted frame times: fall back to uniform timing
                self.starts = np.arange(n) * mean_gap
            self.period = float(self.starts[-1]) + mean_gap
        else:
            self.period = 1 / 30
        self._t0 = 0.0
        self._clip_t0 = 0.0
        self.speed = 1.0

    @property
    def n_frames(self) -> int:
        return int(self.starts.size)

    def start(self, now: float, index: int, speed: float) -> None:
        """Begin (or resume) playback at frame ``index`` at wall time ``now``."""
        self._t0 = now
        self._clip_t0 = float(self.starts[int(index) % self.n_frames])
        self.speed = float(speed)

    def clip_time(self, now: float) -> float:
        """Seconds into the clip (unwrapped) at wall time ``now``."""
        return self._clip_t0 + (now - self._t0) * self.speed

    def frame_at(self, now: float, loop: bool) -> tuple[int, bool]:
        """(frame index due at ``now``, whether a non-looping clip has reached its end)."""
        t = self.clip_time(now)
        if t >= self.period:
            if not loop:
                return self.n_frames - 1, True
            t = t % self.period
        idx = int(np.searchsorted(self.starts, t + _EPS, side="right")) - 1
        return max(0, min(idx, self.n_frames - 1)), False

    def due_time(self, now: float, index: int) -> float:
        """Wall time at which frame ``index`` is (or was) due in the current loop pass."""
        t = self.clip_time(now)
        base = (t // self.period) * self.period if self.period > 0 else 0.0
        clip_t = base + float(self.starts[index])
        return self._t0 + (clip_t - self._clip_t0) / self.speed

    def next_change_in(self, now: float, loop: bool) -> float:
        """Wall seconds until the displayed frame should next change (>= 0)."""
        t = self.clip_time(now)
        wrapped = t % self.period if loop else min(t, self.period)
        idx = int(np.searchsorted(self.starts, wrapped + _EPS, side="right"))
        nxt = float(self.starts[idx]) if idx < self.n_frames else self.period
        return max(0.0, (nxt - wrapped) / self.speed)


def next_speed(speed: float, step: int) -> float:
    """The neighbouring speed in ``SPEEDS`` (step +1 faster, -1 slower), clamped at the ends."""
    idx = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
    return SPEEDS[max(0, min(len(SPEEDS) - 1, idx + step))]
