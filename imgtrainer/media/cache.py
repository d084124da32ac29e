"""Frame cache: a byte-bounded LRU of decoded frames plus read-ahead on a worker thread.

Playback asks for frame ``i`` thirty times a second; decoding it again each loop wastes a core,
and decoding a whole cine up front costs gigabytes. ``CachedClip`` keeps the most recently used
frames within a budget in MB, decodes ahead of the play head on one worker thread
(``prefetch``), and stops any single decode that runs past ``decode_timeout_s``.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import numpy as np

from imgtrainer.errors import DecodeTimeoutError, MediaError
from imgtrainer.media.clip import Clip

T = TypeVar("T")

DEFAULT_DECODE_TIMEOUT_S = 10.0
"""A single frame decode running longer than this is reported as DecodeTimeoutError."""


class FrameCache:
    """Thread-safe LRU mapping frame index -> read-only array, bounded by total bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, index: int) -> np.ndarray | None:
        with self._lock:
            arr = self._items.get(index)
            if arr is None:
                self.misses += 1
                return None
            self._items.move_to_end(index)
            self.hits += 1
            return arr

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._items

    def put(self, index: int, arr: np.ndarray) -> None:
        """Store a frame; evicts least recently used frames. A frame larger than the budget is skipped."""
        size = int(arr.nbytes)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(index, None)
            if old is not None:
                self._bytes -= int(old.nbytes)
            while self._items and self._bytes + size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= int(dropped.nbytes)
            self._items[index] = arr
            self._bytes += size

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class DaemonPool:
    """A few reusable daemon worker threads.

    Reused rather than one thread per decode (fewer malloc arenas, so less resident memory), and
    daemonic so that a decoder stuck in C code never keeps the process from exiting.
    """

    def __init__(self, workers: int, name: str = "imgtrainer-decode") -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[[], object], Future[object]] | None] = (
            queue.SimpleQueue()
        )
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{k}", daemon=True)
            for k in range(max(1, workers))
        ]
        for t in self._threads:
            t.start()

    def _loop(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            fn, fut = task
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as exc:
                fut.set_exception(exc)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        self._queue.put((fn, fut))  # type: ignore[arg-type]
        return fut

    def shutdown(self) -> None:
        """Let idle workers exit; a stuck one stays until its call returns (it is a daemon)."""
        for _ in self._threads:
            self._queue.put(None)


def call_with_timeout(
    fn: Callable[[], T], timeout_s: float | None, what: str, path: object, pool: DaemonPool | None = None
) -> T:
    """Run ``fn`` on a daemon thread (of ``pool``, or a new one) and wait at most ``timeout_s`` s.

    Python threads cannot be killed: a decoder stuck past the limit keeps its thread until it
    returns, but the caller gets ``DecodeTimeoutError`` at once and the process can still exit.
    """
    if timeout_s is None:
        return fn()
    if pool is not None:
        fut = pool.submit(fn)
        try:
            return fut.result(timeout=timeout_s)
        except FutureTimeout:
            fut.cancel()
            raise DecodeTimeoutError(path, f"{what} did not finish within {timeout_s:g} s; stopped") from None
    box: dict[str, object] = {}

    def _run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=_run, name="imgtrainer-decode", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise DecodeTimeoutError(path, f"{what} did not finish within {timeout_s:g} s; stopped")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


class CachedClip(Clip):
    """A Clip whose subclasses implement ``_decode_uncached(i)``; adds cache, timeout, read-ahead."""

    parallel_decode: bool = False
    """True when ``_decode_uncached`` may run on two threads at once (DICOM, not video)."""

    def _init_cache(self, cache_mb: float, decode_timeout_s: float | None) -> None:
        self._cache = FrameCache(int(cache_mb * 1024 * 1024))
        self._timeout = decode_timeout_s
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[int, Future[None]] = {}
        self._pending_lock = threading.Lock()
        self._broken: MediaError | None = None
        self._decoders: DaemonPool | None = None
        self._decoders_lock = threading.Lock()

    @property
    def cache(self) -> FrameCache:
        return self._cache

    def _decode_uncached(self, index: int) -> np.ndarray:
        raise NotImplementedError

    def _thread_timeout(self) -> float | None:
        """Limit for the thread-based watchdog; None where the decoder enforces its own limit."""
        return self._timeout

    def _decode(self, index: int) -> np.ndarray:
        hit = self._cache.get(index)
        if hit is not None:
            return hit
        with self._pending_lock:
            fut = self._pending.get(index)
        if fut is not None:  # being read ahead right now: wait for it rather than decode twice
            with contextlib.suppress(Exception):  # a worker failure is re-raised by our own decode
                fut.result(timeout=self._timeout)
            hit = self._cache.get(index)
            if hit is not None:
                return hit
        return self._decode_and_store(index)

    def _decode_and_store(self, index: int) -> np.ndarray:
        if self._broken is not None:
            raise self._broken
        timeout = self._thread_timeout()
        if self._decoders is None and timeout is not None:
            with self._decoders_lock:
                if self._decoders is None:
                    self._decoders = DaemonPool(2 if self.parallel_decode else 1)
        try:
            arr = call_with_timeout(
                lambda: self._decode_uncached(index),
                timeout,
                f"decoding frame {index}",
                self.path,
                self._decoders,
            )
        except DecodeTimeoutError as exc:
            self._broken = exc  # the stuck decoder may still hold the file: refuse further work
            raise
        arr.setflags(write=False)
        self._cache.put(index, arr)
        return arr

    def prefetch(self, start: int, count: int) -> None:
        """Decode frames ``start .. start+count-1`` (wrapping) on a worker thread into the cache.

        Returns at once. Frames already cached or queued are skipped; ``count`` is capped so the
        read-ahead never evicts the frame it started from.
        """
        if self.n_frames == 0 or count <= 0:
            return
        frame_bytes = max(1, self.rows * self.cols * self.channels)
        cap = self._cache.max_bytes // frame_bytes - 1  # keep room for the frame on screen
        if cap < 1:
            return  # no room to read ahead into
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imgtrainer-prefetch")
        for k in range(min(count, cap, self.n_frames)):
            i = (start + k) % self.n_frames
            if i in self._cache:
                continue
            with self._pending_lock:
                if i in self._pending:
                    continue
                fut = self._pool.submit(self._prefetch_one, i)
                self._pending[i] = fut

    def _prefetch_one(self, index: int) -> None:
        try:
            if index not in self._cache:
                self._decode_and_store(index)
        except MediaError:
            pass  # reported when the frame is asked for
        finally:
            with self._pending_lock:
                self._pending.pop(index, None)

    def frames(self, indices: Sequence[int] | None = None, workers: int = 2) -> np.ndarray:
        """Stack of frames; decodes on ``workers`` threads when the decoder allows it."""
        idx = list(range(self.n_frames) if indices is None else indices)
        if not idx:
            raise MediaError(self.path or "<clip>", "no frames requested")
        first = self.frame(idx[0])
        out = np.empty((len(idx), *first.shape), dtype=np.uint8)
        out[0] = first
        if workers > 1 and self.parallel_decode and len(idx) > 2:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for k, arr in enumerate(pool.map(self.frame, idx[1:]), 1):
                    out[k] = arr
        else:
            for k, i in enumerate(idx[1:], 1):
                out[k] = self.frame(i)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._decoders is not None:
            self._decoders.shutdown()
            self._decoders = None
        self._cache.clear()
