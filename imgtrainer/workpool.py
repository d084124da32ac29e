"""Parallel worker processes for batch jobs (de-identification and import of folders).

``run_parallel`` feeds tasks to ``jobs`` worker processes (forked, so they start at once; spawned
from a Qt process or where fork does not exist) and yields ``(index, result)`` as they finish,
keeping only a few tasks in flight so that a folder of 100,000 files does not sit in memory.
With ``jobs == 1`` everything runs in this process, in order. Each worker calls ``initializer``
once (to build its de-identification context) and limits OpenCV to one thread, since the
processes already use the cores.

``ProgressLine`` draws ``label  done/total  pct  rate  ETA`` on a terminal (one line, rewritten);
elsewhere it prints a line every 10 %, for batches of 50 files or more only.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TextIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """Worker processes by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _worker_init(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    if initializer is not None:
        initializer(*initargs)


def run_parallel(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[tuple[int, R]]:
    """``(i, fn(task_i))`` for every task, in completion order; ``fn`` must be a module-level
    function and tasks and results picklable when ``jobs > 1``."""
    if jobs <= 1:
        if initializer is not None:
            initializer(*initargs)
        for i, task in enumerate(tasks):
            yield i, fn(task)
        return
    # fork where it exists (workers start at once); spawn elsewhere, and from a Qt process
    qt = "PyQt6.QtCore" in sys.modules
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() and not qt else "spawn")
    with ProcessPoolExecutor(
        jobs, mp_context=ctx, initializer=_worker_init, initargs=(initializer, initargs)
    ) as pool:
        pending: dict[Future[R], int] = {}
        it = iter(enumerate(tasks))
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < 2 * jobs:
                try:
                    i, task = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pending[pool.submit(fn, task)] = i
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                yield i, fut.result()


class ProgressLine:
    """Progress with rate and ETA on ``stream`` (stderr): rewritten in place on a terminal."""

    def __init__(
        self, label: str, total: int | None, enabled: bool = True, stream: TextIO | None = None
    ) -> None:
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        # off a terminal (logs, CI) only long batches report, a line per tenth
        self.enabled = enabled and (self.tty or (total or 0) >= 50)
        self.start = time.perf_counter()
        self.done = 0
        self._last_tenth = -1

    def text(self, note: str = "") -> str:
        """The line as drawn, e.g. ``deid  120/500  24%  3.1 files/s  ETA 2:03  name``."""
        elapsed = max(1e-6, time.perf_counter() - self.start)
        rate = self.done / elapsed
        if self.total:
            left = (self.total - self.done) / rate if rate > 0 else float("nan")
            eta = "--:--" if left != left else _clock(left)
            head = f"{self.label}  {self.done}/{self.total}  {self.done / self.total:4.0%}"
        else:
            head, eta = f"{self.label}  {self.done}", "?"
        return f"{head}  {rate:.1f} files/s  ETA {eta}  {note[-40:]}"

    def step(self, note: str = "", n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r" + self.text(note).ljust(100)[:100])
        else:
            tenth = int(10 * self.done / self.total) if self.total else self.done // 25
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(self.text(note) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = round(seconds)
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
