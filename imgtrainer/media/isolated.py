"""Run a risky decode in a worker process that can be killed when it runs past its time limit.

The C decoders behind pydicom (openjpeg, libjpeg for lossless and JPEG-LS) hold the GIL while
they work, so a thread-based time limit cannot even fire while one of them spins on a crafted
file. ``IsolatedRunner`` sends the call to a long-lived child process instead; if no answer
comes within the limit the child is killed, ``DecodeTimeoutError`` is raised, and the next
call starts a fresh child. Start-up (~0.3-0.6 s, spawning a clean interpreter because forking
a threaded process is unsafe) is paid once per process (``shared_runner``), not per clip.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from imgtrainer.errors import DecodeTimeoutError, MediaError

_shared: IsolatedRunner | None = None
_shared_lock = threading.Lock()

STARTUP_LIMIT_S = 60.0
"""How long a new worker may take to import its modules and report ready."""


def _worker(conn: Connection) -> None:
    """Child loop: receive (fn, args), send back (True, result) or (False, error details)."""
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        fn, args = msg
        try:
            conn.send((True, fn(*args)))
        except MediaError as exc:
            conn.send((False, (type(exc).__name__, exc.path, exc.reason)))
        except BaseException as exc:
            conn.send((False, ("MediaError", "", f"{type(exc).__name__}: {exc}")))


class IsolatedRunner:
    """One child process running picklable module-level functions with a time limit per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None
        self._unavailable = False

    def _start(self, path: object) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child,), name="imgtrainer-decoder", daemon=True)
        proc.start()
        child.close()
        if not parent.poll(STARTUP_LIMIT_S):
            proc.kill()
            raise DecodeTimeoutError(path, f"decoder process did not start within {STARTUP_LIMIT_S:g} s")
        parent.recv()
        self._proc, self._conn = proc, parent

    def call(
        self, fn: Callable[..., Any], args: tuple[Any, ...], timeout_s: float, what: str, path: object
    ) -> Any:
        """``fn(*args)`` in the child; DecodeTimeoutError (child killed) past ``timeout_s``."""
        with self._lock:
            if self._unavailable:
                return fn(*args)
            if self._proc is None or not self._proc.is_alive():
                try:
                    self._start(path)
                except (AssertionError, OSError, RuntimeError):
                    # e.g. inside a daemonic worker, which may not have children: decode here
                    self._unavailable = True
                    return fn(*args)
            assert self._conn is not None
            try:
                self._conn.send((fn, args))
                ready = self._conn.poll(timeout_s)
            except (OSError, EOFError) as exc:
                self._kill()
                raise MediaError(path, f"{what}: decoder process failed ({exc})") from exc
            if not ready:
                self._kill()
                raise DecodeTimeoutError(path, f"{what} did not finish within {timeout_s:g} s; stopped")
            try:
                ok, payload = self._conn.recv()
            except (OSError, EOFError) as exc:  # the child crashed (e.g. a segfault in C code)
                self._kill()
                raise MediaError(path, f"{what}: decoder process died ({exc or 'no reply'})") from exc
        if ok:
            return payload
        name, _, reason = payload
        from imgtrainer import errors

        cls = getattr(errors, name, MediaError)
        raise cls(path, reason) if issubclass(cls, MediaError) else MediaError(path, reason)

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def close(self) -> None:
        """Stop the child (politely if idle)."""
        with self._lock:
            if self._conn is not None and self._proc is not None and self._proc.is_alive():
                try:
                    self._conn.send(None)
                    self._proc.join(timeout=1)
                except (OSError, EOFError):
                    pass
            self._kill()


def shared_runner() -> IsolatedRunner:
    """The process-wide runner: one worker process serves every clip (started on first use).

    Sharing matters: a thumbnail grid opens dozens of clips, and a worker per clip would cost a
    fresh interpreter each. Calls are serialised; the worker is a daemon, gone at exit.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = IsolatedRunner()
        return _shared
