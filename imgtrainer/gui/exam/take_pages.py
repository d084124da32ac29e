"""Pieces of the exam window's simple pages: a centred column, and the rules a candidate reads
before starting (from the package settings)."""

from __future__ import annotations

import html

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from imgtrainer.exams.package import ExamPackage
from imgtrainer.screens.exam.take import format_clock


def esc(text: object) -> str:
    return html.escape(str(text))


def settings_summary(package: ExamPackage) -> str:
    """The rules a candidate should know before starting, in one line each."""
    s = package.settings
    n = len(package.items)
    lines = [f"{n} case{'s' if n != 1 else ''}"]
    lines.append(
        f"Time limit: {format_clock(s['time_limit_s'])}" if s.get("time_limit_s") else "No overall time limit"
    )
    if s.get("case_time_limit_s"):
        lines.append(f"Each case: at most {format_clock(s['case_time_limit_s'])}")
    lines.append(
        "Forward-only: you cannot go back to a case"
        if s.get("navigation") == "forward"
        else "You may move freely between cases"
    )
    lines.append(
        "Clips may be replayed" if s.get("replay_loops", True) else "Each clip plays once (no replay)"
    )
    lines.append("Every answer is saved the moment you give it")
    return "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"


class Page(QWidget):
    """A centred column with a heading, a text and room for controls."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        box = QWidget(self)
        box.setMaximumWidth(640)
        self.col = QVBoxLayout(box)
        self.col.addStretch(1)
        self.heading = QLabel("", box)
        self.heading.setObjectName("caseTitle")
        self.heading.setWordWrap(True)
        self.text = QLabel("", box)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.col.addWidget(self.heading)
        self.col.addWidget(self.text)
        self.error = QLabel("", box)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        outer.addWidget(box, 4)
        outer.addStretch(1)

    def finish(self) -> None:
        self.col.addWidget(self.error)
        self.col.addStretch(2)
