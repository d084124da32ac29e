"""The running exam page: countdown bar, the shared cine viewer, the case's questions (the practice
question widgets), and case navigation. It only reflects ``ExamTakeState`` and forwards actions to
it; there is deliberately no overlay, key, feedback or assist control anywhere on this page."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.viewer.cine_viewer import CineViewer
from imgtrainer.gui.widgets import palette
from imgtrainer.gui.widgets.questions import QuestionWidget, make_question_widget
from imgtrainer.gui.widgets.scroll_column import add_scroll_column
from imgtrainer.gui.workers import run_async
from imgtrainer.screens.exam.take import ExamTakeState, countdown_level, format_clock
from imgtrainer.screens.labels import neutral_context
from imgtrainer.screens.practice import (
    GATE_HINT,
    GATE_QUESTION,
    LOCKED_MESSAGE,
    STEP_TITLES,
    core_mark_to_view,
)
from imgtrainer.screens.viewer.state import ViewerState

LEVEL_STYLE = {
    "normal": f"color: {palette.TEXT};",
    "amber": f"color: {palette.EXPERT};",
    "red": f"color: #ffffff; background: {palette.BAD}; border-radius: 6px;",
}


def _case_button_style(complete: bool) -> str:
    """The shown case is filled blue; a case with every question answered has a green rim."""
    rim = f"border: 2px solid {palette.GOOD};" if complete else ""
    return (
        f"QPushButton {{ {rim} }} "
        f"QPushButton:checked {{ background: #1f5f86; color: #ffffff; font-weight: 600; {rim} }}"
    )


def _esc(text: object) -> str:
    return html.escape(str(text))


def context_html(item: dict[str, Any], index: int, n: int) -> str:
    """The case header: position, clinical context, patient facts and probe (no title, no domain)."""
    case = item["case"]
    patient = case.get("patient") or {}
    facts = []
    if patient.get("age_years") is not None:
        facts.append(f"{patient['age_years']:g} y")
    if patient.get("weight_kg") is not None:
        facts.append(f"{patient['weight_kg']:g} kg")
    # the indication often names the application, which the first question asks for
    context = neutral_context(patient.get("clinical_context") or "", case.get("indication") or "")
    text = f"<div style='font-size:14pt; font-weight:600'>Case {index + 1} of {n}</div>"
    if facts or context:
        text += f"<div>{_esc(', '.join(facts) + ('. ' if facts else '') + context)}</div>"
    if case.get("probe"):
        text += f"<div style='color:{palette.TEXT_DIM}'>Probe: {_esc(case['probe'])}</div>"
    return text


class ExamPanel(QWidget):
    """The exam page. ``on_submit`` is called when the candidate asks to submit."""

    def __init__(self, state: ExamTakeState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.on_submit: Callable[[], None] | None = None
        self.widgets: dict[str, QuestionWidget] = {}
        self.viewer_state = ViewerState()
        self.viewer_state.set_assist_locked(True)
        self.viewer = CineViewer(self.viewer_state, self)
        self.viewer.full_button.setVisible(False)
        self._clip_for = -1
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self._build_top())
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.viewer)
        split.addWidget(self._build_questions())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([900, 560])
        layout.addWidget(split, 1)
        layout.addWidget(self._build_nav())
        self._bind_keys()
        state.changed.connect(self._on_state)
        self.viewer_state.changed.connect(self._on_viewer)

    # building ----------------------------------------------------------------------------------
    def _build_top(self) -> QWidget:
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(_esc(self.state.settings.get("title", "Exam")), bar)
        self.title.setObjectName("caseTitle")
        self.candidate = QLabel(f"Candidate: <b>{_esc(self.state.session.candidate)}</b>", bar)
        self.progress = QLabel("", bar)
        self.progress.setObjectName("hint")
        self.item_clock = QLabel("", bar)
        self.item_clock.setObjectName("examCaseClock")
        self.countdown = QLabel("", bar)
        self.countdown.setObjectName("examCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setMinimumWidth(190)
        font = self.countdown.font()
        font.setPointSizeF(26)
        font.setBold(True)
        self.countdown.setFont(font)
        for w in (self.title, self.candidate, self.progress):
            row.addWidget(w)
            row.addSpacing(16)
        row.addStretch(1)
        row.addWidget(self.item_clock)
        row.addSpacing(12)
        clock_box = QVBoxLayout()
        clock_box.setSpacing(0)
        self.countdown_caption = QLabel("Time left", bar)
        self.countdown_caption.setObjectName("hint")
        self.countdown_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        clock_box.addWidget(self.countdown_caption)
        clock_box.addWidget(self.countdown)
        row.addLayout(clock_box)
        return bar

    def _build_questions(self) -> QWidget:
        box = QWidget(self)
        box.setObjectName("sidePanel")
        col = QVBoxLayout(box)
        col.setContentsMargins(6, 6, 6, 6)
        column = add_scroll_column(box, col)
        self.header, self.scroll = column.header, column.scroll
        self.inner, self.inner_layout = column.inner, column.inner_layout
        self.notice = QLabel("", box)
        self.notice.setObjectName("errorLabel")
        self.notice.setWordWrap(True)
        col.addWidget(self.notice)
        self.saved = QLabel("", box)
        self.saved.setObjectName("hint")
        col.addWidget(self.saved)
        return box

    def _build_nav(self) -> QWidget:
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 4, 0, 0)
        self.prev_button = QPushButton("◀  Previous case", bar)
        self.prev_button.clicked.connect(lambda: self.state.go(self.state.index - 1))
        self.next_button = QPushButton("Next case  ▶", bar)
        self.next_button.clicked.connect(self._next)
        self.case_buttons: list[QPushButton] = []
        strip = QWidget(bar)
        strip_row = QHBoxLayout(strip)
        strip_row.setContentsMargins(0, 0, 0, 0)
        strip_row.setSpacing(3)
        for i in range(self.state.n_items):
            b = QPushButton(str(i + 1), strip)
            b.setCheckable(True)
            b.setFixedWidth(38)
            b.clicked.connect(lambda _=False, j=i: self._jump(j))
            strip_row.addWidget(b)
            self.case_buttons.append(b)
        strip_row.addStretch(1)
        scroller = QScrollArea(bar)
        scroller.setWidget(strip)
        scroller.setWidgetResizable(True)
        scroller.setFixedHeight(44)
        scroller.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.submit_button = QPushButton("Submit exam…", bar)
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(lambda: self.on_submit() if self.on_submit else None)
        row.addWidget(self.prev_button)
        row.addWidget(scroller, 1)
        row.addWidget(self.next_button)
        row.addSpacing(24)
        row.addWidget(self.submit_button)
        return bar

    def _bind_keys(self) -> None:
        """Only playback and answering keys: no overlay, quality or assist key exists here."""
        keys: list[tuple[str, Callable[[], None]]] = [
            ("Space", self.viewer_state.toggle_play),
            ("Left", lambda: self._step(-1)),
            ("Right", lambda: self._step(+1)),
        ]
        keys += [(str(d), lambda d=d: self.state.practice.answer_digit(d)) for d in range(1, 10)]
        keys += [(f"Alt+{d}", lambda d=d: self.state.practice.answer_digit(10 + d)) for d in range(10)]
        for key, fn in keys:
            sc = QShortcut(QKeySequence(key), self)
            sc.activated.connect(fn)

    # actions -----------------------------------------------------------------------------------
    def _next(self) -> None:
        confirm = getattr(self.window(), "confirm", None)
        if (
            self.state.forward_only
            and confirm is not None
            and not confirm(
                "Go to the next case?",
                "This exam is forward-only: you cannot come back to this case.",
            )
        ):
            return
        self.state.go(self.state.index + 1)

    def _jump(self, index: int) -> None:
        confirm = getattr(self.window(), "confirm", None)
        skipped = index - self.state.index
        if (
            self.state.forward_only
            and skipped > 0
            and confirm is not None
            and not confirm(
                f"Go to case {index + 1}?",
                f"This exam is forward-only: you cannot come back to case {self.state.index + 1}"
                + (f" or the {skipped - 1} case(s) you skip." if skipped > 1 else "."),
            )
        ):
            self._refresh_nav()
            return
        if not self.state.go(index):
            self._refresh_nav()

    # state -> view -----------------------------------------------------------------------------
    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic == "item":
            self._show_item()
        if topic in ("item", "answers", "error", "locked"):
            self.notice.setText(st.error)
            self._refresh_nav()
        if topic == "answers":
            self.apply_gate()
        if topic == "answers":
            self.saved.setText("✔ Answer saved")
        if topic == "locked":
            self.notice.setText(st.error or "The time for this case is up: its answers are closed.")
        if topic in ("clock", "item"):
            self._refresh_clock()
        if topic == "submitted":
            self.viewer_state.pause()
            for w in self.widgets.values():
                w.body.setEnabled(False)

    def apply_gate(self) -> None:
        """Question 1 (the application) alone until it is answered, then locked: the questions
        after it name the application (the practice screen's rule)."""
        pr = self.state.practice
        for qid, w in self.widgets.items():
            w.setVisible(pr.visible(qid))
            if pr.locked(qid):
                w.body.setEnabled(False)
                w.setToolTip(LOCKED_MESSAGE)
        for title, qids in getattr(self, "_step_titles", []):
            title.setVisible(any(pr.visible(q) for q in qids))
        if getattr(self, "gate_hint", None) is not None:
            self.gate_hint.setVisible(pr.gated)

    def _refresh_clock(self) -> None:
        st = self.state
        limit = st.time_limit_s
        if limit is None:
            self.countdown.setText(format_clock(st.elapsed_s()))
            self.countdown.setToolTip("Time used (this exam has no overall time limit)")
            self.countdown_caption.setText("Time used (no limit)")
            level = "normal"
        else:
            self.countdown.setText(format_clock(st.remaining))
            self.countdown.setToolTip("Time left for the whole exam")
            level = countdown_level(st.remaining, limit)
        self.countdown.setProperty("level", level)
        self.countdown.setStyleSheet(f"QLabel#examCountdown {{ {LEVEL_STYLE[level]} padding: 2px 10px; }}")
        case_limit = st.case_time_limit_s
        if case_limit is not None and st.item_remaining is not None:
            lvl = countdown_level(st.item_remaining, case_limit)
            self.item_clock.setText(f"This case: {format_clock(st.item_remaining)}")
            self.item_clock.setStyleSheet(f"font-size: 14pt; font-weight: 600; {LEVEL_STYLE[lvl]}")
        else:
            self.item_clock.setText("")

    def _refresh_nav(self) -> None:
        st = self.state
        done, total = st.totals()
        self.progress.setText(f"{done} of {total} questions answered")
        for i, b in enumerate(self.case_buttons):
            ok, why = st.can_go(i)
            b.setChecked(i == st.index)
            b.setEnabled(ok or i == st.index)
            n = st.question_count(i)
            a = st.answered_count(i)
            b.setToolTip(why if not ok and i != st.index else f"Case {i + 1}: {a} of {n} answered")
            b.setProperty("complete", a >= n)
            b.setStyleSheet(_case_button_style(a >= n))
        for button, target in ((self.prev_button, st.index - 1), (self.next_button, st.index + 1)):
            ok, why = st.can_go(target)
            button.setEnabled(ok)
            button.setToolTip(why)

    def _show_item(self) -> None:
        st = self.state
        for w in self.widgets.values():
            w.detach()
        self.widgets = {}
        while self.inner_layout.count():
            old = self.inner_layout.takeAt(0).widget()
            if old is not None:
                old.hide()  # off screen now, not when the event loop gets to the deletion
                old.deleteLater()
        self.viewer_state.pause()
        self._set_clip(None)
        assert st.qset is not None and st.item is not None
        self.header.setText(context_html(st.item, st.index, st.n_items))
        number = 0
        self._step_titles: list[tuple[QLabel, list[str]]] = []
        self.gate_hint = None
        for step, questions in st.qset.by_step().items():
            if not questions:
                continue
            title = QLabel(STEP_TITLES.get(step, step.title()), self.inner)
            title.setObjectName("sectionTitle")
            self.inner_layout.addWidget(title)
            self._step_titles.append((title, [q.id for q in questions]))
            for q in questions:
                number += 1
                w = make_question_widget(q, number, st.practice, self.viewer_state, self.inner)
                self.inner_layout.addWidget(w)
                self.widgets[q.id] = w
                if q.id == GATE_QUESTION:
                    self.gate_hint = QLabel(GATE_HINT, self.inner)
                    self.gate_hint.setObjectName("hint")
                    self.gate_hint.setWordWrap(True)
                    self.inner_layout.addWidget(self.gate_hint)
        self.inner_layout.addStretch(1)
        self.apply_gate()
        self.saved.setText("")
        self.scroll.verticalScrollBar().setValue(0)
        self.viewer_state.set_message("Loading the clip…")
        self._load_clip(st.index)

    def _load_clip(self, index: int) -> None:
        from imgtrainer.media import open_clip

        paths = self.state.session.media_paths  # extracting from the verified package: off thread
        self._clip_for = index

        def work() -> Any:
            clip = open_clip(paths(index)[0])
            clip.frame(0)
            return clip

        def done(clip: Any) -> None:
            if self._clip_for != index or self.state.index != index:
                clip.close()  # the candidate moved on meanwhile
                return
            self._set_clip(clip)

        def failed(exc: BaseException) -> None:
            if self.state.index == index:
                self.viewer_state.set_message(f"Cannot show this clip: {exc}")

        run_async(work, done, failed)

    def _set_clip(self, clip: Any) -> None:
        """Show ``clip`` and draw the marks already answered, without re-committing anything."""
        st = self.state
        with st.quiet():
            self.viewer_state.set_clip(clip)
            if clip is not None:
                self._restore_marks()
        self.viewer_state.set_loop(st.replay_allowed)
        self.viewer.loop_box.setEnabled(st.replay_allowed)
        self._refresh_play()

    def _restore_marks(self) -> None:
        from imgtrainer.training.responses import parse_response

        st = self.state
        marks = []
        for q in st.qset.questions if st.qset else []:
            raw = st.practice.answers.get(q.id)
            if q.kind != "marks" or not raw:
                continue
            resp = parse_response(q, raw)
            marks += [dataclasses.replace(core_mark_to_view(m), tag=q.id) for m in resp.marks]
        if marks:
            self.viewer_state.add_marks(marks)

    def _step(self, delta: int) -> None:
        ok, why = self.state.can_step()
        if ok:
            self.viewer_state.step(delta)
        else:
            self.viewer_state.set_message(why)

    def _refresh_play(self) -> None:
        ok, why = self.state.can_play()
        has_clip = self.viewer_state.clip is not None and self.viewer_state.n_frames > 1
        self.viewer.play_button.setEnabled(has_clip and ok)
        self.viewer.play_button.setToolTip(why or "Play / pause (Space)")
        step_ok, step_why = self.state.can_step()
        for w, tip in (
            (self.viewer.prev_button, "Previous frame (Left)"),
            (self.viewer.next_button, "Next frame (Right)"),
            (self.viewer.timeline, ""),
        ):
            w.setEnabled(has_clip and step_ok)
            w.setToolTip(step_why or tip)

    def _on_viewer(self, topic: str) -> None:
        vs = self.viewer_state
        if topic != "playing":
            return
        if vs.playing:
            if not self.state.request_play():
                vs.pause()
                self.viewer_state.set_message(self.state.error or "Replay is off in this exam")
        elif vs.n_frames and vs.index >= vs.n_frames - 1:
            self.state.play_finished()
        self._refresh_play()
