"""Which files of a folder are media: one walk and one skip list for every command.

Hidden files and folders, and obvious non-media (text, spreadsheets, JSON, reports, code) are
skipped; everything else is offered to ``open_clip``, which decides by content.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

NON_MEDIA_SUFFIXES = frozenset(
    {
        ".json", ".txt", ".md", ".csv", ".tsv", ".xml", ".html", ".htm", ".pdf", ".log",
        ".toml", ".yaml", ".yml", ".py", ".ini",
    }
)  # fmt: skip
SKIP_NAMES = frozenset({"DICOMDIR", "LICENSE", "README", "Thumbs.db"})


def is_media_candidate(path: Path) -> bool:
    """False for hidden files, known non-media names and non-media suffixes."""
    name = path.name
    return not (name.startswith(".") or name in SKIP_NAMES or path.suffix.lower() in NON_MEDIA_SUFFIXES)


def iter_media_files(paths: Iterable[Path], exclude: Path | None = None) -> Iterator[Path]:
    """Files named, and media candidates inside folders (recursive, sorted, hidden folders
    skipped), leaving out anything inside ``exclude`` (e.g. the output folder)."""
    excluded = Path(exclude).resolve() if exclude is not None else None
    for p in map(Path, paths):
        if not p.is_dir():
            yield p
            continue
        for root, dirs, files in os.walk(p):
            here = Path(root)
            if excluded is not None and (here.resolve() == excluded or excluded in here.resolve().parents):
                dirs[:] = []
                continue
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                q = here / name
                if is_media_candidate(q):
                    yield q
