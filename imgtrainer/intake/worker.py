"""The background worker: takes instances from the inbox, files them, journals each outcome.

One dispatcher thread watches the inbox (woken by each arrival, and every second anyway) and
hands each instance to a small pool; instances of one series are filed one at a time (a lock
per case). Each outcome is journalled before its inbox file is removed, so an instance is
processed once even when the process is killed mid-way (see ``inbox``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from imgtrainer.deid.context import DeidContext
from imgtrainer.intake.filing import CaseLocks, Filed, FilingOptions, clean_staging, file_instance
from imgtrainer.intake.inbox import Inbox, InboxItem

Logger = Callable[[dict[str, Any]], None]


class Worker:
    """Processes ``inbox`` into ``opts.library`` on ``threads`` threads until ``stop()``."""

    def __init__(
        self, inbox: Inbox, ctx: DeidContext, opts: FilingOptions, log: Logger, threads: int = 1
    ) -> None:
        self.inbox, self.ctx, self.opts, self.log = inbox, ctx, opts, log
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="imgtrainer-intake")
        self._locks = CaseLocks()
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.counts = {"filed": 0, "already_filed": 0, "quarantined": 0, "failed": 0}
        self.last: dict[str, Any] | None = None

    def start(self) -> None:
        repaired = self.inbox.recover()
        repaired["staging_removed"] = clean_staging(Path(self.opts.library))
        if any(repaired.values()):
            self.log({"event": "recovered", **repaired})
        self._thread = threading.Thread(target=self._run, name="imgtrainer-intake-dispatch", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """An instance arrived: look at the inbox now."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            for item in self.inbox.pending():
                with self._busy_lock:
                    if item.key in self._busy:
                        continue
                    self._busy.add(item.key)
                self._pool.submit(self._process, item)
            self._wake.wait(1.0)
            self._wake.clear()

    def _process(self, item: InboxItem) -> None:
        try:
            if self._stop.is_set() or not item.path.is_file():
                return
            start = time.monotonic()
            if self.inbox.is_done(item.key):  # journalled before a crash: only the file was left
                self.inbox.mark_done(item.key, self.inbox.done_record(item.key) or {"key": item.key})
                return
            try:
                filed = file_instance(item.path, item.key, self.ctx, self.opts, self._locks)
            except Exception as exc:  # a bug must not kill the worker: keep the original for IT
                filed = Filed(item.key, "failed", None, f"{type(exc).__name__}: {exc}")
            if filed.status in ("quarantined", "failed"):
                self.inbox.quarantine_copy(item.key, src=item.path)
            self.inbox.mark_done(item.key, filed.record())
            self.counts[filed.status] = self.counts.get(filed.status, 0) + 1
            self.last = {"event": "processed", **filed.record(), "frames": filed.frames,
                         "seconds": round(time.monotonic() - start, 3)}  # fmt: skip
            self.log(self.last)
        finally:
            with self._busy_lock:
                self._busy.discard(item.key)

    def idle(self) -> bool:
        with self._busy_lock:
            busy = bool(self._busy)
        return not busy and not self.inbox.pending()

    def drain(self, timeout_s: float) -> bool:
        """Wait until the inbox is empty (True) or ``timeout_s`` passes (False)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.idle():
                return True
            self.notify()
            time.sleep(0.1)
        return self.idle()

    def stop(self, wait: bool = True) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
        self._pool.shutdown(wait=wait, cancel_futures=True)
