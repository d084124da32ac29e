"""Run a risky decode in a worker process that can be killed when it runs past its time limit.

The C decoders behind pydicom (openjpeg, libjpeg for lossless and JPEG-LS) hold the GIL while
they work, so a thread-based time limit cannot even fire while one of them spins on a crafted
file. ``IsolatedRunner`` sends the call to a long-lived child process instead; if no answer
comes within the limit the child is killed, ``DecodeTimeoutError`` is raised, and the next call
starts a fresh child. The child is ``python -m imgtrainer.media.isolated`` talking length-prefixed
pickles over its stdin/stdout, not ``multiprocessing``, so the caller's main script is never
re-imported. Start-up (~0.3-0.6 s) is paid once per process (``shared_runner``), not per clip.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from imgtrainer.errors import DecodeTimeoutError, MediaError

STARTUP_LIMIT_S = 60.0
"""How long a new worker may take to import its modules and report ready."""

_shared: IsolatedRunner | None = None
_shared_lock = threading.Lock()


def _send(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _recv(stream: IO[bytes]) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("decoder process closed its pipe")
    size = int.from_bytes(head, "little")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("decoder process closed its pipe")
    return pickle.loads(data)


def _serve() -> None:
    """Child main loop: (fn, args) in, (True, result) or (False, error details) out."""
    out = os.fdopen(os.dup(1), "wb")  # keep the real stdout for replies ...
    os.dup2(2, 1)  # ... and send any stray prints from C libraries to stderr
    inp = sys.stdin.buffer
    import numpy  # noqa: F401 - preload before reporting ready
    import pydicom.pixels  # noqa: F401

    _send(out, ("ready", None))
    while True:
        try:
            msg = _recv(inp)
        except EOFError:
            return
        except Exception as exc:  # e.g. the function's module cannot be imported here
            _send(out, (False, ("MediaError", f"decoder process cannot load the call: {exc}")))
            continue
        if msg is None:
            return
        fn, args = msg
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except MediaError as exc:
            reply = (False, (type(exc).__name__, exc.reason))
        except BaseException as exc:
            reply = (False, ("MediaError", f"{type(exc).__name__}: {exc}"))
        _send(out, reply)


class IsolatedRunner:
    """One child process running picklable module-level functions with a time limit per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._replies: queue.SimpleQueue[Any] | None = None
        self._unavailable = False

    def _start(self, path: object) -> None:
        if getattr(sys, "frozen", False):  # a bundled app's executable is not a Python interpreter
            raise OSError("no Python interpreter to run a decoder process")
        env = dict(os.environ)  # the child imports what we can import (as multiprocessing does)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in (package_root, *sys.path) if p))
        proc = subprocess.Popen(
            [sys.executable, "-m", "imgtrainer.media.isolated"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        replies: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(
            target=self._read, args=(proc, replies), daemon=True, name="imgtrainer-decoder-io"
        ).start()
        self._proc, self._replies = proc, replies
        try:
            first = replies.get(timeout=STARTUP_LIMIT_S)
        except queue.Empty:
            self._kill()
            raise DecodeTimeoutError(
                path, f"decoder process did not start within {STARTUP_LIMIT_S:g} s"
            ) from None
        if first != ("ready", None):
            self._kill()
            raise OSError("decoder process failed to start")

    @staticmethod
    def _read(proc: subprocess.Popen[bytes], replies: queue.SimpleQueue[Any]) -> None:
        assert proc.stdout is not None
        while True:
            try:
                replies.put(_recv(proc.stdout))
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                replies.put(EOFError(str(exc)))
                return

    def call(
        self, fn: Callable[..., Any], args: tuple[Any, ...], timeout_s: float, what: str, path: object
    ) -> Any:
        """``fn(*args)`` in the child; DecodeTimeoutError (child killed) past ``timeout_s``."""
        with self._lock:
            if self._unavailable:
                return fn(*args)
            if self._proc is None or self._proc.poll() is not None:
                try:
                    self._start(path)
                except OSError:  # cannot run a child here: decode in this process instead
                    self._unavailable = True
                    return fn(*args)
            assert self._proc is not None and self._proc.stdin is not None and self._replies is not None
            try:
                _send(self._proc.stdin, (fn, args))
                reply = self._replies.get(timeout=timeout_s)
            except queue.Empty:
                self._kill()
                raise DecodeTimeoutError(
                    path, f"{what} did not finish within {timeout_s:g} s; stopped"
                ) from None
            except OSError as exc:
                self._kill()
                raise MediaError(path, f"{what}: decoder process failed ({exc})") from exc
            if isinstance(reply, EOFError):  # the child crashed (e.g. a segfault in C code)
                self._kill()
                raise MediaError(path, f"{what}: decoder process died")
        ok, payload = reply
        if ok:
            return payload
        name, reason = payload
        from imgtrainer import errors

        cls = getattr(errors, name, MediaError)
        raise (cls if isinstance(cls, type) and issubclass(cls, MediaError) else MediaError)(path, reason)

    def _kill(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(OSError):
                self._proc.kill()
            with contextlib.suppress(Exception):
                self._proc.wait(timeout=5)
            for stream in (self._proc.stdin, self._proc.stdout):
                with contextlib.suppress(OSError):
                    if stream is not None:
                        stream.close()
        self._proc, self._replies = None, None

    def close(self) -> None:
        """Stop the child."""
        with self._lock:
            if self._proc is not None and self._proc.stdin is not None:
                with contextlib.suppress(OSError):
                    _send(self._proc.stdin, None)
            self._kill()


def shared_runner() -> IsolatedRunner:
    """The process-wide runner: one worker process serves every clip (started on first use).

    Sharing matters: a thumbnail grid opens dozens of clips, and a worker per clip would cost a
    fresh interpreter each. Calls are serialised.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = IsolatedRunner()
        return _shared


if __name__ == "__main__":
    _serve()
