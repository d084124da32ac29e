"""Where each imported case came from, on the importing computer only.

The originals of an import never enter the library (they hold the patient's identity, and so
may their file names). The faculty machine remembers case id -> original path in a private file
``<data dir>/faculty/import_sources.json`` so that the import review can name the original
beside the case id, show it beside the cleaned frame and re-run the masking from it.
"""

from __future__ import annotations

import json
from pathlib import Path

from imgtrainer.library._files import atomic_write_text
from imgtrainer.library.importer import sha256_file
from imgtrainer.library.models import Case

SOURCES_FILE = "import_sources.json"


class ImportSources:
    """case id -> original file path, kept on this computer only (never in the library)."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "faculty" / SOURCES_FILE
        self._map: dict[str, str] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._map = {str(k): str(v) for k, v in dict(data).items()}
            except (ValueError, TypeError):
                self._map = {}

    def remember(self, case_id: str, original: Path) -> None:
        self._map[case_id] = str(Path(original).resolve())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(self._map, indent=2))

    def original_name(self, case: Case) -> str | None:
        """The original file's name as recorded at import (even if it has moved since)."""
        p = self._map.get(case.id)
        return Path(p).name if p else None

    def original(self, case: Case) -> Path | None:
        """The remembered original of ``case`` when it still exists."""
        p = self._map.get(case.id)
        return Path(p) if p and Path(p).is_file() else None

    def locate(self, case: Case, candidate: Path) -> bool:
        """Remember ``candidate`` as the original if its SHA-256 matches the import record."""
        want = (case.provenance.original_file or "").removeprefix("sha256:")
        if not want or sha256_file(Path(candidate)) != want:
            return False
        self.remember(case.id, candidate)
        return True
