"""The "Faculty" menu of the trainee main window: log in, then open the faculty workspace.

Until the faculty password is given, the workspace entry is disabled and ``open_workspace``
refuses, so a trainee profile cannot reach keys or annotation tools.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QMainWindow

from imgtrainer.gui.faculty.login import FacultyGate, FacultyLoginDialog


class FacultyMenu:
    """Adds the Faculty menu to ``window`` (a MainWindow with ``ctx.library_dir``)."""

    def __init__(self, window: QMainWindow, home: Path | None = None) -> None:
        from imgtrainer.resources import data_dir

        self.window = window
        self.home = Path(home) if home is not None else data_dir()
        self.gate = FacultyGate(self.home)
        self.workspace = None
        menu = window.menuBar().addMenu("F&aculty")
        self.login_action = menu.addAction("Faculty login…", self.login)
        self.open_action = menu.addAction("Faculty workspace (keys, annotation, review)", self.open_workspace)
        self.logout_action = menu.addAction("Log out of faculty mode", self.logout)
        self.menu = menu
        self.gate.changed.connect(lambda _t: self._sync())
        self._sync()

    def _sync(self) -> None:
        on = self.gate.unlocked
        self.open_action.setEnabled(on)
        self.logout_action.setEnabled(on)
        self.login_action.setEnabled(not on)
        if not on and self.workspace is not None:
            ws, self.workspace = self.workspace, None
            ws.close()

    def login(self) -> bool:
        dialog = FacultyLoginDialog(self.gate, self.window)
        if dialog.exec() and self.gate.unlocked:
            self.open_workspace()
            return True
        return False

    def open_workspace(self):
        """Show the workspace (refused while locked: raises AuthError)."""
        from imgtrainer.gui.faculty.workspace import FacultyWindow

        if self.workspace is None:
            library = Path(self.window.ctx.library_dir)  # type: ignore[attr-defined]
            self.workspace = FacultyWindow(library, self.gate, self.home)
            self.workspace.resize(1500, 920)
            rescan = getattr(self.window, "library_changed", None)
            if rescan is not None:  # the trainee library follows approvals and keys at once
                self.workspace.library_changed.connect(rescan)
        self.workspace.show()
        self.workspace.raise_()
        return self.workspace

    def logout(self) -> None:
        self.gate.lock()
