"""Small file helpers shared by the library: atomic writes and readable pydantic errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imgtrainer.fileio import atomic_write_json, atomic_write_text

__all__ = [
    "atomic_write_json",
    "atomic_write_text",
    "describe_validation_error",
    "format_loc",
    "validation_message",
]


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
