"""What the running app needs to know: library folder, database URL, current trainee (Qt-free)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgtrainer.resources import default_db_url, demo_library_dir


def configured_db_url() -> str:
    """The configured store (``--db`` aside: ``IMGTRAINER_DB_URL``, the config file, else the
    SQLite file in the user data folder); a broken config file falls back to that file."""
    from imgtrainer.errors import StoreError
    from imgtrainer.store.config import resolve_db_url

    try:
        return resolve_db_url(None)
    except StoreError:
        return default_db_url()


@dataclass
class AppContext:
    library_dir: Path = field(default_factory=demo_library_dir)
    db_url: str = field(default_factory=configured_db_url)
    trainee: str | None = None
    _engine: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def engine(self) -> Any:
        """The SQLAlchemy engine, created (and migrated) once on first use, from any thread."""
        with self._lock:
            if self._engine is None:
                from imgtrainer.store.engine import make_engine

                self._engine = make_engine(self.db_url)
            return self._engine
