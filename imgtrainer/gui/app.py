"""Start the desktop app: QApplication, dark stylesheet, first-run trainee choice, main window.

Imports stay lazy so the window paints quickly (target: first frame on screen within 2 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication, QWidget

from imgtrainer.gui.context import AppContext
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


def trainee_names(ctx: AppContext) -> list[str]:
    """Existing trainee profiles, from the progress/training store."""
    from imgtrainer.gui.services import list_trainees

    return list_trainees(ctx)


def choose_trainee(ctx: AppContext, parent: QWidget | None = None) -> str | None:
    """Show the first-run / switch dialog; create the profile when a new name is typed."""
    from imgtrainer.gui.dialogs import ProfileDialog
    from imgtrainer.gui.services import ensure_trainee

    dialog = ProfileDialog(trainee_names(ctx), parent)
    if dialog.exec() and dialog.chosen:
        ensure_trainee(ctx, dialog.chosen)
        return dialog.chosen
    return None


def run(library_dir: Path | None = None, db_url: str | None = None, trainee: str | None = None,
        quit_after_s: float | None = None) -> int:
    """Open the main window on ``library_dir`` (the demo library by default) and run the event loop."""
    t0 = time.perf_counter()
    app = make_app()
    ctx = AppContext()
    if library_dir is not None:
        ctx.library_dir = Path(library_dir)
    if db_url is not None:
        ctx.db_url = db_url
    ctx.trainee = trainee
    if ctx.trainee is None:
        ctx.trainee = choose_trainee(ctx)
        if ctx.trainee is None:
            return 0
    from imgtrainer.gui.main_window import MainWindow

    window = MainWindow(ctx)
    window.resize(1400, 900)
    window.show()
    window.start_time = t0
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), window.close)
    return app.exec()
