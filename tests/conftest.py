"""Shared fixtures: the real data folder and an isolated imgtrainer home per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests._pg import db_url, pg_server  # noqa: F401  (fixtures: SQLite + PostgreSQL)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (read-only real ultrasound files). Skips only if the folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own IMGTRAINER_HOME so that no test touches the user's data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("IMGTRAINER_HOME", str(home))
    return home
