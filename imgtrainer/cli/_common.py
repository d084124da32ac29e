"""Shared CLI helpers: the exit-status rule, one-line errors and warnings, JSON output, option
types with ranges, output-path checks and progress on stderr.

Exit status (README "Exit status"): 0 done; 1 the command ran but an input was missing, unreadable
or invalid (also: nothing found, some files of a batch failed, output folder missing or not
writable); 2 the command line itself is wrong (unknown option, missing argument, a value out of
its range or a bad combination: argparse, or :class:`UsageError`); 3 an internal error (a bug,
reported in one line; ``IMGTRAINER_DEBUG=1`` shows the traceback); 130 interrupted.
Every message is one line on stderr: ``imgtrainer: error: <what>: <problem>`` or
``imgtrainer: warning: <what>: <problem>``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import numpy as np

from imgtrainer.errors import ImgTrainerError, UsageError
from imgtrainer.noise import current_input

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
DEBUG_ENV = "IMGTRAINER_DEBUG"

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


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def error(message: str) -> None:
    """One clear line on stderr, never a traceback: ``imgtrainer: error: <what>: <problem>``."""
    sys.stderr.write(f"imgtrainer: error: {_one_line(message)}\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    """One line on stderr: ``imgtrainer: warning: <what>: <problem>``."""
    sys.stderr.write(f"imgtrainer: warning: {_one_line(message)}\n")
    sys.stderr.flush()


class Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (exit 2) instead of the usage block plus message.

    Sub-parsers inherit the class, so every command group gets it without doing anything."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.partition(" ")[2]
        prefix = f"{where}: " if where else ""
        self.exit(EXIT_USAGE, f"imgtrainer: error: {prefix}{_one_line(message)} (see '{self.prog} --help')\n")


def number(kind: type = float, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False):
    """An argparse ``type=`` accepting a ``kind`` number in [lo, hi] ((lo, hi] with ``lo_open``).

    A value outside gives argparse's one-line usage error naming the option and the range."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        too_low = lo is not None and (value <= lo if lo_open else value < lo)
        if value != value or too_low or (hi is not None and value > hi):
            low = None if lo is None else (f"above {lo:g}" if lo_open else f"at least {lo:g}")
            high = None if hi is None else f"at most {hi:g}"
            rng = " and ".join(r for r in (low, high) if r)
            if lo is not None and hi is not None and not lo_open:
                rng = f"between {lo:g} and {hi:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {rng}")
        return value

    parse.__name__ = kind.__name__
    return parse


def output_file(path: str | os.PathLike[str]) -> Path:
    """Check an output FILE's folder exists (it is never created: a typo must not make folders)."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise ImgTrainerError(f"{p}: is a folder; give a file name for the output")
    if not parent.is_dir():
        raise ImgTrainerError(f"{parent}: output folder does not exist (create it first)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ImgTrainerError(f"{parent}: output folder is not writable")
    return p


def output_folder(path: str | os.PathLike[str]) -> Path:
    """An output FOLDER is created if missing, but only its last part: the parent must exist."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ImgTrainerError(f"{p}: exists and is not a folder")
    if not p.exists():
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise ImgTrainerError(f"{parent}: folder does not exist (create it first)")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ImgTrainerError(f"{parent}: folder is not writable")
        p.mkdir()
    elif not os.access(p, os.W_OK | os.X_OK):
        raise ImgTrainerError(f"{p}: output folder is not writable")
    return p


def media_inputs(
    paths: Iterable[str | os.PathLike[str]], exclude: Path | None = None, *, keep_missing: bool = False
) -> tuple[list[Path], int]:
    """Media files named or found in the folders named, and how many paths were bad.

    A missing path and a folder without any media file each get one error line (exit 1 by the
    rule); with ``keep_missing`` a missing path is returned instead, for the caller to report."""
    from imgtrainer.media.files import iter_media_files

    files: list[Path] = []
    bad = 0
    for p in map(Path, paths):
        if not p.exists() and not keep_missing:
            error(f"{p}: no such file or folder")
            bad += 1
            continue
        found = list(iter_media_files([p], exclude=exclude))
        if p.is_dir() and not found:
            error(f"{p}: no media files in this folder")
            bad += 1
        files += found
    return files, bad


def os_error_message(exc: OSError) -> str:
    """'<file>: <problem>' for an OSError (permission denied, disk full, missing folder...)."""
    what = exc.filename if exc.filename is not None else ""
    problem = (exc.strerror or str(exc)).lower() if exc.strerror else str(exc)
    return f"{what}: {problem}" if what else problem


class _WarningLines(logging.Handler):
    """Library log records at WARNING and above, as imgtrainer warning lines."""

    def emit(self, record: logging.LogRecord) -> None:
        _library_warning(record.getMessage())


_seen: set[tuple[str | None, str]] = set()


def _library_warning(text: str) -> None:
    first = _one_line(str(text).splitlines()[0] if str(text).strip() else str(text))
    where = current_input()
    if (where, first) in _seen:
        return
    _seen.add((where, first))
    warn(f"{where}: {first}" if where else first)


def _show_warning(
    message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    _library_warning(str(message))


@contextmanager
def library_noise() -> Iterator[None]:
    """Turn Python warnings and library log records into one-line imgtrainer warnings that name
    the file being read (see :func:`imgtrainer.noise.reading`); no site-packages paths."""
    root = logging.getLogger()
    handler = _WarningLines(logging.WARNING)
    added = not root.handlers
    if added:
        root.addHandler(handler)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            yield
        finally:
            if added:
                root.removeHandler(handler)
            _seen.clear()


def progress(items: Iterable[T], total: int | None, label: str, enabled: bool = True) -> Iterator[T]:
    """Yield items, drawing 'label: i/total' on stderr when it is a terminal."""
    import time

    show = enabled and sys.stderr.isatty()
    t0 = time.monotonic()
    for i, item in enumerate(items, 1):
        if show:
            done = time.monotonic() - t0
            eta = f", about {done / (i - 1) * (total - i + 1):.0f} s left" if total and i > 2 else ""
            sys.stderr.write(f"\r{label}: {i}/{total if total is not None else '?'}{eta}   ")
            sys.stderr.flush()
        yield item
    if show:
        sys.stderr.write("\n")


def run_handler(handler: Callable[[Any], int | None], args: Any) -> int:
    """Run a command's handler and apply the exit-status rule to whatever it raises."""
    try:
        rc = handler(args)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    except ImgTrainerError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `imgtrainer ... | head`: stop quietly
        with suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - interpreter exit flushes it
        return EXIT_OK
    except OSError as exc:  # unwritable output, disk full, a folder that vanished ...
        error(os_error_message(exc))
        return EXIT_BAD_INPUT
    except MemoryError:
        error("out of memory (try fewer or smaller files at a time)")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get(DEBUG_ENV):
            raise
        if type(exc).__module__.startswith("sqlalchemy"):  # the database refused (rights, lost link)
            from imgtrainer.store.engine import describe_db_error

            error(describe_db_error(exc))
            return EXIT_BAD_INPUT
        error(
            f"internal error: {type(exc).__name__}: {exc} (a bug in imgtrainer; "
            f"run with {DEBUG_ENV}=1 for the traceback and report it)"
        )
        return EXIT_INTERNAL
    return int(rc or 0)
