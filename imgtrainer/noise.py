"""Third-party noise, silenced in one place.

OpenCV and the FFmpeg inside it log straight to file descriptor 2 ("moov atom not found",
"[ WARN:0@0.02] global cap.cpp:212 ..."); that cannot be caught in Python, so their log levels
are set through the environment before ``cv2`` is first imported (``imgtrainer/__init__``
calls :func:`quiet_native_logs`). A user who wants the lines back sets the variables.

Python warnings of libraries (pydicom's charset complaints, ...) carry a site-packages path;
the CLI prints them as one imgtrainer line naming the file being read, which the media and
de-identification layers announce with :func:`reading`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

#: variable -> value (OpenCV's own log, and FFmpeg's av_log level: -8 = quiet)
NATIVE_LOG_ENV = {"OPENCV_LOG_LEVEL": "SILENT", "OPENCV_FFMPEG_LOGLEVEL": "-8"}

_current: ContextVar[str | None] = ContextVar("imgtrainer_current_input", default=None)


def quiet_native_logs() -> None:
    """Silence OpenCV/FFmpeg's own stderr lines unless the user set the variables."""
    for name, value in NATIVE_LOG_ENV.items():
        os.environ.setdefault(name, value)
    cv2 = sys.modules.get("cv2")
    if cv2 is not None and hasattr(cv2, "setLogLevel") and os.environ["OPENCV_LOG_LEVEL"] == "SILENT":
        cv2.setLogLevel(0)  # already imported (e.g. by a host application): 0 = silent


@contextmanager
def reading(path: str | os.PathLike[str]) -> Iterator[None]:
    """Mark ``path`` as the file being read, so a library warning can name it."""
    token = _current.set(os.fspath(Path(path)))
    try:
        yield
    finally:
        _current.reset(token)


def current_input() -> str | None:
    """The file announced by the innermost :func:`reading`, if any."""
    return _current.get()
