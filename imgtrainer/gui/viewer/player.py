"""Drives playback: a precise single-shot QTimer aimed at the next frame's due time.

The frame schedule comes from ``PlaybackClock`` (the clip's real frame times); this object only
turns it into timer ticks and ``ViewerState.set_index`` calls.
"""

from __future__ import annotations

import math
import time

from PyQt6.QtCore import QObject, Qt, QTimer

from imgtrainer.screens.viewer.playback import PlaybackClock
from imgtrainer.screens.viewer.state import ViewerState

READ_AHEAD = 8
"""Frames decoded ahead of the play head while playing."""


class Player(QObject):
    """Advances ``state.index`` in real time while ``state.playing`` is true."""

    def __init__(self, state: ViewerState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.clock: PlaybackClock | None = None
        self._span = (0, 0)  # first and last clip index the clock covers (a range, or the clip)
        self._ticking = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        state.changed.connect(self._on_state)

    def _on_state(self, topic: str) -> None:
        if topic == "clip":
            self._timer.stop()
            self._build_clock()
        elif topic in ("loop", "range"):
            self._build_clock()
            self._restart()
        elif topic in ("playing", "speed") or (topic == "frame" and not self._ticking):
            self._restart()

    def _build_clock(self) -> None:
        """A clock over the frames that play: the whole clip, or the selected range."""
        st = self.state
        if st.clip is None:
            self.clock, self._span = None, (0, 0)
            return
        span = st.play_range()
        if self.clock is not None and span == self._span:
            return
        first, last = span
        self.clock = PlaybackClock(st.clip.frame_times_s[first : last + 1])
        self._span = span

    def _restart(self) -> None:
        self._timer.stop()
        if self.state.playing and self.clock is not None:
            first, last = self._span
            if not first <= self.state.index <= last:  # playing a range starts at its first frame
                self._ticking = True
                try:
                    self.state.set_index(first)
                finally:
                    self._ticking = False
            now = time.perf_counter()
            self.clock.start(now, self.state.index - first, self.state.speed)
            self._read_ahead(self.state.index)
            self._schedule(now)

    def _schedule(self, now: float) -> None:
        delay_ms = self.clock.next_change_in(now, self.state.loop) * 1000.0
        self._timer.start(max(1, math.ceil(delay_ms)))

    def _tick(self) -> None:
        st = self.state
        if not st.playing or self.clock is None:
            return
        now = time.perf_counter()
        index, finished = self.clock.frame_at(now, st.loop)
        index += self._span[0]
        self._ticking = True
        try:
            st.set_index(index)
        finally:
            self._ticking = False
        if finished:
            st.pause()
            return
        self._read_ahead(index)
        self._schedule(time.perf_counter())

    def _read_ahead(self, index: int) -> None:
        """Ask a caching clip to decode the next frames on its worker thread (no-op otherwise)."""
        prefetch = getattr(self.state.clip, "prefetch", None)
        if prefetch is not None:
            prefetch(index + 1, READ_AHEAD)
