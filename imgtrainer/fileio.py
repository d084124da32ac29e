"""Atomic file writes: a reader never sees a half-written file, and a crash keeps the old one.

Every writer goes through ``atomic_output``: a temp file in the target folder, flushed and
fsynced, then ``os.replace``. New files get the usual permissions (0666 minus the umask, so a
shared library stays readable by colleagues); ``private=True`` gives 0600 for secrets, and an
existing file keeps its mode.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _final_mode(path: Path, private: bool) -> int:
    if private:
        return 0o600
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: str | Path, *, private: bool = False, keep_suffix: bool = False) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success it replaces ``path`` atomically.

    For writers that want a file name (``cv2.imwrite``, ``Dataset.save_as``, fpdf2). The temp
    name is hidden and ends in ``.tmp`` so that globs such as ``keys/*.json`` never pick up a
    half-written file; ``keep_suffix=True`` ends it in the target's suffix instead, for writers
    that choose the encoder from the name (``cv2.imwrite``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp{path.suffix}" if keep_suffix else ".tmp"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _final_mode(path, private))
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes, *, private: bool = False) -> Path:
    with atomic_output(path, private=private) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, *, private: bool = False) -> Path:
    """UTF-8 text with ``\\n`` line ends."""
    return atomic_write_bytes(path, text.encode("utf-8"), private=private)


def atomic_write_json(path: str | Path, data: Any, *, private: bool = False) -> Path:
    return atomic_write_text(
        path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", private=private
    )


def read_problem(exc: BaseException) -> str:
    """Why a file could not be read, in a user's words (no exception class, no errno)."""
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, NotADirectoryError):
        return "not found (a part of the path is a file, not a folder)"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
    if isinstance(exc, OSError):
        return f"cannot read: {(exc.strerror or str(exc)).lower()}"
    return f"cannot read: {exc}"
