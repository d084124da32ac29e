"""Run slow work (decoding, analysis, database, PDF) on QThreadPool and hand the result back
to the GUI thread, so the window never freezes."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal


class _Relay(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # every failure goes back to the GUI as a message
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._send("failed", exc)
        else:
            self._send("done", result)

    def _send(self, name: str, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the app is closing and the relay is gone
            getattr(self.relay, name).emit(value)


_live: set[_Relay] = set()


def run_async(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    pool: QThreadPool | None = None,
) -> _Relay:
    """Call ``fn()`` on a pool thread; ``on_done(result)`` or ``on_error(exc)`` run on the GUI thread."""
    relay = _Relay()
    _live.add(relay)

    def _finish(_: object = None) -> None:
        _live.discard(relay)
        relay.deleteLater()

    relay.done.connect(_guarded(on_done))
    if on_error is not None:
        relay.failed.connect(_guarded(on_error))
    relay.done.connect(_finish)
    relay.failed.connect(_finish)
    (pool or QThreadPool.globalInstance()).start(_Job(fn, relay))
    return relay


def _guarded(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Drop a result whose widget was closed meanwhile (its C++ object is gone) instead of
    letting PyQt abort on the exception."""

    def call(value: Any) -> None:
        try:
            callback(value)
        except RuntimeError as exc:
            if "has been deleted" not in str(exc):
                raise

    return call


def pending() -> int:
    """Jobs started and not yet reported back (tests wait for 0)."""
    return len(_live)
