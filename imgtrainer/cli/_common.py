"""Shared CLI helpers: JSON output, one-line errors, progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from imgtrainer.errors import ImgTrainerError

T = TypeVar("T")


def _default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=_default, ensure_ascii=False)


def print_json(data: Any) -> None:
    sys.stdout.write(dump_json(data) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One clear line on stderr, never a traceback."""
    sys.stderr.write(f"imgtrainer: error: {message}\n")
    sys.stderr.flush()


def progress(items: Iterable[T], total: int | None, label: str, enabled: bool = True) -> Iterator[T]:
    """Yield items, drawing 'label: i/total' on stderr when it is a terminal."""
    show = enabled and sys.stderr.isatty()
    for i, item in enumerate(items, 1):
        if show:
            sys.stderr.write(f"\r{label}: {i}/{total if total is not None else '?'}")
            sys.stderr.flush()
        yield item
    if show:
        sys.stderr.write("\n")


def run_handler(handler: Callable[[Any], int | None], args: Any) -> int:
    try:
        rc = handler(args)
    except ImgTrainerError as exc:
        error(str(exc))
        return 1
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    return int(rc or 0)
