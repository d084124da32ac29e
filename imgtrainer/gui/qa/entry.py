"""Adds "QA review of performed scans…" to the Faculty menu, enabled only while faculty mode is
unlocked (trainees never open another trainee's submission or the review screen)."""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QMainWindow, QMenu

from imgtrainer.gui.qa.review import QaWindow
from imgtrainer.screens.qa import QaState


class QaEntry:
    def __init__(self, window: QMainWindow, menu: QMenu, gate: Any) -> None:
        self.window, self.gate = window, gate
        self.qa: QaWindow | None = None
        self.action = menu.addAction("QA review of performed scans…", self.open)
        gate.changed.connect(lambda _t: self._sync())
        self._sync()

    def _sync(self) -> None:
        self.action.setEnabled(bool(self.gate.unlocked))
        if not self.gate.unlocked and self.qa is not None:
            w, self.qa = self.qa, None
            w.close()

    def open(self, qa_dir: Any = None, reviewer: str | None = None) -> QaWindow:
        if not self.gate.unlocked:
            from imgtrainer.annotate.auth import AuthError

            raise AuthError("QA review needs faculty login")
        if self.qa is None:
            from imgtrainer.progress.attempts import AttemptStore
            from imgtrainer.screens.qa import default_qa_dir

            ctx = self.window.ctx  # type: ignore[attr-defined]
            name = reviewer or getattr(self.gate, "rater", None) or "faculty"
            state = QaState(qa_dir or default_qa_dir(), name, lambda: AttemptStore(ctx.engine))
            self.qa = QaWindow(state)
            self.qa.resize(1620, 900)
        self.qa.show()
        self.qa.raise_()
        return self.qa
