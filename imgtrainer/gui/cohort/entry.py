"""Adds "Cohort…" to the Faculty menu: enabled only while faculty mode is unlocked, so trainees
never see other trainees' data. ``open_progress(uuid, name)`` is the main window's drill-down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtWidgets import QMainWindow, QMenu

from imgtrainer.gui.cohort.table import CohortWindow
from imgtrainer.screens.cohort import CohortState


class CohortEntry:
    def __init__(
        self, window: QMainWindow, menu: QMenu, gate: Any, open_progress: Callable[[str, str], None]
    ) -> None:
        self.window, self.gate, self.open_progress = window, gate, open_progress
        self.cohort: CohortWindow | None = None
        menu.addSeparator()
        self.action = menu.addAction("Cohort (programme director)…", self.open)
        gate.changed.connect(lambda _t: self._sync())
        self._sync()

    def _sync(self) -> None:
        self.action.setEnabled(bool(self.gate.unlocked))
        if not self.gate.unlocked and self.cohort is not None:
            w, self.cohort = self.cohort, None
            w.close()

    def open(self) -> CohortWindow:
        if not self.gate.unlocked:
            from imgtrainer.annotate.auth import AuthError

            raise AuthError("the cohort view needs faculty login")
        if self.cohort is None:
            ctx = self.window.ctx  # type: ignore[attr-defined]
            state = CohortState(lambda: ctx.engine)
            state.open_trainee.connect(self.open_progress)
            self.cohort = CohortWindow(state)
            self.cohort.resize(1500, 700)
        self.cohort.show()
        self.cohort.raise_()
        return self.cohort
