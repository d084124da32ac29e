"""The main window's Exam menu: Build exam… (faculty, after faculty login) and Take exam….

Kept apart from ``main_window`` so that window only gains two menu entries."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from imgtrainer.errors import ImgTrainerError

PACKAGE_FILTER = "Exam package (*.itexam);;All files (*)"


def add_exam_menu(window: QMainWindow) -> None:
    """Add the Exam menu (before Help when the window keeps a ``help_menu``)."""
    bar = window.menuBar()
    menu = bar.addMenu("E&xam")
    menu.addAction("Build exam… (faculty)", lambda: build_exam(window))
    menu.addAction("Take exam…", lambda: take_exam(window))
    help_menu = getattr(window, "help_menu", None)
    if help_menu is not None:
        bar.removeAction(help_menu.menuAction())
        bar.addAction(help_menu.menuAction())
    window.exam_menu = menu  # type: ignore[attr-defined]


def faculty_unlocked(window: QMainWindow) -> bool:
    faculty = getattr(window, "faculty", None)
    gate = getattr(faculty, "gate", None)
    return bool(getattr(gate, "unlocked", False))


def build_exam(window: QMainWindow) -> None:
    """Open the exam builder; faculty only (log in first through the Faculty menu)."""
    if not faculty_unlocked(window):
        faculty = getattr(window, "faculty", None)
        if faculty is None or not faculty.login():  # login() opens the faculty workspace too
            if faculty is None:
                QMessageBox.information(window, "Build exam", "Faculty mode is not available.")
            return
    from imgtrainer.gui.exam.builder import ExamBuilderDialog

    dialog = ExamBuilderDialog(window.ctx, window)  # type: ignore[attr-defined]
    dialog.exec()


def take_exam(window: QMainWindow, path: Path | None = None) -> None:
    """Choose a package and open the proctored exam window (kept on the main window)."""
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            window, "Open an exam package", str(Path.home()), PACKAGE_FILTER
        )
        if not chosen:
            return
        path = Path(chosen)
    from imgtrainer.gui.exam.take import ExamTakeWindow

    try:
        exam = ExamTakeWindow(path)
    except ImgTrainerError as exc:
        QMessageBox.warning(window, "Cannot open the exam", str(exc))
        return
    window.exam_window = exam  # type: ignore[attr-defined]
    exam.resize(window.size())
    # the trainer (library, practice feedback, assist) is hidden while the exam window is open
    exam.on_closed = window.show
    window.hide()
    exam.show()
    exam.raise_()


def run_exam(package: Path, quit_after_s: float | None = None) -> int:
    """``imgtrainer gui --exam PACKAGE``: only the proctored exam window (shared exam PCs)."""
    from PyQt6.QtCore import QTimer

    from imgtrainer.gui.exam.take import ExamTakeWindow
    from imgtrainer.gui.style import make_app

    app = make_app()
    exam = ExamTakeWindow(Path(package))
    screen = app.primaryScreen()
    if screen is not None:
        geo = screen.availableGeometry()
        exam.resize(min(1600, geo.width()), min(1000, geo.height()))
    exam.show()
    if quit_after_s is not None:
        exam.confirm = lambda _title, _text: True
        QTimer.singleShot(int(quit_after_s * 1000), exam.close)
    return app.exec()
