"""What the running app needs to know: library folder, database URL, current trainee (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgtrainer.resources import default_db_url, demo_library_dir


@dataclass
class AppContext:
    library_dir: Path = field(default_factory=demo_library_dir)
    db_url: str = field(default_factory=default_db_url)
    trainee: str | None = None
    _engine: Any = None

    @property
    def engine(self):  # noqa: ANN201 - sqlalchemy Engine, created on first use (off the start-up path)
        if self._engine is None:
            from imgtrainer.store.engine import make_engine

            self._engine = make_engine(self.db_url)
        return self._engine
