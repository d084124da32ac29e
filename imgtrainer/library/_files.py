"""Small file helpers shared by the library: atomic writes and readable pydantic errors."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temp file in the same folder and ``os.replace``.

    A reader never sees a half-written file, and a crash leaves the old file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def format_loc(loc: tuple[Any, ...]) -> str:
    """Pydantic error location as ``questions[3].kind`` (discriminator tags dropped)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if text.startswith(("function-", "tagged-union[")):
                continue
            out += ("." if out else "") + text
    return out or "(top level)"


def describe_validation_error(exc: ValidationError, limit: int = 5) -> list[tuple[str, str]]:
    """``(field, problem)`` pairs for the first ``limit`` errors of a pydantic ValidationError."""
    pairs: list[tuple[str, str]] = []
    for err in exc.errors()[:limit]:
        msg = str(err.get("msg", "invalid"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        pairs.append((format_loc(tuple(err.get("loc", ()))), msg))
    return pairs


def validation_message(source: str | Path, exc: ValidationError) -> str:
    """One line naming the file, each bad field and its problem."""
    parts = [f"{field}: {msg}" for field, msg in describe_validation_error(exc)]
    more = exc.error_count() - len(parts)
    tail = f" (and {more} more)" if more > 0 else ""
    return f"{source}: " + "; ".join(parts) + tail
