"""The one place that finds assets/ and cases/, from a checkout or an installed package."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parent


def project_root() -> Path:
    """The repository root when running from a checkout (editable install)."""
    return _CHECKOUT_ROOT


def assets_dir() -> Path:
    """Folder holding taxonomy files, icons, stylesheet and report templates."""
    return _CHECKOUT_ROOT / "assets"


def taxonomy_dir() -> Path:
    return assets_dir() / "taxonomy"


def demo_library_dir() -> Path:
    """The bundled demo library (cases/)."""
    return _CHECKOUT_ROOT / "cases"


def data_dir() -> Path:
    """Per-user data directory (database, quarantine, exam sessions); IMGTRAINER_HOME overrides it."""
    override = os.environ.get("IMGTRAINER_HOME")
    path = Path(override) if override else Path(user_data_dir("imgtrainer", "imgtrainer"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'imgtrainer.sqlite'}"
