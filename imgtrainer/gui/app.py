"""Start the desktop app: QApplication, dark stylesheet, first-run trainee choice, main window.

Imports stay lazy so the window paints quickly (target: first frame on screen within 2 s).
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from PyQt6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PyQt6.QtWidgets import QWidget

from imgtrainer.gui.dialogs import choose_trainee
from imgtrainer.gui.style import make_app
from imgtrainer.screens.context import AppContext


def _process_age_s() -> float:
    """Seconds since this process started (for the cold-start report)."""
    try:
        import psutil

        return time.time() - psutil.Process().create_time()
    except Exception:
        return float("nan")


def _remembered_trainee(ctx: AppContext) -> str | None:
    """The trainee who used this database last (the profile is re-created if missing)."""
    from imgtrainer.gui.settings import last_trainee

    return last_trainee(ctx.db_url)


def run(
    library_dir: Path | None = None,
    db_url: str | None = None,
    trainee: str | None = None,
    quit_after_s: float | None = None,
    startup_report: bool = False,
) -> int:
    """Open the main window on ``library_dir`` (the demo library by default) and run the event loop.

    The first run (no remembered trainee) shows the profile screen with the disclaimer.
    """
    qInstallMessageHandler(_qt_message)
    app = make_app()
    if quit_after_s is not None:  # armed first: it also ends the first-run screen (a modal dialog)
        QTimer.singleShot(int(quit_after_s * 1000), app.closeAllWindows)
    ctx = AppContext()
    if library_dir is not None:
        ctx.library_dir = Path(library_dir)
    if db_url is not None:
        ctx.db_url = db_url
    ctx.trainee = " ".join(trainee.split()) if trainee else _remembered_trainee(ctx)
    if ctx.trainee is None:
        ctx.trainee = choose_trainee(ctx)
        if ctx.trainee is None:
            return 0
    from imgtrainer.gui.settings import remember_trainee

    remember_trainee(ctx.db_url, ctx.trainee)
    from imgtrainer.gui.main_window import MainWindow

    window = MainWindow(ctx)
    _keep_running_on_errors(window)
    screen = app.primaryScreen().availableGeometry() if app.primaryScreen() else None
    if screen is not None:
        window.resize(min(1500, screen.width()), min(950, screen.height()))
    window.show()
    from imgtrainer.gui.workers import run_async
    from imgtrainer.screens.services import ensure_trainee

    run_async(
        lambda: ensure_trainee(ctx, ctx.trainee),
        lambda _name: None,
        lambda exc: window.statusBar().showMessage(str(exc)),
    )
    if startup_report:
        _report_startup(window)
    return app.exec()


_QT_NOISE = ("does not support propagateSizeHints", "This plugin does not support")


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    """Qt's own console lines as imgtrainer warnings (one line each); the offscreen plugin's
    harmless complaints and Qt's debug/info chatter are dropped."""
    if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) or any(n in message for n in _QT_NOISE):
        return
    first = " ".join(message.split())
    sys.stderr.write(f"imgtrainer: {'error' if kind == QtMsgType.QtFatalMsg else 'warning'}: Qt: {first}\n")


def _keep_running_on_errors(window: QWidget) -> None:
    """A bug in one handler is reported (stderr + status bar) instead of aborting the app, which
    is PyQt's default; the trainee's committed answers are already safe in the database."""
    import traceback

    def hook(exc_type, exc, tb) -> None:
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        with contextlib.suppress(RuntimeError):
            window.statusBar().showMessage(
                f"Internal error: {exc_type.__name__}: {exc} (details on the console)", 15000
            )

    sys.excepthook = hook


def _report_startup(window: QWidget) -> None:
    """Print when the window was first painted and when the first case thumbnail appeared."""
    marks: dict[str, float] = {}

    def painted() -> None:
        marks.setdefault("window", _process_age_s())
        sys.stderr.write(f"startup: main window on screen {marks['window']:.2f} s after process start\n")

    def poll() -> None:
        thumbs = getattr(window.library_page, "_thumbs", {})
        if thumbs and "thumb" not in marks:
            marks["thumb"] = _process_age_s()
            sys.stderr.write(
                f"startup: first case thumbnail on screen {marks['thumb']:.2f} s after process start\n"
            )
        elif "thumb" not in marks:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, painted)
    QTimer.singleShot(0, poll)
