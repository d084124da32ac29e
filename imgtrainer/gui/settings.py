"""The app's small remembered settings (last trainee per database), kept in the imgtrainer data
folder (``IMGTRAINER_HOME``) rather than the desktop's own settings store, so tests and several
installations never share them."""

from __future__ import annotations

from PyQt6.QtCore import QSettings

from imgtrainer.resources import data_dir


def settings() -> QSettings:
    return QSettings(str(data_dir() / "gui.ini"), QSettings.Format.IniFormat)


def last_trainee(db_url: str) -> str | None:
    value = settings().value(f"last_trainee/{db_url}", None, type=str)
    return value or None


def remember_trainee(db_url: str, name: str) -> None:
    s = settings()
    s.setValue(f"last_trainee/{db_url}", name)
    s.sync()
