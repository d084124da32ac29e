"""Frame cache bounds, read-ahead and decode time limits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from imgtrainer.errors import DecodeTimeoutError
from imgtrainer.media.cache import CachedClip, FrameCache, call_with_timeout
from imgtrainer.media.dicom import DicomClip
from imgtrainer.media.dicom_writer import write_dicom_cine


def test_lru_respects_byte_budget() -> None:
    cache = FrameCache(max_bytes=3 * 100)
    for i in range(5):
        cache.put(i, np.zeros(100, np.uint8))
    assert len(cache) == 3 and cache.nbytes == 300
    assert cache.get(0) is None and cache.get(2) is not None
    cache.put(5, np.zeros(100, np.uint8))  # evicts 3, the least recently used (2 was just read)
    assert 3 not in cache and 2 in cache
    cache.put(9, np.zeros(1000, np.uint8))  # larger than the budget: not stored
    assert 9 not in cache


class _SlowClip(CachedClip):
    def __init__(self, delay: float, timeout: float | None = 5.0) -> None:
        self.path = Path("slow.bin")
        self.n_frames, self.rows, self.cols, self.channels = 20, 4, 4, 1
        self.frame_times_s = np.arange(20) / 30
        self.regions, self.warnings = [], []
        self._init_cache(1, timeout)
        self.delay = delay
        self.decoded: list[int] = []
        self.lock = threading.Lock()

    def _decode_uncached(self, index: int) -> np.ndarray:
        time.sleep(self.delay)
        with self.lock:
            self.decoded.append(index)
        return np.full((4, 4), index, np.uint8)


def test_prefetch_fills_cache_once() -> None:
    clip = _SlowClip(0.002)
    clip.prefetch(5, 4)
    clip.prefetch(5, 4)  # already queued: no duplicate work
    for i in range(5, 9):
        assert clip.frame(i)[0, 0] == i
    clip.close()
    assert sorted(clip.decoded) == [5, 6, 7, 8]


def test_frames_are_read_only() -> None:
    clip = _SlowClip(0.0)
    with pytest.raises(ValueError):
        clip.frame(0)[0, 0] = 1


def test_decode_timeout_is_reported_and_sticky() -> None:
    clip = _SlowClip(1.0, timeout=0.05)
    with pytest.raises(DecodeTimeoutError, match="frame 3"):
        clip.frame(3)
    with pytest.raises(DecodeTimeoutError):
        clip.frame(4)  # the stuck decoder still holds the clip: fail fast


def test_call_with_timeout_passes_errors_through() -> None:
    with pytest.raises(ZeroDivisionError):
        call_with_timeout(lambda: 1 / 0, 1.0, "x", "p")
    assert call_with_timeout(lambda: 3, None, "x", "p") == 3


def test_streaming_stays_within_cache(tmp_path: Path) -> None:
    frames = np.random.default_rng(0).integers(0, 255, (40, 64, 64, 3), dtype=np.uint8)
    path = write_dicom_cine(tmp_path / "c.dcm", frames, transfer_syntax="rle")
    clip = DicomClip(path, cache_mb=0.1)  # room for 8 frames of 12 kB
    for i in range(40):
        assert np.array_equal(clip.frame(i), frames[i])
        clip.prefetch(i + 1, 4)
    assert clip.cache.nbytes <= 0.1 * 1024 * 1024
    assert np.array_equal(clip.frames(range(10, 30)), frames[10:30])  # parallel bulk decode
    clip.close()
