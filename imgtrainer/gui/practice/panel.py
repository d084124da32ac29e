"""Practice panel: the case's I-AIM questions as widgets, Submit, feedback, Next.

The panel is generated from the question set; answers live in ``PracticeState``. Scoring and
saving go through callables given by the controller (the practice engine), never done here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.widgets.questions import QuestionWidget, make_question_widget
from imgtrainer.gui.widgets.scroll_column import add_scroll_column
from imgtrainer.screens.practice import (
    GATE_HINT,
    GATE_QUESTION,
    LOCKED_MESSAGE,
    STEP_TITLES,
    PracticeState,
    core_mark_to_view,
)
from imgtrainer.screens.viewer.state import Mark, ViewerState
from imgtrainer.training.questions import QuestionSet


def _esc(text: object) -> str:
    return html.escape(str(text))


def feedback_html(qs: Any) -> str:
    """One question's feedback: score, what was given and expected, and why."""
    if not qs.scored:
        return f"<span style='color:{palette.TEXT_DIM}'>Not scored: {_esc(qs.reason)}</span>"
    colour = palette.GOOD if qs.score >= 0.999 else (palette.EXPERT if qs.score > 0 else palette.BAD)
    mark = "✔" if qs.score >= 0.999 else ("◐" if qs.score > 0 else "✘")
    parts = [f"<b style='color:{colour}'>{mark} {qs.score * 100:.0f}%</b>"]
    if qs.given:
        parts.append(f"You: {_esc(qs.given)}")
    elif not qs.answered:
        parts.append("Not answered")
    if qs.expected:
        parts.append(f"Expected: <b>{_esc(qs.expected)}</b>")
    text = " &nbsp;·&nbsp; ".join(parts)
    if qs.reason and qs.reason.strip().lower() != "not answered":
        text += f"<br><span style='color:{palette.TEXT_DIM}'>{_esc(qs.reason)}</span>"
    if qs.explanation:
        text += f"<br><i>{_esc(qs.explanation)}</i>"
    if qs.expert_marks:
        text += (
            f"<br><span style='color:{palette.EXPERT}'>■ expert (orange, dashed)</span> &nbsp; "
            f"<span style='color:{palette.TRAINEE}'>■ yours (blue)</span>"
        )
    return text


class PracticePanel(QWidget):
    """Questions for the current case; ``scorer(responses)`` returns a CaseScore-like result."""

    def __init__(self, practice: PracticeState, viewer: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.practice, self.viewer = practice, viewer
        self.scorer: Callable[[dict], Any] | None = None
        self.on_next: Callable[[], None] | None = None
        self.on_submitted: Callable[[Any], None] | None = None
        self.widgets: dict[str, QuestionWidget] = {}
        self._confirmed_missing = False  # Submit pressed once with questions unanswered
        self._revealed_header = ""  # the header naming the case, shown after submission
        self._step_titles: list[tuple[QLabel, list[str]]] = []  # section title, its question ids
        self.gate_hint: QLabel | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        column = add_scroll_column(self, layout)
        self.header, self.scroll = column.header, column.scroll
        self.inner, self.inner_layout = column.inner, column.inner_layout
        self.summary = QLabel("", self.inner)  # lives at the top of the scrolled list
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setVisible(False)
        self.error = QLabel("", self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.submit_button = QPushButton("Submit  (Enter)", self)
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(self.submit)
        self.next_button = QPushButton("Next case  (N)", self)
        self.next_button.clicked.connect(self.next_case)
        row.addWidget(self.submit_button, 1)
        row.addWidget(self.next_button, 1)
        layout.addLayout(row)
        practice.changed.connect(self._on_practice)
        self._on_practice("case")

    # building -------------------------------------------------------------------------------------
    def show_questions(
        self,
        qset: QuestionSet,
        header_html: str = "",
        restored: dict | None = None,
        revealed_header_html: str = "",
    ) -> None:
        """Rebuild the widgets for ``qset`` and start a fresh attempt. ``header_html`` is shown
        while answering (blind); ``revealed_header_html`` (naming the case) once it is submitted."""
        self._remove_widgets()
        self.header.setText(header_html)
        self._revealed_header = revealed_header_html
        number = 0
        for step, questions in qset.by_step().items():
            if not questions:
                continue
            title = QLabel(STEP_TITLES.get(step, step.title()), self.inner)
            title.setObjectName("sectionTitle")
            self.inner_layout.addWidget(title)
            self._step_titles.append((title, [q.id for q in questions]))
            for q in questions:
                number += 1
                w = make_question_widget(q, number, self.practice, self.viewer, self.inner)
                self.inner_layout.addWidget(w)
                self.widgets[q.id] = w
                if q.id == GATE_QUESTION and self.practice.gate_application:
                    self.gate_hint = QLabel(GATE_HINT, self.inner)
                    self.gate_hint.setObjectName("hint")
                    self.gate_hint.setWordWrap(True)
                    self.inner_layout.addWidget(self.gate_hint)
        self.inner_layout.addStretch(1)
        self.viewer.set_assist_locked(True)
        self.summary.setText("")
        self.practice.load(qset, restored)

    def clear(self, message: str = "") -> None:
        """No case: remove the questions and show ``message``."""
        self._remove_widgets()
        self._revealed_header = ""
        self.header.setText(f"<span style='color:{palette.TEXT_DIM}'>{_esc(message)}</span>")
        self.summary.setVisible(False)
        self.practice.unload()

    def _remove_widgets(self) -> None:
        for w in self.widgets.values():
            w.detach()
        self.widgets = {}
        self._step_titles = []
        self.gate_hint = None
        while self.inner_layout.count():
            item = self.inner_layout.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not self.summary:
                widget.hide()  # off screen now, not when the event loop gets to the deletion
                widget.deleteLater()
        self.inner_layout.addWidget(self.summary)

    # actions ---------------------------------------------------------------------------------------
    def answer_digit(self, digit: int) -> None:
        self.practice.answer_digit(digit)

    def submit(self) -> None:
        if self.practice.submitted or self.practice.qset is None or self.scorer is None:
            return
        missing = self.practice.unanswered
        if missing and not self._confirmed_missing:
            self._confirmed_missing = True
            self.error.setText(
                f"{len(missing)} question(s) unanswered. Press Submit (Enter) again to submit anyway."
            )
            return
        self._confirmed_missing = False
        try:
            result = self.practice.submit(self.scorer)
        except Exception as exc:
            self.error.setText(f"Could not score this case: {exc}")
            return
        self._show_feedback(result)
        if self.on_submitted is not None:
            self.on_submitted(result)

    def next_case(self) -> None:
        if self.on_next is not None and (self.practice.submitted or self.practice.qset is None):
            self.on_next()
        elif self.practice.qset is not None and not self.practice.submitted:
            self.error.setText("Submit this case first (Enter), then go to the next (N).")

    # state -> view --------------------------------------------------------------------------------
    def _on_practice(self, topic: str) -> None:
        st = self.practice
        if topic in ("error", "answer", "case"):
            self.error.setText(st.error)
            if topic == "answer":
                self._confirmed_missing = False
        if topic in ("focus", "case") and st.current is not None and st.current.id in self.widgets:
            self.scroll.ensureWidgetVisible(self.widgets[st.current.id])
        if topic in ("case", "answer", "submitted"):
            self._apply_gate()
        if topic in ("case", "submitted"):
            self.submit_button.setEnabled(st.qset is not None and not st.submitted)
            self.next_button.setEnabled(st.qset is None or st.submitted)
            self.summary.setVisible(st.submitted)

    def _apply_gate(self) -> None:
        """Until the application is chosen only its question shows; then it is locked."""
        st = self.practice
        for qid, w in self.widgets.items():
            w.setVisible(st.visible(qid))
            if st.locked(qid) and not st.submitted:
                w.body.setEnabled(False)
                w.setToolTip(LOCKED_MESSAGE)
        for title, qids in self._step_titles:
            title.setVisible(any(st.visible(q) for q in qids))
        if self.gate_hint is not None:
            self.gate_hint.setVisible(st.gated)

    def _show_feedback(self, result: Any) -> None:
        expert: list[Mark] = []
        first_frame = None
        for qs in result.questions:
            w = self.widgets.get(qs.question_id)
            if w is not None:
                w.show_feedback(feedback_html(qs))
            for m in qs.expert_marks:
                expert.append(core_mark_to_view(m))
                if first_frame is None and m.frame is not None:
                    first_frame = m.frame
        self.viewer.set_expert_marks(expert)
        if expert:
            self.viewer.set_message("Expert marks: orange, dashed · yours: blue")
        if first_frame is not None:
            self.viewer.pause()
            self.viewer.set_index(first_frame)
        self.viewer.set_assist_domain(getattr(self.practice.qset, "domain", None))
        self.viewer.set_assist_locked(False)
        if self._revealed_header:
            self.header.setText(self._revealed_header)
        colour = palette.GOOD if result.correct else palette.BAD
        text = (
            f"<span style='font-size:15pt; color:{colour}'><b>Overall {result.score * 100:.0f}%</b></span>"
            f" &nbsp; {'passed' if result.correct else 'below'} the {result.threshold * 100:.0f}% mark"
        )
        if result.teaching_points:
            text += (
                "<br><b>Teaching points</b><ul>"
                + "".join(f"<li>{_esc(t)}</li>" for t in result.teaching_points)
                + "</ul>"
            )
        self.summary.setText(text)
        self.summary.setVisible(True)
        self.scroll.verticalScrollBar().setValue(0)
        self.error.setText("")
