"""The QApplication with the app's font, Fusion style and dark stylesheet (shared by every window)."""

from __future__ import annotations

import sys

from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication

from imgtrainer.resources import assets_dir

STYLESHEET = "gui/dark.qss"


def stylesheet() -> str:
    path = assets_dir() / STYLESHEET
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("imgtrainer")
    app.setOrganizationName("imgtrainer")
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSizeF(max(10.0, font.pointSizeF()))
    app.setFont(font)
    app.setStyleSheet(stylesheet())
    return app
