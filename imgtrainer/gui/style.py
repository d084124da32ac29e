"""The QApplication with the app's font, Fusion style and dark stylesheet (shared by every window)."""

from __future__ import annotations

import sys

from PyQt6.QtGui import QFont, QIcon
from PyQt6.QtWidgets import QApplication

from imgtrainer.resources import assets_dir

STYLESHEET = "gui/dark.qss"
ICON = "icons/imgtrainer.svg"  # the probe-and-fan icon; packaging/ renders its PNGs from it


def stylesheet() -> str:
    path = assets_dir() / STYLESHEET
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("imgtrainer")
    app.setOrganizationName("imgtrainer")
    app.setDesktopFileName("imgtrainer")  # matches packaging/imgtrainer.desktop (taskbar grouping)
    if (assets_dir() / ICON).is_file():
        app.setWindowIcon(QIcon(str(assets_dir() / ICON)))
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSizeF(max(10.0, font.pointSizeF()))
    app.setFont(font)
    app.setStyleSheet(stylesheet())
    return app
