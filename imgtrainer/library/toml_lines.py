"""Reading TOML files with errors that name the line: syntax errors from tomllib, and the line
of a pydantic error location (``questions[3].kind``) found by scanning the file's text for the
Nth ``[[questions]]`` header, the Nth inline table of an array, or a ``key =`` line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from imgtrainer.errors import CaseFormatError
from imgtrainer.fileio import read_problem


def read_toml(path: Path, error: type[CaseFormatError] = CaseFormatError) -> tuple[dict[str, Any], str]:
    """Parsed data and raw text; raises ``error`` naming file, line and column on bad TOML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: {read_problem(exc)}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f"line {m.group(1)} column {m.group(2)}" if m else "line ?"
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) or "syntax error"
        raise error(f"{path}: {where}: TOML syntax error: {problem}") from exc


def _header_lines(lines: list[str], name: str) -> list[int]:
    pat = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    return [i for i, line in enumerate(lines) if pat.match(line)]


_TABLE_HEADER = re.compile(r"^\s*\[{1,2}\s*[A-Za-z_\"][^=]*\]{1,2}\s*(#.*)?$")


def _key_line(lines: list[str], key: str, start: int = 0, stop: int | None = None) -> int | None:
    """Index of the line assigning ``key`` at or after ``start``, stopping at the next table header."""
    pat = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for i in range(start, len(lines) if stop is None else stop):
        if i > start and start > 0 and _TABLE_HEADER.match(lines[i]):
            break
        if pat.match(lines[i]):
            return i
    return None


def _nth_inline(lines: list[str], start: int, n: int) -> int | None:
    """Line of the n-th inline table ``{ ... }`` of the array that starts at ``start``."""
    seen = -1
    depth = 0
    for i in range(start, len(lines)):
        body = lines[i].split("=", 1)[1] if i == start and "=" in lines[i] else lines[i]
        for ch in body:
            if ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
            elif ch == "{" and depth == 1:
                seen += 1
                if seen == n:
                    return i
        if depth <= 0 and i > start:
            break
    return None


def line_for(text: str, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the entry at a pydantic ``loc`` inside one TOML file's text."""
    lines = text.splitlines()
    if not loc:
        return None
    head = str(loc[0])
    if len(loc) >= 2 and isinstance(loc[1], int):
        headers = _header_lines(lines, head)
        if headers:
            if loc[1] >= len(headers):
                return None
            start = headers[loc[1]]
            stop = next((h for h in headers if h > start), None)
            if len(loc) >= 3 and isinstance(loc[2], str):
                sub = _key_line(lines, loc[2], start + 1, stop)
                if sub is not None:
                    return sub + 1
            return start + 1
        top = _key_line(lines, head)
        if top is not None:
            item = _nth_inline(lines, top, loc[1])
            return (item if item is not None else top) + 1
        return None
    if len(loc) >= 2:
        section = next(
            (i for i, ln in enumerate(lines) if re.match(rf"^\s*\[\s*{re.escape(head)}\s*\]", ln)), None
        )
        if section is not None:
            sub = _key_line(lines, str(loc[1]), section + 1)
            return (sub if sub is not None else section) + 1
    top = _key_line(lines, head)
    return None if top is None else top + 1


def line_of_id(text: str, ident: str, nth: int = 1) -> int | None:
    """1-based line of the ``nth`` entry with ``id = "ident"`` (or a key named ``ident``)."""
    count = 0
    for i, line in enumerate(text.splitlines()):
        if re.search(rf"\bid\s*=\s*\"{re.escape(ident)}\"", line) or re.match(
            rf"^\s*{re.escape(ident)}\s*=", line
        ):
            count += 1
            if count == nth:
                return i + 1
    return None
