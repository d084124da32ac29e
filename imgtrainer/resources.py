"""The one place that finds assets/ and cases/, in a checkout, an installed wheel or a frozen bundle.

The sources are the top-level folders assets/ and cases/. In the checkout, imgtrainer/shipped-data/assets
and imgtrainer/shipped-data/cases are symbolic links to them, so `importlib.resources` finds them inside
the package; building a wheel (or a PyInstaller bundle) copies the files they point to into
imgtrainer/shipped-data/. One lookup thus serves an editable install, a wheel, pipx and the bundle.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from platformdirs import user_data_dir

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parent


def project_root() -> Path:
    """The repository root when running from a checkout (editable install)."""
    return _CHECKOUT_ROOT


def in_checkout() -> bool:
    """True when running from a source checkout (the demo library is the top-level cases/)."""
    return demo_library_dir() == _CHECKOUT_ROOT / "cases"


def _shipped(name: str) -> Path:
    """imgtrainer/shipped-data/<name> as a real folder.

    A checkout made without symbolic links (git's core.symlinks=false, e.g. on Windows) has a small
    text file there instead: then the top-level source folder is used directly.
    """
    inside = Path(str(files("imgtrainer") / "shipped-data" / name))
    if inside.is_dir():
        return inside.resolve()
    return _CHECKOUT_ROOT / name


def assets_dir() -> Path:
    """Folder holding taxonomy files, icons, stylesheet and report templates."""
    return _shipped("assets")


def taxonomy_dir() -> Path:
    return assets_dir() / "taxonomy"


def demo_library_dir() -> Path:
    """The bundled demo library (cases/)."""
    return _shipped("cases")


def data_dir() -> Path:
    """Per-user data directory (database, quarantine, exam sessions); IMGTRAINER_HOME overrides it."""
    override = os.environ.get("IMGTRAINER_HOME")
    path = Path(override) if override else Path(user_data_dir("imgtrainer", "imgtrainer"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'imgtrainer.sqlite'}"
